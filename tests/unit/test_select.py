"""Selection: grid checkpoints, the per-category choice, and an ensemble spec the generate stage accepts."""
from __future__ import annotations

import re

import pytest

from toolkit import select
from toolkit.dcase import CATEGORIES
from toolkit.errors import ConfigError, DataError
from toolkit.generate import GenerateOptions
from toolkit.generate.plan import load_ensemble
from toolkit.score.pipeline import ScoreOptions


def make_checkpoints(exp_dir, steps):
    directory = exp_dir / "checkpoints"
    directory.mkdir(parents=True)
    for name in ["last.pt", "initial.pt", *(f"step_{s:08d}.pt" for s in steps)]:
        (directory / name).write_bytes(b"x")
    return directory


def test_grid_takes_the_newest_step_checkpoints_or_the_named_ones(tmp_path):
    directory = make_checkpoints(tmp_path, [100, 300, 200, 400, 1000])
    assert [p.name for p in select.grid_checkpoints(tmp_path, None, 2)] == ["step_00000400.pt", "step_00001000.pt"]
    assert select.grid_checkpoints(tmp_path, ["initial", "last.pt"], 4) == [directory / "initial.pt", directory / "last.pt"]
    with pytest.raises(ConfigError, match="no checkpoint step_9"):
        select.grid_checkpoints(tmp_path, ["step_9"], 4)
    with pytest.raises(DataError, match="no step checkpoints"):
        select.grid_checkpoints(tmp_path / "empty", None, 4)


def fake_result(values: dict[str, float], higher_is_better: bool = False) -> dict:
    return {"categories": list(values), "embedding": {"name": "fake"},
            "metrics": {"fad": {"per_category": values, "higher_is_better": higher_is_better}}}


def test_each_category_gets_its_best_grid_point(tmp_path, monkeypatch):
    checkpoints = [p for p in sorted(make_checkpoints(tmp_path, [10, 20]).glob("step_*.pt"))]
    # FAD of a grid point: category index + a per-point offset, except that one point wins DogBark and Rain
    offsets = {"step_00000010_ns0.5": 3.0, "step_00000010_ns1": 1.0, "step_00000020_ns0.5": 2.0, "step_00000020_ns1": 4.0}

    def score_point(exp_dir, point_dir, point, generate, score):
        values = {c: i + offsets[point.name] for i, c in enumerate(CATEGORIES)}
        if point.name == "step_00000020_ns1":
            values.update(DogBark=-1.0, Rain=0.5)
        return fake_result(values)

    monkeypatch.setattr(select, "_score_point", score_point)
    selection = select.select_ensemble(tmp_path, tmp_path / "select", checkpoints, [0.5, 1.0],
                                       GenerateOptions(), ScoreOptions("", "ref", ""), metric="fad")
    chosen = {c: (v["checkpoint"].rsplit("/", 1)[1], v["noise_scale"]) for c, v in selection["chosen"].items()}
    assert chosen.pop("DogBark") == ("step_00000020.pt", 1.0)
    assert chosen.pop("Rain") == ("step_00000020.pt", 1.0)
    assert set(chosen.values()) == {("step_00000010.pt", 1.0)}
    spec = load_ensemble(tmp_path / "select" / "ensemble.yaml")
    assert spec.noise_scales["DogBark"] == 1.0 and spec.checkpoints["Keyboard"].endswith("step_00000010.pt")
    table = (tmp_path / "select" / "selection.md").read_text()
    assert "| DogBark | step_00000020.pt | 1 | -1.0000 |" in table


def test_unknown_metric_and_empty_grid_are_clear_errors(tmp_path, monkeypatch):
    checkpoints = sorted(make_checkpoints(tmp_path, [10]).glob("step_*.pt"))
    monkeypatch.setattr(select, "_score_point", lambda *args: fake_result({c: 1.0 for c in CATEGORIES}))
    with pytest.raises(ConfigError, match="select.metric 'kad' was not computed; computed: fad"):
        select.select_ensemble(tmp_path, tmp_path / "s", checkpoints, [1.0], GenerateOptions(),
                               ScoreOptions("", "ref", ""), metric="kad")
    with pytest.raises(ConfigError, match="noise_scales is empty"):
        select.select_ensemble(tmp_path, tmp_path / "s", checkpoints, [], GenerateOptions(),
                               ScoreOptions("", "ref", ""))


def test_selection_shows_one_bar_over_its_grid(tmp_path, monkeypatch, capsys):
    checkpoints = sorted(make_checkpoints(tmp_path, [10, 20]).glob("step_*.pt"))
    monkeypatch.setattr(select, "_score_point", lambda *args: fake_result({c: 1.0 for c in CATEGORIES}))
    select.select_ensemble(tmp_path, tmp_path / "s", checkpoints, [0.5, 1.0, 1.5], GenerateOptions(),
                           ScoreOptions("", "ref", ""))
    err = capsys.readouterr().err
    assert set(re.findall(r"([\w ]+): +\d+%\|", err)) == {"select"} and "| 6/6 [" in err


def test_a_grid_point_is_scored_again_under_other_scoring_settings(tmp_path, monkeypatch):
    """Scores of a grid point are reused only with the settings that made them; the clips are reused always."""
    import json
    from dataclasses import replace

    generated, scored = [], []

    def generate_clips(exp_dir, options, progress):
        assert not progress  # the grid's bar is the only one
        generated.append(options.out_dir)
        return tmp_path / "gen"

    def run_scoring(options, progress):
        assert not progress
        scored.append(options.out_dir)
        result = fake_result({c: float(len(scored)) for c in CATEGORIES})
        (tmp_path / options.out_dir).mkdir(parents=True)
        (tmp_path / options.out_dir / "score.json").write_text(json.dumps(result))
        return result

    monkeypatch.setattr(select, "generate_clips", generate_clips)
    monkeypatch.setattr(select, "run_scoring", run_scoring)
    point = select.GridPoint(tmp_path / "step_00000010.pt", 0.5)
    soundnet = ScoreOptions("", str(tmp_path / "ref"), "")
    vggish = replace(soundnet, embedding="vggish", mode="dcase2023")
    first = select._score_point(tmp_path, tmp_path / "grid" / point.name, point, GenerateOptions(), soundnet)
    again = select._score_point(tmp_path, tmp_path / "grid" / point.name, point, GenerateOptions(), soundnet)
    other = select._score_point(tmp_path, tmp_path / "grid" / point.name, point, GenerateOptions(), vggish)
    assert first == again and other != first and len(scored) == 2
    assert len(set(scored)) == 2 and all(p.startswith(str(tmp_path / "grid" / point.name / "score_")) for p in scored)
    assert generated == [str(tmp_path / "grid" / point.name / "gen")] * 2
