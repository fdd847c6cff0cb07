"""Merging exported answers: validation, duplicates, MOS with t intervals and the DCASE weighted score."""
from __future__ import annotations

import json
import math

import pytest
from matplotlib.container import ErrorbarContainer

from toolkit.bin.listening_results import main
from toolkit.errors import DataError
from toolkit.report.listening_results import (
    MAX_ANSWERS_BYTES, aggregate, listening_results, merge_answers, results_figure, summarise,
)
from toolkit.report.listening_test import ANSWERS_FORMAT, KEY_FORMAT

T_975_DF1 = 12.7062  # Student t quantile 0.975 with 1 degree of freedom (any t table)
T_975_DF2 = 4.3027

KEY = {
    "format": KEY_FORMAT, "test_id": "t1",
    "systems": {"A": {"reference": False}, "R": {"reference": True}},
    "sets": {"sa": {"system": "A", "category": "DogBark"}, "sb": {"system": "A", "category": "Rain"},
             "sr": {"system": "R", "category": "DogBark"}},
    "clips": {"a1": {"set": "sa", "system": "A", "category": "DogBark", "source": "x"},
              "a2": {"set": "sa", "system": "A", "category": "DogBark", "source": "y"},
              "b1": {"set": "sb", "system": "A", "category": "Rain", "source": "z"},
              "r1": {"set": "sr", "system": "R", "category": "DogBark", "source": "w"}},
}


def answers(listener, seed, clips, sets):
    return {"format": ANSWERS_FORMAT, "test_id": "t1", "listener": listener, "seed": seed,
            "clips": {k: {"quality": q, "fit": f, "played": True} for k, (q, f) in clips.items()},
            "sets": {k: {"diversity": d} for k, d in sets.items()}}


@pytest.fixture
def files(tmp_path):
    docs = {
        "l1.json": answers("ann", 1, {"a1": (4, 7), "a2": (6, 9), "b1": (5, 5), "r1": (9, 10)},
                           {"sa": 3, "sb": 6, "sr": 8}),
        "l2.json": answers("bob", 2, {"a1": (5, 8), "a2": (5, 8), "b1": (7, 3)}, {"sa": 5, "sb": None}),
    }
    paths = []
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc))
        paths.append(tmp_path / name)
    (tmp_path / "key.json").write_text(json.dumps(KEY))
    return paths


def row(rows, system, category):
    return next(r for r in rows if r["system"] == system and r["category"] == category)


def test_summarise_known_values():
    two = summarise([4, 6])
    assert two["mean"] == 5 and two["sd"] == pytest.approx(math.sqrt(2))
    assert two["ci95"] == pytest.approx(T_975_DF1, abs=1e-4)  # t * sqrt(2) / sqrt(2)
    three = summarise([2, 4, 9])
    assert three["mean"] == 5 and three["ci95"] == pytest.approx(T_975_DF2 * math.sqrt(13) / math.sqrt(3), abs=1e-3)
    assert summarise([7]) == {"n": 1, "mean": 7, "sd": None, "ci95": None}
    assert summarise([])["mean"] is None
    assert summarise([5, 5, 5])["ci95"] == 0


def test_mos_per_system_and_category(files):
    accepted, rejected = merge_answers(files, KEY)
    assert rejected == [] and [a.listener for a in accepted] == ["ann", "bob"]
    rows = aggregate(accepted, KEY)
    dog = row(rows, "A", "DogBark")
    assert dog["quality"]["n"] == 4 and dog["quality"]["mean"] == pytest.approx(5.0)  # 4, 6, 5, 5
    assert dog["fit"]["mean"] == pytest.approx(8.0)  # 7, 9, 8, 8
    assert dog["diversity"]["n"] == 2 and dog["diversity"]["mean"] == 4  # 3, 5
    assert dog["diversity"]["ci95"] == pytest.approx(T_975_DF1 * math.sqrt(2) / math.sqrt(2), abs=1e-4)
    assert dog["weighted"] == pytest.approx((2 * 5 + 2 * 8 + 4) / 5)
    rain = row(rows, "A", "Rain")
    assert rain["diversity"]["n"] == 1 and rain["diversity"]["ci95"] is None  # bob skipped it
    assert rain["quality"]["mean"] == 6 and rain["fit"]["mean"] == 4
    pooled = row(rows, "A", "all")
    assert pooled["quality"]["n"] == 6 and pooled["quality"]["mean"] == pytest.approx(32 / 6)
    assert pooled["diversity"]["mean"] == pytest.approx(14 / 3)
    reference = row(rows, "R", "DogBark")
    assert reference["reference"] is True and reference["quality"]["ci95"] is None
    assert reference["weighted"] == pytest.approx((2 * 9 + 2 * 10 + 8) / 5)
    assert [(r["system"], r["category"]) for r in rows] == [
        ("A", "DogBark"), ("A", "Rain"), ("A", "all"), ("R", "DogBark"), ("R", "all")]


