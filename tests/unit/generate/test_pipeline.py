"""``generate_clips``: files in both layouts that pass the official scorer's checks, manifests, reruns."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import yaml

from toolkit import numerics
from toolkit.dcase import CATEGORIES, SNAKE_CASE
from toolkit.generate import GenerateOptions, generate_clips
from toolkit.generate import writer as writer_module
from toolkit.score.inputs import find_audio_set

from .conftest import SHORT, save_checkpoint

#: One 16-bit step: float differences far below 1e-5 (batch composition) may round to the next step.
PCM_STEP = 1 / 32768


def _options(checkpoint, **changes) -> GenerateOptions:
    return GenerateOptions(checkpoint=str(checkpoint), **{"clips_per_category": 2, "batch_size": 4, **changes})


def test_submission_passes_the_official_checks(tmp_path, short_checkpoint):
    out = generate_clips(tmp_path, _options(short_checkpoint, clips_per_category=100, batch_size=None), progress=False)
    assert out.parent == tmp_path and out.name.startswith("gen_last_")
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    scored = find_audio_set(out / "generated_audio", "generated", dcase2023=True)
    assert sorted(p.name for p in (out / "generated_audio").iterdir()) == sorted(SNAKE_CASE)
    assert sorted(p.name for p in (out / "audio").iterdir()) == sorted(CATEGORIES)
    assert sum(len(paths) for paths in scored.files.values()) == 700
    for paths in scored.files.values():
        assert sf.info(str(paths[-1])).subtype == "PCM_16"
    baseline = out / "audio" / "Sneeze_Cough" / "0100.wav"
    assert baseline.stat().st_ino == (out / "generated_audio" / "sneeze_cough" / "0100.wav").stat().st_ino
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 700 and len({r["seed"] for r in records}) == 700
    assert set(records[0]) >= {"category", "category_id", "noise_scale", "seed", "checkpoint", "path"}
    assert records[-1]["path"] == "audio/Sneeze_Cough/0100.wav" and records[-1]["category_id"] == 6
    options = yaml.safe_load((out / "generate.yaml").read_text())
    assert options["clips_per_category"] == 100 and options["noise_scales"]["Rain"] == pytest.approx(0.667)


def test_same_options_reproduce_the_same_files(tmp_path, short_checkpoint):
    first = generate_clips(tmp_path / "a", _options(short_checkpoint, batch_size=3), progress=False)
    again = generate_clips(tmp_path / "b", _options(short_checkpoint, batch_size=3), progress=False)
    other_batch = generate_clips(tmp_path / "c", _options(short_checkpoint, batch_size=1), progress=False)
    assert first.name == again.name == other_batch.name
    for name in ("DogBark/0001.wav", "Rain/0002.wav"):
        assert (first / "audio" / name).read_bytes() == (again / "audio" / name).read_bytes()
        one, _ = sf.read(first / "audio" / name)
        assert np.abs(one).max() > 0
        assert np.abs(one - sf.read(other_batch / "audio" / name)[0]).max() <= PCM_STEP


def interrupt_after(monkeypatch, clips: int):
    """Make ClipWriter.write raise KeyboardInterrupt once ``clips`` clips are written; returns the original."""
    original = writer_module.ClipWriter.write
    written = []

    def failing_write(self, job, audio, sample_rate):
        if len(written) == clips:
            raise KeyboardInterrupt
        original(self, job, audio, sample_rate)
        written.append(job)

    monkeypatch.setattr(writer_module.ClipWriter, "write", failing_write)
    return original


def test_interrupted_run_resumes_and_never_looks_complete(tmp_path, short_checkpoint, monkeypatch, caplog):
    options = _options(short_checkpoint, clips_per_category=3)
    original = interrupt_after(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        generate_clips(tmp_path, options, progress=False)
    (partial,) = tmp_path.glob(".gen_*.partial")
    (stopped,) = [r.getMessage() for r in caplog.records if "stopped" in r.getMessage()]
    assert f"5 of 21 clips; they stay in {partial}, and the same command resumes from them" in stopped
    assert not list(tmp_path.glob("gen_*"))
    kept = (partial / "audio" / "DogBark" / "0001.wav").stat().st_mtime_ns
    monkeypatch.setattr(writer_module.ClipWriter, "write", original)
    out = generate_clips(tmp_path, options, progress=False)
    assert not partial.exists()
    assert (out / "audio" / "DogBark" / "0001.wav").stat().st_mtime_ns == kept
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [(r["category_id"], r["index"]) for r in records] == [(c, i) for c in range(7) for i in (1, 2, 3)]


def test_a_partial_folder_of_other_options_is_discarded(tmp_path, short_checkpoint, monkeypatch, caplog):
    """The same output folder (generate.out_dir) with another seed: no clip of the old seed may stay."""
    original = interrupt_after(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        generate_clips(tmp_path, _options(short_checkpoint, out_dir=str(tmp_path / "set"), seed=1), progress=False)
    partial = tmp_path / ".set.partial"
    assert len((partial / "manifest.jsonl").read_text().splitlines()) == 5
    monkeypatch.setattr(writer_module.ClipWriter, "write", original)
    options = _options(short_checkpoint, out_dir=str(tmp_path / "set"), seed=2)
    out = generate_clips(tmp_path, options, progress=False)
    assert f"discarding {partial}: a run with other generate options left it" in caplog.text
    fresh = generate_clips(tmp_path / "fresh", _options(short_checkpoint, seed=2), progress=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in fresh.iterdir())
    assert (out / "manifest.jsonl").read_text() == (fresh / "manifest.jsonl").read_text()
    for name in ("DogBark/0001.wav", "Footstep/0001.wav"):
        assert (out / "audio" / name).read_bytes() == (fresh / "audio" / name).read_bytes()


def test_ensemble_takes_each_category_from_its_checkpoint(tmp_path, short_checkpoint):
    other = save_checkpoint(tmp_path / "other", SHORT, seed=1)
    spec = tmp_path / "ensemble.yaml"
    spec.write_text(yaml.safe_dump({"categories": {
        c: {"checkpoint": str(other if c == "Rain" else short_checkpoint), "noise_scale": 0.9} for c in CATEGORIES}}))
    ensemble = generate_clips(tmp_path, GenerateOptions(ensemble=str(spec), clips_per_category=2), progress=False)
    alone = generate_clips(tmp_path, _options(other, noise_scale=0.9), progress=False)
    base = generate_clips(tmp_path, _options(short_checkpoint, noise_scale=0.9), progress=False)
    for category, source in (("Rain", alone), ("DogBark", base)):
        mixed, _ = sf.read(ensemble / "audio" / category / "0002.wav")
        single, _ = sf.read(source / "audio" / category / "0002.wav")
        assert np.abs(mixed - single).max() <= PCM_STEP
    rain, _ = sf.read(ensemble / "audio" / "Rain" / "0002.wav")
    assert np.abs(rain - sf.read(base / "audio" / "Rain" / "0002.wav")[0]).max() > 100 * PCM_STEP


def test_generate_yaml_and_manifest_name_the_resolved_precision(tmp_path, short_checkpoint, monkeypatch):
    monkeypatch.setattr(numerics, "native_bf16", lambda device: True)
    auto = generate_clips(tmp_path, _options(short_checkpoint, clips_per_category=1, precision="auto", device="cpu"),
                          progress=False)
    fp32 = generate_clips(tmp_path, _options(short_checkpoint, clips_per_category=1), progress=False)
    assert auto != fp32
    assert yaml.safe_load((auto / "generate.yaml").read_text())["precision"] == "bf16"
    assert {json.loads(line)["precision"] for line in (auto / "manifest.jsonl").read_text().splitlines()} == {"bf16"}
    assert yaml.safe_load((fp32 / "generate.yaml").read_text())["precision"] == "fp32"
    clip, _ = sf.read(auto / "audio" / "Rain" / "0001.wav")
    assert np.abs(clip - sf.read(fp32 / "audio" / "Rain" / "0001.wav")[0]).max() > 0
