"""Side-by-side scores of an experiment's generated sets."""
from __future__ import annotations

import json
import os

import yaml

from toolkit.score.compare import write_comparison


def scored_set(exp, name, checkpoint, fad, fit, mtime, embedding="soundnet", mode="standard", score_dir="score_1"):
    gen = exp / name
    (gen / score_dir).mkdir(parents=True)
    (gen / "generate.yaml").write_text(yaml.safe_dump(
        {"checkpoints": {"DogBark": f"/x/{checkpoint}.pt", "Rain": f"/x/{checkpoint}.pt"},
         "noise_scales": {"DogBark": 0.7, "Rain": 0.7}, "ensemble": None}))
    result = {"categories": ["DogBark", "Rain"], "embedding": {"name": embedding}, "mode": mode,
              "metrics": {"fad": {"average": sum(fad) / 2, "higher_is_better": False,
                                  "per_category": dict(zip(["DogBark", "Rain"], fad))},
                          "fit_accuracy": {"average": sum(fit) / 2, "higher_is_better": True,
                                           "per_category": dict(zip(["DogBark", "Rain"], fit))}}}
    path = gen / score_dir / "score.json"
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
    summary = json.loads((tmp_path / "scores.json").read_text())
    assert summary["soundnet (standard)"]["last, noise 0.7"] == {"fad": 15.0, "fit_accuracy": 0.75}


def test_each_embedding_and_mode_has_its_own_tables(tmp_path):
    scored_set(tmp_path, "gen_last_1", "last", [10.0, 20.0], [0.5, 1.0], mtime=1000)
    scored_set(tmp_path, "gen_last_1", "last", [3.0, 5.0], [0.25, 0.75], mtime=2000, embedding="vggish",
               mode="dcase2023", score_dir="score_2")
    text = write_comparison(tmp_path)
    soundnet, vggish = text.split("## Embedding soundnet (standard)")[1].split("## Embedding vggish (dcase2023)")
    # the same set, scored twice: one row in each table, never two rows of one table
    assert "| last, noise 0.7 | 15.0000 | 0.7500 |" in soundnet and "4.0000" not in soundnet
    assert "| last, noise 0.7 | 4.0000 | 0.5000 |" in vggish and "15.0000" not in vggish
    assert "| last, noise 0.7 | 3.0000 | 5.0000 |" in vggish
    assert set(json.loads((tmp_path / "scores.json").read_text())) == {"soundnet (standard)", "vggish (dcase2023)"}


def test_sets_with_one_label_are_told_apart_by_their_folders(tmp_path):
    scored_set(tmp_path, "gen_last_1", "last", [10.0, 20.0], [0.5, 1.0], mtime=1000)
    scored_set(tmp_path, "gen_last_2", "last", [30.0, 40.0], [0.5, 1.0], mtime=2000)
    text = write_comparison(tmp_path)
    assert "| last, noise 0.7 (gen_last_1) | 15.0000 |" in text
    assert "| last, noise 0.7 (gen_last_2) | 35.0000 |" in text
