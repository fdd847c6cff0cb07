"""The feature dump: computed once, reused, recomputed when its cache key changes."""
from __future__ import annotations

import dataclasses
import shutil

import pytest
import torch

from toolkit.data.dataset import load_clip
from toolkit.data.dump import dump_split
from toolkit.data.manifest import read_manifest, write_manifest
from toolkit.features import STFTSettings, linear_spectrogram

from .conftest import CLIP_SAMPLES, data_overrides


@pytest.fixture
def manifest(data_dir, tmp_path):
    target = tmp_path / "train.jsonl"
    shutil.copy(data_dir / "manifests" / "train.jsonl", target)
    return target


def _features(dump_manifest):
    return {entry["path"]: entry["feature_path"] for entry in read_manifest(dump_manifest)}


def test_dump_writes_the_normalised_spectrogram(manifest, tmp_path):
    settings = STFTSettings()
    target, computed = dump_split(manifest, tmp_path / "dump" / "train", settings, CLIP_SAMPLES, 0.95)
    assert target == tmp_path / "dump" / "train" / "manifest.jsonl"
    entries = read_manifest(target)
    assert computed == len(entries) == 4
    first = entries[0]
    spec = torch.load(first["feature_path"], weights_only=True)
    audio = torch.from_numpy(load_clip(first["path"], 22050, CLIP_SAMPLES, 0.95)).unsqueeze(0)
    torch.testing.assert_close(spec, linear_spectrogram(audio, settings)[0])
    assert first["sha256"] == read_manifest(manifest)[0]["sha256"]  # input keys are kept


def test_rerun_reuses_and_key_changes_recompute(manifest, tmp_path):
    out = tmp_path / "dump" / "train"
    settings = STFTSettings()
    target, _ = dump_split(manifest, out, settings, CLIP_SAMPLES, 0.95)
    before = _features(target)
    mtimes = {path: (tmp_path / path).stat().st_mtime_ns for path in before.values()}

    _, computed = dump_split(manifest, out, settings, CLIP_SAMPLES, 0.95)
    assert computed == 0
    assert _features(target) == before
    assert {path: (tmp_path / path).stat().st_mtime_ns for path in before.values()} == mtimes

    entries = read_manifest(manifest)
    entries[0]["sha256"] = "0" * 64  # the audio changed
    write_manifest(manifest, entries)
    _, computed = dump_split(manifest, out, settings, CLIP_SAMPLES, 0.95)
    assert computed == 1
    after = _features(target)
    assert after[entries[0]["path"]] != before[entries[0]["path"]]
    assert not (out / "features" / before[entries[0]["path"]].rsplit("/", 1)[1]).exists()  # stale removed

    _, computed = dump_split(manifest, out, dataclasses.replace(settings, hop_length=128), CLIP_SAMPLES, 0.95)
    assert computed == 4
    _, computed = dump_split(manifest, out, settings, CLIP_SAMPLES, None)
    assert computed == 4
    assert len(list((out / "features").glob("*.pt"))) == 4


def test_dump_entry_point_writes_both_splits(data_dir, tmp_path):
    from toolkit.bin.dump import main

    dump_dir = tmp_path / "dump"
    overrides = [o for o in data_overrides(data_dir) if not o.startswith("++data.dump_dir")]
    assert main(overrides + [f"++data.dump_dir={dump_dir}", f"exp_dir={tmp_path / 'exp'}"]) == 0
    assert len(read_manifest(dump_dir / "train" / "manifest.jsonl")) == 4
    assert len(read_manifest(dump_dir / "valid" / "manifest.jsonl")) == 2
