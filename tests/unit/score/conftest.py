"""Fixtures of the scoring tests: small real-clip folders, a shared SoundNet embedding, official statistics."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

#: the smallest real categories (8-9 clips each): enough for k=5 neighbours, cheap to embed
SMALL_CATEGORIES = ("Footstep", "Keyboard", "Rain")
SNAKE = {"Footstep": "footstep", "Keyboard": "keyboard", "Rain": "rain"}


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def official_stats_dir(shared_data) -> Path:
    return shared_data / "dcase23_eval_stats" / "original"


@pytest.fixture(scope="session")
def soundnet():
    from toolkit.score.soundnet import SoundNetEmbedding

    return SoundNetEmbedding()


def link_categories(realclips: Path, target: Path, snake_case: bool = False) -> Path:
    """``target/<category>`` symlinks to the small real categories (CamelCase or snake_case names)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SMALL_CATEGORIES:
        (target / (SNAKE[name] if snake_case else name)).symlink_to(realclips / name, target_is_directory=True)
    return target


def write_noisy_copies(realclips: Path, target: Path, noise: float = 0.05, seed: int = 0) -> Path:
    """A generated-like set: the small categories' clips plus white noise, written as PCM_16."""
    rng = np.random.default_rng(seed)
    for name in SMALL_CATEGORIES:
        (target / name).mkdir(parents=True, exist_ok=True)
        for path in sorted((realclips / name).glob("*.wav")):
            audio, rate = sf.read(path, dtype="float64")
            noisy = np.clip(audio + noise * rng.standard_normal(audio.shape), -1.0, 1.0)
            sf.write(target / name / path.name, noisy, rate, subtype="PCM_16")
    return target
