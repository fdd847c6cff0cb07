"""The demo dataset: procedurally synthesised clips of the 7 DCASE 2023 Task 7 categories.

``synthesise_dataset(out_dir, clips_per_category, seed)`` writes ``<out_dir>/<CamelCase>/0001.wav ...``
(22,050 Hz, mono, PCM_16, 88,200 samples), the layout of the DCASE development set, so the whole recipe
runs with no download. A clip depends only on ``(seed, category, index)``: asking for more clips per
category adds clips and leaves the others unchanged.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from tqdm import tqdm

from toolkit.audio import ClipFormat, write_clip
from toolkit.data.demo.dsp import coloured_noise, normalise_peak, rms, room
from toolkit.data.demo.sounds import ACOUSTICS, GENERATORS
from toolkit.data.staging import staged_dir
from toolkit.dcase import CATEGORIES

logger = logging.getLogger(__name__)

__all__ = ["synthesise_clip", "synthesise_dataset"]


def synthesise_clip(category_id: int, index: int, seed: int = 0, fmt: ClipFormat = ClipFormat()) -> np.ndarray:
    """One clip [fmt.num_samples] of category ``category_id``: dry sound, room, background noise, level."""
    rng = np.random.default_rng([seed, category_id, index])
    n, sample_rate = fmt.num_samples, fmt.sample_rate
    dry = GENERATORS[category_id](rng, n, sample_rate)
    rt60, wet, snr_db = (rng.uniform(*bounds) for bounds in ACOUSTICS[category_id])
    wet_sound = room(dry, rng, rt60, wet, sample_rate)
    background = coloured_noise(rng, n, rng.uniform(0.5, 1.5))
    clip = wet_sound + background * rms(wet_sound) * 10 ** (-snr_db / 20)
    return normalise_peak(clip, rng.uniform(0.5, 0.95)).astype(np.float32)


#: clips per category of the demo set (`make demo`, run.sh --dataset demo, toolkit obtain --dataset demo)
DEFAULT_CLIPS_PER_CATEGORY = 40


def synthesise_dataset(out_dir: str | Path, clips_per_category: int = DEFAULT_CLIPS_PER_CATEGORY, seed: int = 0,
                       fmt: ClipFormat = ClipFormat()) -> Path:
    """Write the demo dataset to ``out_dir`` (built in a temporary folder, moved into place when complete)."""
    if clips_per_category < 1:
        raise ValueError(f"clips_per_category must be >= 1, got {clips_per_category}")
    out_dir = Path(out_dir)
    jobs = [(cid, index) for cid in range(len(CATEGORIES)) for index in range(clips_per_category)]
    with staged_dir(out_dir) as staging:
        for cid, index in tqdm(jobs, desc="synthesising demo clips", unit="clip"):
            path = staging / CATEGORIES[cid] / f"{index + 1:04d}.wav"
            write_clip(path, synthesise_clip(cid, index, seed, fmt), fmt.sample_rate, fmt.subtype)
    logger.info("wrote %d demo clips (%d per category, seed %d) to %s", len(jobs), clips_per_category, seed, out_dir)
    return out_dir