@pytest.mark.parametrize("change, message", [
    (lambda d: "{not json", "not valid JSON"),
    (lambda d: {**d, "format": "other"}, "not a listening-test answers file"),
    (lambda d: {**d, "test_id": "t2"}, "answers test 't2'"),
    (lambda d: {**d, "listener": " "}, "'listener' must be"),
    (lambda d: {**d, "seed": "1"}, "'seed' must be"),
    (lambda d: {**d, "clips": {"a1": {"quality": 11, "fit": 2}}}, "rating 11 is not an integer"),
    (lambda d: {**d, "clips": {"a1": {"quality": 3.5, "fit": 2}}}, "rating 3.5"),
    (lambda d: {**d, "clips": {"a1": {"quality": True, "fit": 2}}}, "rating True"),
    (lambda d: {**d, "clips": {"zz": {"quality": 3, "fit": 2}}}, "unknown clip id 'zz'"),
    (lambda d: {**d, "sets": {"sa": {"diversity": 0}}}, "rating 0"),
    (lambda d: {**d, "clips": {}, "sets": {}}, "contains no ratings"),
])
def test_malformed_files_are_rejected_with_reason(files, tmp_path, change, message):
    bad = tmp_path / "bad.json"
    changed = change(json.loads(files[1].read_text()))
    bad.write_text(changed if isinstance(changed, str) else json.dumps(changed))
    accepted, rejected = merge_answers([files[0], bad], KEY)
    assert [a.listener for a in accepted] == ["ann"]
    assert len(rejected) == 1 and rejected[0]["file"] == str(bad)
    assert message in rejected[0]["reason"] and str(bad) in rejected[0]["reason"]


@pytest.mark.parametrize("make, message", [
    (lambda path: path.mkdir(), "is a directory, not a JSON file"),
    (lambda path: path.write_text("[" * 200_000 + "]" * 200_000), "nested too deeply"),
    (lambda path: path.write_text('{"format": "x"}' + " " * MAX_ANSWERS_BYTES), "larger than 4 MiB"),
])
def test_unusable_paths_are_rejected_and_the_rest_merged(files, tmp_path, make, message):
    bad = tmp_path / "bad.json"
    make(bad)
    accepted, rejected = merge_answers([files[0], bad, files[1]], KEY)
    assert [a.listener for a in accepted] == ["ann", "bob"]
    assert [r["file"] for r in rejected] == [str(bad)]
    assert message in rejected[0]["reason"] and str(bad) in rejected[0]["reason"]
    assert "\n" not in rejected[0]["reason"]


def test_answers_file_at_the_size_limit_is_accepted(files, tmp_path):
    text = files[1].read_text()
    padded = tmp_path / "padded.json"
    padded.write_text(text + " " * (MAX_ANSWERS_BYTES - len(text.encode())))
    assert padded.stat().st_size == MAX_ANSWERS_BYTES
    accepted, rejected = merge_answers([padded], KEY)
    assert rejected == [] and [a.listener for a in accepted] == ["bob"]


def test_long_values_are_cut_short_in_reasons(files, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads(files[1].read_text()), "clips": {"z" * 100_000: {"quality": 3}}}))
    _, rejected = merge_answers([bad], KEY)
    assert "unknown clip id 'zzz" in rejected[0]["reason"] and len(rejected[0]["reason"]) < 200 + len(str(bad))


def test_duplicate_listener_and_seed_is_rejected(files, tmp_path):
    copy = tmp_path / "again.json"
    copy.write_text(files[0].read_text())
    other_seed = tmp_path / "other.json"
    other_seed.write_text(json.dumps({**json.loads(files[0].read_text()), "seed": 9}))
    accepted, rejected = merge_answers([files[0], copy, other_seed], KEY)
    assert [(a.listener, a.seed) for a in accepted] == [("ann", 1), ("ann", 9)]
    assert rejected[0]["file"] == str(copy) and f"duplicate of {files[0]}" in rejected[0]["reason"]


def test_nothing_usable_is_an_error(tmp_path, files):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(DataError, match="none of the 1 answers file"):
        listening_results([bad], tmp_path / "key.json", tmp_path / "out")


