"""benchmarks/learning.py end to end for two steps on a tiny synthetic set (the real run is a benchmark)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.data.demo import synthesise_dataset
from toolkit.models.presets import TINY_OVERRIDES

pytestmark = pytest.mark.slow


def test_verdict_needs_an_improvement_larger_than_the_seed_spread(load_benchmark):
    learning = load_benchmark("learning")
    floor = {"fad": 1.0, "kad": 0.0}
    untrained = [{"fad": 10.0, "kad": 5.0}, {"fad": 12.0, "kad": 5.2}]
    trained = [{"fad": 4.0, "kad": 4.9}, {"fad": 5.0, "kad": 5.1}]
    result = learning.verdict(floor, untrained, trained)
    assert result["fad"]["improvement"] == pytest.approx(6.5) and result["fad"]["seed_spread"] == 2.0
    assert result["fad"]["passed"]
    assert result["kad"]["improvement"] == pytest.approx(0.1) and not result["kad"]["passed"]  # spread 0.2


def test_learning_benchmark_runs_on_a_tiny_synthetic_set(tmp_path, load_benchmark):
    learning = load_benchmark("learning")
    dataset = synthesise_dataset(tmp_path / "clips", clips_per_category=4, seed=3)
    out = tmp_path / "learning.json"
    args = [str(dataset), "--steps", "2", "--clips-per-category", "2", "--seeds", "1", "2",
            "--work", str(tmp_path / "work"), "--out", str(out),
            "train.batch_size=4", "train.num_workers=0", "score.cache_dir=null", *TINY_OVERRIDES]
    assert learning.main(args) == 0
    result = json.loads(out.read_text())
    assert result["clips"]["hold_out"] == {name: 1 for name in result["clips"]["hold_out"]}
    assert all(count == 3 for count in result["clips"]["train"].values()) and len(result["clips"]["train"]) == 7
    assert [s["seed"] for s in result["trained"]] == [1, 2] and len(result["untrained"]) == 2
    for entry in (result["floor"], *result["trained"], *result["untrained"]):
        assert entry["fad"] >= 0 and set(entry["quality"]) == set(result["clips"]["train"])
    assert set(result["verdict"]) == {"fad", "kad"} and isinstance(result["passed"], bool)
    assert result["settings"]["steps"] == 2 and result["machine"]["cpu_model"]
    assert "Real clips from" in Path(result["report"]).read_text()  # the report shows the hold-out beside

    # the diagnostics script on the same experiment: every checkpoint, every category, both latents
    diagnostics = load_benchmark("learning_diagnostics")
    report = tmp_path / "diagnostics.json"
    assert diagnostics.main([str(tmp_path / "work" / "exp" / "learning"), "--clips", "2", "--split", "train",
                            "--out", str(report)]) == 0
    checkpoints = json.loads(report.read_text())["checkpoints"]
    assert set(checkpoints) == {"initial", "step_00000002"}
    row = checkpoints["step_00000002"]["Rain"]
    assert {"posterior", "prior_0.667", "prior_2", "prior_posterior_latent_0.667", "kl_inference_latent"} <= set(row)
    assert row["posterior"]["clips"] == 2 and row["real"]["level_dbfs"] > -40
    assert -1.0 <= row["prior_2"]["pairwise_correlation"] <= 1.0
