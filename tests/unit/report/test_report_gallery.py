"""The experiment report: generic score reading, tolerant folder reading and a self-contained page."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
import yaml

from toolkit.bin.report import main
from toolkit.data.manifest import write_manifest
from toolkit.errors import DataError
from toolkit.report.experiment import read_experiment, score_metrics
from toolkit.report.gallery import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_score_metrics_reads_both_nestings_generically():
    doc = {"mode": "standard", "n": 100, "ok": True, "categories": ["DogBark", "Rain", "Sneeze_Cough"],
           "per_category": {"dog_bark": {"fad": 2.5, "prdc": {"recall": 0.5}}, "Rain": {"fad": 1.0, "note": "x"}},
           "kad": {"DogBark": 0.25, "sneeze_cough": 0.75}, "mean": {"fad": 1.75}}
    metrics, summary = score_metrics(doc)
    assert metrics == {"DogBark": {"fad": 2.5, "prdc.recall": 0.5, "kad": 0.25},
                       "Rain": {"fad": 1.0}, "Sneeze_Cough": {"kad": 0.75}}
    assert summary == {"n": 100.0, "mean.fad": 1.75}


@pytest.fixture
def experiment(tmp_path, clip_writer):
    exp = tmp_path / "recipe" / "exp" / "vifs_demo"
    real = clip_writer(tmp_path / "recipe" / "data" / "valid", ["DogBark", "Rain"], 4, seed=9)
    write_manifest(tmp_path / "recipe" / "data" / "valid.jsonl",
                   [{"path": str(p), "category": p.parent.name} for p in real])
    exp.mkdir(parents=True)
    (exp / "config.yaml").write_text(yaml.safe_dump({"data": {"valid_manifest": "data/valid.jsonl"}}))
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(exp / "tensorboard"))
    for step in range(5):
        writer.add_scalar("loss/g_total", 10.0 - step, step)
        writer.add_scalar("loss/d_total", 3.0 + step, step)
        writer.add_scalar("lr", 2e-4, step)
    writer.close()
    (exp / "checkpoints").mkdir()
    torch.save({"step": torch.tensor(5)}, exp / "checkpoints" / "last.pt")
    for name, fad in (("gen_last_aaaa", 2.5), ("gen_ensemble_bbbb", None)):
        gen = exp / name
        clips = clip_writer(gen / "audio", ["DogBark", "Rain"], 3, seed=len(name))
        clip_writer(gen / "generated_audio", ["dog_bark", "rain"], 3, seed=len(name))
        write_manifest(gen / "manifest.jsonl", [
            {"category": p.parent.name, "category_id": 0, "noise_scale": 0.8, "seed": i, "checkpoint": "last",
             "path": str(p)} for i, p in enumerate(clips)])
        if fad is not None:
            (gen / "score_1234abcd").mkdir()
            (gen / "score_1234abcd" / "score.json").write_text(json.dumps({"per_category": {"dog_bark": {"fad": fad}}}))
            (gen / "score_1234abcd" / "score.png").write_bytes(PNG_MAGIC + b"fake")
    (exp / "select").mkdir()
    (exp / "select" / "ensemble.yaml").write_text("DogBark: {checkpoint: last, noise_scale: 0.8}\n")
    return exp


def test_report_page_links_only_local_files_that_exist(experiment, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path / "recipe")
    index = write_report(experiment, count=2)
    assert index == experiment / "report" / "index.html"
    html = index.read_text()
    refs = Refs()
    refs.feed(html)
    audios = [a for tag, a in refs.tags if tag == "audio"]
    images = [a for tag, a in refs.tags if tag == "img"]
    assert len(audios) == 2 * 3 * 2  # (real + 2 generations) x 2 categories x 2 clips
    assert all(a.get("aria-label", "").startswith("Play ") for a in audios)
    assert all(a.get("alt") for a in images)
    for tag, attrs in refs.tags:
        assert tag != "link" and not (tag == "script" and "src" in attrs)
        for name in ("src", "href"):
            if name in attrs:
                assert not re.match(r"^[a-z]+:|^/", attrs[name])
                assert (index.parent / attrs[name]).is_file(), attrs[name]
    mels = [index.parent / a["src"] for a in images if a["src"].startswith("mels/")]
    curves = [a["src"] for a in images if a["src"].startswith("curves/")]
    assert len(mels) == len(audios) and all(p.read_bytes()[:8] == PNG_MAGIC for p in mels)
    assert sorted(curves) == ["curves/loss.png", "curves/scalars.png"]
    assert "scores/gen_last_aaaa.png" in html
    assert "fad per category" in html and "<td>2.5</td>" in html
    assert "gen_ensemble_bbbb/score_*/score.json: not found" in html
    assert "seed 0, noise_scale 0.8" in html and "last.pt" in html and "noise_scale: 0.8" in html


def test_real_dir_option_replaces_manifest(experiment, tmp_path, clip_writer):
    clip_writer(tmp_path / "other", ["sneeze_cough"], 1, seed=4)
    exp = read_experiment(experiment, tmp_path / "other", 2)
    assert list(exp.real) == ["sneeze_cough"] and exp.real_source == str(tmp_path / "other")


def test_empty_experiment_lists_what_is_missing(tmp_path):
    exp = tmp_path / "exp" / "bare"
    exp.mkdir(parents=True)
    html = write_report(exp).read_text()
    for part in ("config.yaml: not found", "tensorboard/: no scalar events", "checkpoints/: no *.pt",
                 "gen_*/: no generated audio", "real clips: no data.valid_manifest"):
        assert part in html
    assert "No clips to show." in html


def test_missing_experiment_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(DataError, match="does not exist"):
        read_experiment(tmp_path / "nope")
    assert main([str(tmp_path / "nope")]) == 2
    assert "experiment folder" in capsys.readouterr().err


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
    assert "Audibility and variety" not in html  # no quality.json: no section
    noise = torch.Generator().manual_seed(0)
    quiet = category_quality([1e-4 * torch.randn(4000, generator=noise).numpy() for _ in range(3)])
    loud = category_quality([0.1 * torch.randn(4000, generator=noise).numpy() for _ in range(3)])
    result = quality_targets({"DogBark": quiet}, {"DogBark": loud})
    (experiment / "quality.json").write_text(json.dumps(result))
    html = write_report(experiment, count=1).read_text()
    assert "Audibility and variety" in html and "not a sound generator" in html
    row = f'<th scope="row">DogBark</th><td>{quiet["level_dbfs"]:.1f} ({loud["level_dbfs"]:.1f})</td><td>1.00'
    assert row in html and quiet["level_dbfs"] < -75 and loud["level_dbfs"] > -25
    assert "FAIL level: 0 of 1" in html