def test_cli_writes_markdown_json_png(files, tmp_path, capsys):
    assert main([*map(str, files), "--key", str(tmp_path / "key.json")]) == 0
    out = tmp_path / "results"
    doc = json.loads((out / "results.json").read_text())
    assert doc["test_id"] == "t1" and len(doc["listeners"]) == 2 and doc["rejected"] == []
    assert row(doc["rows"], "A", "DogBark")["quality"]["mean"] == pytest.approx(5.0)
    markdown = (out / "results.md").read_text()
    assert "| A | DogBark | 5.00 ± " in markdown and "| R (reference) | DogBark | 9.00 (n=1)" in markdown
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "results.html").read_text()
    assert '<img src="results.png"' in page and "R (reference)" in page and 'id="unplayed"' not in page
    assert capsys.readouterr().out == markdown


def test_cli_bad_key_is_one_line(tmp_path, files, capsys):
    (tmp_path / "key.json").write_text("{}")
    assert main([str(files[0]), "--key", str(tmp_path / "key.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not a listening-test key" in err and "\n" not in err


def with_unplayed(files, clip):
    """Mark ``clip`` of the first listener's answers as never played."""
    doc = json.loads(files[0].read_text())
    doc["clips"][clip]["played"] = False
    files[0].write_text(json.dumps(doc))


def test_unplayed_ratings_are_flagged_and_can_be_excluded(files, tmp_path, capsys):
    with_unplayed(files, "a1")  # ann rated a1 (quality 4, fit 7) and its set sa (diversity 3) without playing a1
    assert main([*map(str, files), "--key", str(tmp_path / "key.json"), "--out", str(tmp_path / "kept")]) == 0
    kept = json.loads((tmp_path / "kept" / "results.json").read_text())
    assert kept["unplayed"] == {"ratings": 3, "excluded": False}
    assert [item["unplayed_ratings"] for item in kept["listeners"]] == [3, 0]
    assert row(kept["rows"], "A", "DogBark")["quality"]["n"] == 4
    assert "**Warning:** 3 rating(s) were given to clips that were never played (ann (seed 1): 3)" in \
        (tmp_path / "kept" / "results.md").read_text()

    assert main([*map(str, files), "--key", str(tmp_path / "key.json"), "--out", str(tmp_path / "excl"),
                 "--exclude-unplayed"]) == 0
    excluded = json.loads((tmp_path / "excl" / "results.json").read_text())
    assert excluded["unplayed"] == {"ratings": 3, "excluded": True}
    dog = row(excluded["rows"], "A", "DogBark")
    assert dog["quality"]["n"] == 3 and dog["quality"]["mean"] == pytest.approx((6 + 5 + 5) / 3)
    assert dog["diversity"]["n"] == 1 and dog["diversity"]["mean"] == 5  # ann's set rating left out
    assert "Excluded 3 rating(s) of clips that were never played" in (tmp_path / "excl" / "results.md").read_text()
    page = (tmp_path / "excl" / "results.html").read_text()
    assert 'id="unplayed"' in page and "they are left out of every number below" in page
    capsys.readouterr()


def test_answers_without_a_played_flag_count_as_unplayed(files, tmp_path):
    doc = json.loads(files[1].read_text())
    for entry in doc["clips"].values():
        del entry["played"]
    files[1].write_text(json.dumps(doc))
    results = listening_results(files, tmp_path / "key.json", tmp_path / "out")
    assert [item["unplayed_ratings"] for item in results["listeners"]] == [0, 6 + 1]


def test_reference_is_labelled_once_and_error_bars_fit(files, tmp_path):
    key = {**KEY, "systems": {"A": {"reference": False}, "reference": {"reference": True}}}
    key["sets"] = {**KEY["sets"], "sr": {"system": "reference", "category": "DogBark"}}
    key["clips"] = {**KEY["clips"], "r1": {**KEY["clips"]["r1"], "system": "reference"}}
    (tmp_path / "key.json").write_text(json.dumps(key))
    results = listening_results(files, tmp_path / "key.json", tmp_path / "out")
    markdown = (tmp_path / "out" / "results.md").read_text()
    assert "| reference | DogBark |" in markdown and "reference (reference)" not in markdown
    figure = results_figure(results)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["A", "reference"]
    assert all(axis.get_legend() is None for axis in figure.axes)
    wide = [r[c]["mean"] + r[c]["ci95"] for r in results["rows"] for c in ("quality", "fit", "diversity")
            if r[c]["ci95"] is not None]
    assert max(wide) > 10  # a wide interval reaches beyond the scale: it is drawn cut at 10, inside the axis
    for axis in figure.axes[:3]:
        bars = [c for c in axis.containers if isinstance(c, ErrorbarContainer)]
        tops = [y for container in bars for segment in container.lines[2][0].get_segments() for _, y in segment]
        assert tops and max(tops) <= 10 < axis.get_ylim()[1]
        assert min(tops) >= 1
