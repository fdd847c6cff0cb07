"""The demo synthesiser: deterministic by seed, DCASE layout and format, variety within, separation between."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from toolkit.audio import ClipFormat
from toolkit.dcase import CATEGORIES
from toolkit.data.demo import synthesise_clip, synthesise_dataset
from toolkit.features import mel_spectrogram

PER_CLASS = 6


@pytest.fixture(scope="module")
def clips() -> dict[int, list[np.ndarray]]:
    return {cid: [synthesise_clip(cid, i, seed=7) for i in range(PER_CLASS)] for cid in range(len(CATEGORIES))}


def test_dataset_layout_and_format(tmp_path):
    out = synthesise_dataset(tmp_path / "demo", clips_per_category=2, seed=3)
    assert sorted(p.name for p in out.iterdir()) == sorted(CATEGORIES)
    for category in CATEGORIES:
        files = sorted((out / category).iterdir())
        assert [f.name for f in files] == ["0001.wav", "0002.wav"]
        for f in files:
            info = sf.info(str(f))
            assert (info.samplerate, info.channels, info.frames, info.subtype) == (22050, 1, 88200, "PCM_16")
    assert not list(tmp_path.glob(".*tmp"))  # the staging folder was moved into place


def test_deterministic_by_seed_and_independent_of_count():
    a = synthesise_clip(2, 1, seed=5)
    assert np.array_equal(a, synthesise_clip(2, 1, seed=5))
    assert not np.allclose(a, synthesise_clip(2, 1, seed=6))


def test_files_match_between_runs(tmp_path):
    first = synthesise_dataset(tmp_path / "a", clips_per_category=1, seed=11)
    second = synthesise_dataset(tmp_path / "b", clips_per_category=2, seed=11)
    for category in CATEGORIES:
        assert (first / category / "0001.wav").read_bytes() == (second / category / "0001.wav").read_bytes()


def test_clips_are_finite_audible_and_within_range(clips):
    fmt = ClipFormat()
    for cid, items in clips.items():
        for clip in items:
            assert clip.shape == (fmt.num_samples,) and np.isfinite(clip).all()
            assert 0.5 <= np.abs(clip).max() <= 0.95 + 1e-6, CATEGORIES[cid]


def _features(clip: np.ndarray) -> np.ndarray:
    mel = mel_spectrogram(torch.from_numpy(clip)[None])[0].numpy()
    return np.concatenate([mel.mean(1), mel.std(1)])


def test_within_class_variety(clips):
    for cid, items in clips.items():
        envelopes = [np.sqrt((c.reshape(-1, 1050) ** 2).mean(axis=1)) for c in items]  # 84 frames of 48 ms
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                wave_corr = abs(np.corrcoef(items[i], items[j])[0, 1])
                assert wave_corr < 0.5, f"{CATEGORIES[cid]} clips {i} and {j} are near copies"
        env_corr = np.corrcoef(np.stack(envelopes))[np.triu_indices(len(items), 1)]
        spectra = np.stack([_features(c)[:80] for c in items])
        spread = np.mean(np.std(spectra, axis=0))
        # loudness over time differs between clips (onsets, rhythm) or, for steady sounds, the spectrum does
        assert env_corr.mean() < 0.9 or spread > 0.5, CATEGORIES[cid]


def test_categories_are_separable(clips):
    features = np.stack([_features(c) for cid in clips for c in clips[cid]])
    labels = np.repeat(np.arange(len(CATEGORIES)), PER_CLASS)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    accuracy = cross_val_score(model, features, labels, cv=3).mean()
    assert accuracy >= 0.8, f"cross-validated accuracy {accuracy:.2f}"
