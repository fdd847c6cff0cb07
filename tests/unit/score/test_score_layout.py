"""Scores are kept per scoring settings: ``score_<hash>/`` folders, and where the recipe finds them."""
from __future__ import annotations

import os
from dataclasses import replace

from toolkit.score.layout import score_dir_for, score_files
from toolkit.score.pipeline import ScoreOptions


def test_the_score_folder_follows_the_scoring_settings_only(tmp_path):
    base = ScoreOptions(str(tmp_path / "gen_a" / "audio"), str(tmp_path / "ref"), str(tmp_path / "out"))
    same = [replace(base, generated_dir=str(tmp_path / "gen_b")), replace(base, out_dir="elsewhere"),
            replace(base, cache_dir=None, device="cuda", batch_size=4), replace(base, vggish_weights="w.pth")]
    assert {score_dir_for(tmp_path, o) for o in same} == {score_dir_for(tmp_path, base)}
    changed = [replace(base, reference_dir=str(tmp_path / "stats")), replace(base, embedding="vggish"),
               replace(base, mode="dcase2023"), replace(base, k=3), replace(base, seed=1),
               replace(base, scorers=["fad"]), replace(base, embedding_options={"layer": "conv5"})]
    names = {score_dir_for(tmp_path, o).name for o in [base, *changed]}
    assert len(names) == len(changed) + 1 and all(n.startswith("score_") and len(n) == 14 for n in names)
    vggish = replace(base, embedding="vggish", vggish_weights=str(tmp_path / "a.pth"))
    assert score_dir_for(tmp_path, vggish) != score_dir_for(tmp_path, replace(vggish, vggish_weights=str(tmp_path / "b.pth")))


def test_score_files_oldest_first(tmp_path):
    for name, mtime in (("score_b", 1000), ("score_a", 2000), ("score", 500)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "score.json").write_text("{}")
        os.utime(tmp_path / name / "score.json", (mtime, mtime))
    assert [p.parent.name for p in score_files(tmp_path)] == ["score_b", "score_a"]
