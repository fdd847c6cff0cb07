"""Tiny clips in both DCASE layouts for the report and listening-test tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

RATE = 22050


def write_clips(root: Path, folders: list[str], count: int, seed: int = 0) -> list[Path]:
    """``count`` distinct 0.1-s clips in each of ``folders`` under ``root``; returns their paths."""
    rng = np.random.default_rng(seed)
    written = []
    for folder in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for index in range(1, count + 1):
            path = root / folder / f"{index:04d}.wav"
            sf.write(path, (0.1 * rng.standard_normal(RATE // 10)).astype(np.float32), RATE, subtype="PCM_16")
            written.append(path)
    return written


@pytest.fixture
def clip_writer():
    return write_clips
