"""The speed benchmarks end to end at a tiny size: every section of their JSON (the real runs are benchmarks)."""
from __future__ import annotations

import json

import pytest

from toolkit.models.presets import TINY_OVERRIDES


def test_inference_benchmark_times_variants_and_the_whole_path(tmp_path, load_benchmark):
    out = tmp_path / "inference.json"
    args = ["--threads", "1", "--variants", "bf16", "--repeats", "1", "--path-clips", "1", "--out", str(out),
            *TINY_OVERRIDES]
    assert load_benchmark("inference").main(args) == 0
    result = json.loads(out.read_text())
    per_clip = result["per_clip"]["threads_1"]
    assert set(per_clip) == {"fp32", "bf16"} and per_clip["fp32"]["speedup_vs_fp32_eager"] == 1.0
    assert per_clip["bf16"]["seconds_per_clip_median"] > 0 and "snr_db_vs_fp32_random_weights" in per_clip["bf16"]
    path = result["whole_path"]["threads_1"]
    assert path["clips"] == 7 and path["fp32"]["seconds"] > path["fixed_seconds"]
    assert path["bf16"]["seconds_700_extrapolated"] > path["bf16"]["seconds"]
    assert set(result["machine"]["cpu_bf16_flags"]) == {"avx512_bf16", "amx_bf16", "arm_bf16"}


@pytest.mark.slow
def test_bf16_training_benchmark_compares_the_mel_loss_of_two_recipe_runs(tmp_path, load_benchmark):
    out = tmp_path / "bf16_training.json"
    args = ["--steps", "3", "--window", "2", "3", "--work", str(tmp_path / "work"), "--out", str(out), "--",
            "--demo-clips-per-category", "2", "train.batch_size=4"]
    assert load_benchmark("bf16_training").main(args) == 0
    result = json.loads(out.read_text())
    for precision in ("fp32", "bf16"):
        run = result["runs"][precision]
        assert run["window_steps_logged"] == 2 and run["mel_loss_window_mean"] > 0 and run["seconds_per_step"] > 0
    fp32, bf16 = result["runs"]["fp32"]["mel_loss_window_mean"], result["runs"]["bf16"]["mel_loss_window_mean"]
    assert result["relative_difference"] == pytest.approx(abs(bf16 - fp32) / fp32, abs=1e-3)
    assert result["pass"] == (result["relative_difference"] <= 0.05)
