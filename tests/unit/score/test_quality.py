"""Signal-level quality measures and the demo targets (toolkit.score.quality)."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from toolkit.score.inputs import find_audio_set
from toolkit.score.quality import (
    SILENCE_DBFS, Targets, category_quality, level_dbfs, mean_pairwise_correlation, quality_markdown, quality_targets,
    quiet_share, set_quality,
)


def test_level_ignores_dc_offset_and_measures_rms():
    rng = np.random.default_rng(0)
    sine = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    # a sine of amplitude 0.5 has RMS 0.5 / sqrt(2): -9.03 dBFS, with or without an offset
    assert level_dbfs(sine) == pytest.approx(-9.03, abs=0.01)
    assert level_dbfs(sine + 0.3) == pytest.approx(-9.03, abs=0.01)
    # a constant offset alone (what the untrained model writes) is silence, not -15 dBFS
    assert level_dbfs(np.full(1000, -0.0018)) == SILENCE_DBFS
    assert level_dbfs(1e-3 * rng.standard_normal(22050)) == pytest.approx(-60.0, abs=0.2)


def test_quiet_share_counts_samples_near_zero_after_dc_removal():
    clip = np.full(100, 0.2)  # DC only: every sample is quiet once the offset is removed
    assert quiet_share(clip) == 1.0
    clip[:25] = 1.0
    assert quiet_share(clip) == pytest.approx(0.0)
    burst = np.zeros(1000)
    burst[:100] = np.where(np.arange(100) % 2, 0.5, -0.5)
    assert quiet_share(burst) == pytest.approx(0.9, abs=0.001)


def test_pairwise_correlation_is_one_for_repeats_and_near_zero_for_independent_noise():
    rng = np.random.default_rng(1)
    wave = rng.standard_normal(4000)
    assert mean_pairwise_correlation([wave, 2 * wave + 0.1, 0.5 * wave]) == pytest.approx(1.0)
    independent = [rng.standard_normal(4000) for _ in range(6)]
    assert abs(mean_pairwise_correlation(independent)) < 0.05
    assert mean_pairwise_correlation([wave, -wave]) == pytest.approx(-1.0)
    assert mean_pairwise_correlation([wave, np.zeros(4000)]) == 0.0  # a constant clip carries no waveform
    assert mean_pairwise_correlation([wave]) is None


def _write_set(root, levels: dict[str, list[float]], repeat: bool, seed: int):
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(88200)
    for name, amplitudes in levels.items():
        (root / name).mkdir(parents=True)
        for index, amplitude in enumerate(amplitudes):
            wave = shared if repeat else rng.standard_normal(88200)
            sf.write(root / name / f"{index:03d}.wav", np.clip(amplitude * wave, -1, 1), 22050, subtype="PCM_16")


def test_set_quality_and_targets(tmp_path):
    categories = ["DogBark", "Rain", "GunShot"]
    _write_set(tmp_path / "real", {c: [0.05, 0.06, 0.05] for c in categories}, repeat=False, seed=0)
    # DogBark at the right level and varied; Rain 40 dB too quiet; GunShot one waveform repeated
    _write_set(tmp_path / "gen", {"DogBark": [0.05] * 3, "Rain": [0.0005] * 3}, repeat=False, seed=1)
    _write_set(tmp_path / "gen", {"GunShot": [0.05] * 3}, repeat=True, seed=2)
    real = set_quality(find_audio_set(tmp_path / "real", "real"))
    generated = set_quality(find_audio_set(tmp_path / "gen", "generated"), max_clips=2)
    assert generated["DogBark"]["clips"] == 2
    assert real["Rain"]["level_dbfs"] == pytest.approx(-25.0, abs=1.0)
    assert generated["Rain"]["level_dbfs"] == pytest.approx(-66.0, abs=1.0)
    assert generated["GunShot"]["pairwise_correlation"] > 0.99

    def score(fit, fad, kad):
        return {"metrics": {"fit_accuracy": {"per_category": fit, "average": np.mean(list(fit.values()))},
                            "fad": {"average": fad}, "kad": {"average": kad}}}

    trained = score({"DogBark": 0.9, "Rain": 0.5, "GunShot": 0.0}, fad=10.0, kad=2.0)
    untrained = score({"DogBark": 0.0, "Rain": 1.0, "GunShot": 0.0}, fad=20.0, kad=1.0)
    result = quality_targets(generated, real, trained, untrained)
    checks = result["checks"]
    assert result["categories"]["Rain"]["level_gap_db"] == pytest.approx(-40.0, abs=1.0)
    assert checks["level"]["value"] == "2 of 3" and not checks["level"]["passed"]  # needs 6
    assert checks["variety"]["value"] == "2 of 3" and not checks["variety"]["passed"]
    assert checks["category_fit"]["value"] == "2 of 3"  # chance is 1/3: 0.9 and 0.5 are above it
    assert checks["fad"]["passed"] and not checks["kad"]["passed"]
    assert not result["passed"]
    text = quality_markdown(result)
    assert "| Rain |" in text and "FAIL level: 2 of 3" in text and "PASS fad" in text

    lenient = quality_targets(generated, real, trained, untrained, targets=Targets(level_min_categories=2))
    assert lenient["checks"]["level"]["passed"]


def test_targets_without_scores_fail_the_score_checks():
    quality = category_quality([np.sin(np.arange(1000) * f) for f in (0.1, 0.37, 0.9)])
    result = quality_targets({"Rain": quality}, {"Rain": quality})
    assert result["checks"]["level"]["value"] == "1 of 1"
    assert not result["checks"]["fad"]["passed"] and result["checks"]["fad"]["value"] == "not scored"
    assert result["checks"]["category_fit"]["value"] == "not scored"
