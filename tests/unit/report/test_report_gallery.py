"""The experiment report on what the recipe writes: score.json from the real scoring pipeline, generate.yaml,
manifests and TensorBoard events; a self-contained page whose links all resolve."""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import torch

from toolkit.bin.report import main
from toolkit.errors import DataError
from toolkit.report.experiment import read_experiment, read_scores
from toolkit.report.gallery import column_folder, curve_groups, write_curves, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CATEGORIES = ["DogBark", "Rain"]


class Refs(HTMLParser):
    """Start tags with attributes, plus the text of every table header cell and heading."""

    def __init__(self):
        super().__init__()
        self.tags, self.text, self._open = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("th", "h2", "h3", "h4", "caption") else None

    def handle_data(self, data):
        if self._open and data.strip():
            self.text.append((self._open, data.strip()))


def parse(html: str) -> Refs:
    refs = Refs()
    refs.feed(html)
    return refs


def test_scores_are_read_in_the_format_stage_5_writes(stage5_score):
    scores = read_scores(stage5_score / "score.json")
    assert scores.embedding == "soundnet" and scores.mode == "standard"
    assert scores.board == "soundnet embedding, standard mode"
    assert scores.categories == CATEGORIES
    assert {"fad", "kad", "fit_accuracy", "precision"} <= set(scores.metrics)
    fad = scores.metrics["fad"]
    assert fad.higher_is_better is False and fad.average == pytest.approx(sum(fad.per_category.values()) / 2)
    assert scores.clips["DogBark"]["generated"] == 4 and scores.png == stage5_score / "score.png"


def test_a_score_file_of_another_shape_is_named_in_missing_parts(experiment):
    (experiment / "gen_initial_cccc" / "score_1234abcd").mkdir()
    (experiment / "gen_initial_cccc" / "score_1234abcd" / "score.json").write_text(json.dumps({"per_category": {"dog_bark": 1}}))
    with pytest.raises(DataError, match="metrics.<name>.per_category"):
        read_scores(experiment / "gen_initial_cccc" / "score_1234abcd" / "score.json")
    exp = read_experiment(experiment)
    assert any("gen_initial_cccc/score_1234abcd/score.json: no 'metrics" in note for note in exp.missing)


def test_report_opens_with_the_headline_and_links_only_local_files(experiment, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path / "recipe")
    index = write_report(experiment, count=2)
    assert index == experiment / "report" / "index.html"
    html = index.read_text()
    refs = parse(html)
    # headline first: the first table of the page compares the scored sets, which carry unique names
    first_table = html.index("<table")
    assert html.index('id="headline"') < first_table < html.index('id="toc-title"') < html.index("<details")
    headers = [text for tag, text in refs.text if tag == "th"]
    assert "last, noise 0.8, seed 0" in headers and "last, noise 0.8, seed 1" in headers
    assert "fad ↓" in headers and "fit_accuracy ↑" in headers
    captions = [text for tag, text in refs.text if tag == "caption"]
    assert captions[:3] == ["Average over categories", "fad ↓ per category", "fit_accuracy ↑ per category"]
    # no bookkeeping or JSON paths among the scores
    assert "generated_rows" not in html and "metrics.fad" not in html and "details.rows" not in html
    # the better (lower) FAD average is marked, in the row of the seed-0 set
    headline = html[first_table:html.index("</table>", first_table)]
    seed0 = headline[headline.index("seed 0"):headline.index("seed 1")]
    assert seed0.count('class="best"') >= 1
    assert "gen_initial_cccc: no score_*/score.json" in html

    audios = [a for tag, a in refs.tags if tag == "audio"]
    images = [a for tag, a in refs.tags if tag == "img"]
    assert len(audios) == 2 * 4 * 2  # (real + 3 generations) x 2 categories x 2 clips
    assert all(a.get("aria-label", "").startswith("Play ") for a in audios)
    assert all(a.get("alt") for a in images)
    for tag, attrs in refs.tags:
        assert tag != "link" and not (tag == "script" and "src" in attrs)
        for name in ("src", "href"):
            if name in attrs and not attrs[name].startswith("#"):
                assert not re.match(r"^[a-z]+:|^/", attrs[name])
                assert (index.parent / unquote(attrs[name])).is_file(), attrs[name]
    mels = [index.parent / a["src"] for a in images if a["src"].startswith("mels/")]
    curves = [a["src"] for a in images if a["src"].startswith("curves/")]
    assert len(mels) == len(audios) and all(p.read_bytes()[:8] == PNG_MAGIC for p in mels)
    assert sorted(curves) == ["curves/loss.png", "curves/scalars.png"]
    assert "scores/gen_last_aaaa/score_1234abcd.png" in html
    assert "0001.wav · seed 0 · noise scale 0.8" in html and "noise_scale: 0.8" in html
    hover = [a["title"] for tag, a in refs.tags if tag == "figcaption" and "title" in a]
    assert any(t.startswith(str(experiment / "gen_last_aaaa" / "audio" / "DogBark")) for t in hover)


