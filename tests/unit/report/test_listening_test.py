"""Building the blind test: clip selection, hash-named copies, the key file and the page."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.bin.listening_test import main
from toolkit.errors import DataError
from toolkit.report.listening_test import REFERENCE_NAME, System, build_listening_test, parse_system


class Collector(HTMLParser):
    """Tags with attributes, label targets, and the embedded test data."""

    def __init__(self):
        super().__init__()
        self.tags, self.labels_for, self._in_data, self.data = [], set(), False, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label" and "for" in attrs:
            self.labels_for.add(attrs["for"])
        self._in_data = tag == "script" and attrs.get("id") == "test-data"

    def handle_data(self, data):
        if self._in_data:
            self.data += data

    def handle_endtag(self, tag):
        self._in_data = False


@pytest.fixture
def systems(tmp_path, clip_writer):
    clip_writer(tmp_path / "a", ["DogBark", "Rain"], 5, seed=1)
    clip_writer(tmp_path / "b" / "generated_audio", ["dog_bark", "sneeze_cough"], 3, seed=2)
    clip_writer(tmp_path / "real", ["DogBark", "Rain", "Sneeze_Cough"], 2, seed=3)
    return [System("alpha", tmp_path / "a"), System("beta", tmp_path / "b"),
            System(REFERENCE_NAME, tmp_path / "real", is_reference=True)]


def test_key_maps_every_copied_clip_to_its_system_and_source(systems, tmp_path):
    out = tmp_path / "test"
    key = build_listening_test(systems, out, clips_per_set=4, seed=5)
    clips = sorted((out / "page" / "clips").iterdir())
    assert len(clips) == len(key["clips"]) == 4 + 4 + 3 + 3 + 2 + 2 + 2
    for path in clips:
        item = key["clips"][path.stem]
        assert path.read_bytes() == Path(item["source"]).read_bytes()
        assert key["sets"][item["set"]] == {"system": item["system"], "category": item["category"]}
        assert re.fullmatch(r"[0-9a-f]{16}\.wav", path.name)
    per_set = {}
    for item in key["clips"].values():
        per_set.setdefault((item["system"], item["category"]), set()).add(Path(item["source"]).name)
    # spellings of one category (dog_bark/, DogBark/) are one row, named as the first system spells it
    assert set(per_set) == {("alpha", "DogBark"), ("alpha", "Rain"), ("beta", "DogBark"), ("beta", "sneeze_cough"),
                            (REFERENCE_NAME, "DogBark"), (REFERENCE_NAME, "Rain"), (REFERENCE_NAME, "sneeze_cough")}
    assert key["systems"][REFERENCE_NAME]["reference"] is True and key["systems"]["alpha"]["reference"] is False
    assert json.loads((out / "key.json").read_text()) == key


def test_clip_selection_is_deterministic_per_seed(systems, tmp_path):
    def chosen(seed, name):
        key = build_listening_test(systems, tmp_path / name, clips_per_set=2, seed=seed)
        return sorted(item["source"] for item in key["clips"].values())

    assert chosen(3, "x") == chosen(3, "y")
    assert chosen(3, "x") != chosen(4, "z")


def test_page_is_self_contained_and_hides_systems(systems, tmp_path):
    out = tmp_path / "test"
    key = build_listening_test(systems, out, clips_per_set=2, title="A </script> test")
    html = (out / "page" / "index.html").read_text()
    parser = Collector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag != "link"
        assert not (tag == "script" and "src" in attrs)
        for name in ("src", "href"):
            assert not re.match(r"^[a-z]+:", attrs.get(name) or ""), f"external reference in <{tag}>"
    assert "key.json" not in html
    for name in ("alpha", "beta", str(systems[0].root)):
        assert name not in html
    data = json.loads(parser.data)
    assert data["title"] == "A </script> test" and data["test_id"] == key["test_id"]
    assert {c for cat in data["categories"] for s in cat["sets"] for c in s["clips"]} == set(key["clips"])
    assert {s["id"] for cat in data["categories"] for s in cat["sets"]} == set(key["sets"])
    inputs = [attrs["id"] for tag, attrs in parser.tags if tag in ("input", "textarea")]
    assert inputs and set(inputs) <= parser.labels_for


def test_system_without_category_folders_is_one_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="system 'empty': no category folders"):
        build_listening_test([System("empty", tmp_path / "empty")], tmp_path / "out")


def test_duplicate_system_names_are_refused(systems, tmp_path):
    with pytest.raises(DataError, match="given twice: alpha"):
        build_listening_test([systems[0], systems[0]], tmp_path / "out")


def test_parse_system():
    assert parse_system("base=/x/gen_1") == System("base", Path("/x/gen_1"))
    assert parse_system("/x/gen_2") == System("gen_2", Path("/x/gen_2"))


def test_cli_writes_page_and_key(systems, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main([f"a={systems[0].root}", str(systems[1].root), "--real", str(systems[2].root), "--clips", "1",
                 "--out", str(out)])
    assert code == 0
    key = json.loads((out / "key.json").read_text())
    assert set(key["systems"]) == {"a", "b", REFERENCE_NAME}
    assert len(key["clips"]) == 7
    assert (out / "page" / "index.html").is_file()


def test_cli_reports_bad_input_in_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: system 'missing'") and "\n" not in err


def test_played_share_is_stated_on_the_page_and_checked(systems, tmp_path, capsys):
    out = tmp_path / "share"
    assert main([f"a={systems[0].root}", "--clips", "1", "--played-share", "0.8", "--out", str(out)]) == 0
    html = (out / "page" / "index.html").read_text()
    assert "Play every clip\n(at least 80% of it)" in html and '"played_share": 0.8' in html
    assert json.loads((out / "key.json").read_text())["played_share"] == 0.8
    build_listening_test(systems, tmp_path / "full")
    assert "Play every clip\nto its end" in (tmp_path / "full" / "page" / "index.html").read_text()
    assert main([f"a={systems[0].root}", "--played-share", "0", "--out", str(tmp_path / "bad")]) == 2
    assert "--played-share must be above 0 and at most 1" in capsys.readouterr().err
