"""Fixtures of the scoring tests: one torch thread, a shared SoundNet embedding, the official statistics."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def official_stats_dir(shared_data) -> Path:
    return shared_data / "dcase23_eval_stats" / "original"


@pytest.fixture(scope="session")
def soundnet():
    from toolkit.score.soundnet import SoundNetEmbedding

    return SoundNetEmbedding()
