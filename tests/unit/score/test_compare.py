"""Side-by-side scores of an experiment's generated sets."""
from __future__ import annotations

import json
import os

import yaml

from toolkit.score.compare import write_comparison


def scored_set(exp, name, checkpoint, fad, fit, mtime):
    gen = exp / name
    (gen / "score").mkdir(parents=True)
    (gen / "generate.yaml").write_text(yaml.safe_dump(
        {"checkpoints": {"DogBark": f"/x/{checkpoint}.pt", "Rain": f"/x/{checkpoint}.pt"},
         "noise_scales": {"DogBark": 0.7, "Rain": 0.7}, "ensemble": None}))
    result = {"categories": ["DogBark", "Rain"], "embedding": {"name": "soundnet"}, "mode": "standard",
              "metrics": {"fad": {"average": sum(fad) / 2, "higher_is_better": False,
                                  "per_category": dict(zip(["DogBark", "Rain"], fad))},
                          "fit_accuracy": {"average": sum(fit) / 2, "higher_is_better": True,
                                           "per_category": dict(zip(["DogBark", "Rain"], fit))}}}
    path = gen / "score" / "score.json"
    path.write_text(json.dumps(result))
    os.utime(path, (mtime, mtime))


def test_sets_side_by_side_oldest_first(tmp_path):
    assert write_comparison(tmp_path) is None
    scored_set(tmp_path, "gen_last_1", "last", [10.0, 20.0], [0.5, 1.0], mtime=2000)
    scored_set(tmp_path, "gen_initial_1", "initial", [30.0, 40.0], [0.0, 0.5], mtime=1000)
    text = write_comparison(tmp_path)
    rows = [line for line in text.splitlines() if line.startswith("| initial") or line.startswith("| last")]
    assert rows[:2] == ["| initial, noise 0.7 | 35.0000 | 0.2500 |", "| last, noise 0.7 | 15.0000 | 0.7500 |"]
    assert "| last, noise 0.7 | 10.0000 | 20.0000 |" in text  # FAD per category
    assert json.loads((tmp_path / "scores.json").read_text())["last, noise 0.7"] == {"fad": 15.0, "fit_accuracy": 0.75}