def test_real_dir_option_replaces_manifest(experiment, tmp_path, clip_writer):
    clip_writer(tmp_path / "other", ["sneeze_cough"], 1, seed=4)
    exp = read_experiment(experiment, tmp_path / "other", 2)
    assert list(exp.real) == ["sneeze_cough"] and exp.real_source == str(tmp_path / "other")


def test_clip_urls_are_percent_encoded(experiment, tmp_path):
    odd = experiment / "gen_last_aaaa" / "audio" / "DogBark" / "x#1 y?.wav"
    shutil.copy(experiment / "gen_last_aaaa" / "audio" / "DogBark" / "0001.wav", odd)
    index = write_report(experiment, count=4, real_dir=tmp_path / "recipe" / "data" / "valid")
    sources = [a["src"] for tag, a in parse(index.read_text()).tags if tag == "audio"]
    (odd_src,) = [s for s in sources if "x%231" in s]
    assert odd_src.endswith("/x%231%20y%3F.wav")
    assert (index.parent / unquote(odd_src)).read_bytes() == odd.read_bytes()


def test_folders_that_sanitise_alike_keep_their_own_clips(tmp_path, clip_writer):
    exp = tmp_path / "exp"
    for name, seed in (("gen_a#1", 1), ("gen_a?1", 2)):
        clip_writer(exp / name, ["Rain"], 1, seed=seed)
    assert column_folder("gen_a#1") != column_folder("gen_a?1") and column_folder("gen_ok") == "gen_ok"
    index = write_report(exp, count=1)
    refs = parse(index.read_text())
    sources = [unquote(a["src"]) for tag, a in refs.tags if tag == "audio"]
    assert len(set(sources)) == 2
    for name, source in zip(("gen_a#1", "gen_a?1"), sources):
        assert (index.parent / source).read_bytes() == (exp / name / "Rain" / "0001.wav").read_bytes()


def test_loss_curves_get_one_panel_per_tag(tmp_path):
    scalars = {"loss/g/total": [(0, 125.0), (1, 120.0)], "loss/g/kl": [(0, 1.0), (1, 0.9)], "lr": [(0, 1e-4)]}
    assert curve_groups(scalars) == {"loss": ["loss/g/kl", "loss/g/total"], "scalars": ["lr"]}
    from matplotlib.figure import Figure

    panels = {}
    original = Figure.savefig

    def count_panels(figure, *args, **kwargs):
        panels[len(panels)] = [a.get_title() for a in figure.axes if a.get_visible()]
        return original(figure, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", count_panels)
        written = write_curves(scalars, tmp_path)
    assert [group for group, _ in written] == ["loss", "scalars"]
    assert panels == {0: ["loss/g/kl", "loss/g/total"], 1: ["lr"]}


def test_empty_experiment_lists_what_is_missing(tmp_path):
    exp = tmp_path / "exp" / "bare"
    exp.mkdir(parents=True)
    html = write_report(exp).read_text()
    for part in ("config.yaml: not found", "tensorboard/: no scalar events", "checkpoints/: no *.pt",
                 "gen_*/: no generated audio", "real clips: no data.valid_manifest"):
        assert part in html
    assert "No clips to show." in html and "No scores yet" in html


def test_missing_experiment_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(DataError, match="does not exist"):
        read_experiment(tmp_path / "nope")
    assert main([str(tmp_path / "nope")]) == 2
    assert "experiment folder" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()  # the stage log did not create the folder it then reports missing


def test_cli_out_option(experiment, tmp_path, capsys, clip_writer):
    real = tmp_path / "real"
    clip_writer(real, ["Rain"], 1)
    assert main([str(experiment), "--out", str(tmp_path / "page"), "--real", str(real), "--clips", "1"]) == 0
    assert Path(capsys.readouterr().out.strip()) == tmp_path / "page" / "index.html"
    copied = tmp_path / "page" / "clips" / "real" / "Rain" / "0001.wav"
    assert copied.read_bytes() == (real / "Rain" / "0001.wav").read_bytes()


def test_report_shows_the_quality_figures_with_their_targets(experiment, monkeypatch, tmp_path):
    from toolkit.score.quality import category_quality, quality_targets

    monkeypatch.chdir(tmp_path / "recipe")
    html = write_report(experiment, count=1).read_text()
    assert 'id="quality"' not in html  # no quality.json: no section
    noise = torch.Generator().manual_seed(0)
    quiet = category_quality([1e-4 * torch.randn(4000, generator=noise).numpy() for _ in range(3)])
    loud = category_quality([0.1 * torch.randn(4000, generator=noise).numpy() for _ in range(3)])
    result = quality_targets({"DogBark": quiet}, {"DogBark": loud})
    (experiment / "quality.json").write_text(json.dumps(result))
    html = write_report(experiment, count=1).read_text()
    assert "Audibility and variety" in html and "not a sound generator" in html
    row = f'<th scope="row">Dog bark</th><td>{quiet["level_dbfs"]:.1f} ({loud["level_dbfs"]:.1f})</td><td>1.00'
    assert row in html and quiet["level_dbfs"] < -75 and loud["level_dbfs"] > -25
    assert "FAIL level: 0 of 1" in html
