"""Stage 1: every convertible file is prepared, every broken one is rejected with its reason."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import soundfile as sf

from toolkit.dcase import CATEGORIES
from toolkit.data.manifest import read_manifest
from toolkit.audio import ClipFormat
from toolkit.categories import CategorySet
from toolkit.data.prepare import PreparedClip, check_clip_format, prepare_dataset, split_stratified
from toolkit.errors import ConfigError, DataError

SR = 22050


def tone(seconds: float, sample_rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.stack([wave] * channels, axis=1) if channels > 1 else wave


@pytest.fixture
def odd_folder(tmp_path):
    """A dataset folder with convertible odd files and broken ones (expected reason fragment)."""
    root = tmp_path / "odd"
    good = {
        "DogBark/stereo48k24.wav": (tone(4, 48000, 2), 48000, "PCM_24", "WAV"),
        "dog_bark/eight_bit.wav": (tone(4, SR), SR, "PCM_U8", "WAV"),
        "footstep/float32.wav": (tone(4, SR), SR, "FLOAT", "WAV"),
        "GunShot/clip.flac": (tone(4, 44100), 44100, "PCM_16", "FLAC"),
        "keyboard/short.wav": (tone(1.5, SR), SR, "PCM_16", "WAV"),
        "MOVINGMOTORVEHICLE/long.wav": (tone(7, 16000), 16000, "PCM_16", "WAV"),
        "SneezeCough/ready.wav": (tone(4, SR), SR, "PCM_16", "WAV"),
        "Sneeze_Cough/ready.wav": (tone(4, SR) * 0.7, SR, "PCM_16", "WAV"),
        "rain/ok.wav": (tone(4, SR), SR, "PCM_16", "WAV"),
    }
    for name, (data, sr, subtype, fmt) in good.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(root / name), data, sr, subtype=subtype, format=fmt)
    bad = {}
    (root / "Rain" / "empty.wav").parent.mkdir(parents=True, exist_ok=True)
    (root / "Rain" / "empty.wav").write_bytes(b"")
    bad["Rain/empty.wav"] = "empty file"
    full = (root / "rain" / "ok.wav").read_bytes()
    (root / "Rain" / "truncated.wav").write_bytes(full[:20])
    bad["Rain/truncated.wav"] = "not readable audio"
    nan = tone(4, SR).astype(np.float32)
    nan[100:200] = np.nan
    sf.write(str(root / "Rain" / "nan.wav"), nan, SR, subtype="FLOAT")
    bad["Rain/nan.wav"] = "non-finite"
    sf.write(str(root / "Rain" / "zero_frames.wav"), np.zeros(0), SR, subtype="PCM_16")
    bad["Rain/zero_frames.wav"] = "no audio frames"
    sf.write(str(root / "Rain" / "silent.wav"), np.zeros(SR), SR, subtype="PCM_16")
    bad["Rain/silent.wav"] = "silent"
    (root / "Cat").mkdir()
    sf.write(str(root / "Cat" / "meow.wav"), tone(4, SR), SR)
    bad["Cat/meow.wav"] = "unknown category folder 'Cat'"
    (root / "Keyboard").mkdir(exist_ok=True)
    (root / "Keyboard" / "notes.wav").write_text("this is not audio\n" * 50)
    bad["Keyboard/notes.wav"] = "not readable audio"
    (root / "README.txt").write_text("ignored: not an audio file name\n")
    return root, good, bad


def test_odd_files_prepared_and_broken_ones_rejected(odd_folder, tmp_path):
    root, good, bad = odd_folder
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    out = tmp_path / "data" / "odd"
    report = prepare_dataset(root, out, valid_fraction=0.0, seed=0, categories=CATEGORIES)

    rows = list(csv.reader((out / "rejected.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert rows[0] == ["path", "reason"]
    reasons = {row[0]: row[1] for row in rows[1:]}
    assert set(reasons) == {str(root / name) for name in bad}
    for name, fragment in bad.items():
        assert fragment in reasons[str(root / name)], (name, reasons[str(root / name)])

    train = read_manifest(out / "train" / "manifest.jsonl")
    assert read_manifest(out / "valid" / "manifest.jsonl") == []
    assert sorted(e["source"] for e in train) == sorted(str(root / name) for name in good)
    assert not {e["source"] for e in train} & {str(root / name) for name in bad}
    for entry in train:
        info = sf.info(entry["path"])
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (22050, 1, 88200, "PCM_16")
        assert entry["path"].startswith("/") and entry["duration"] == 4.0 and entry["sample_rate"] == 22050
        assert CATEGORIES[entry["category_id"]] == entry["category"]
        if entry["path"] != entry["source"]:  # converted copies live under the output, not the source
            assert entry["path"].startswith(str(out / "train" / "wav"))
    by_source = {e["source"]: e for e in train}
    assert by_source[str(root / "SneezeCough/ready.wav")]["path"] == str(root / "SneezeCough/ready.wav")
    assert by_source[str(root / "dog_bark/eight_bit.wav")]["category"] == "DogBark"
    assert report.converted == len(good) - 3  # the three ready clips are used in place
    assert len({e["path"] for e in train}) == len(train)

    padded, _ = sf.read(by_source[str(root / "keyboard/short.wav")]["path"])
    assert np.abs(padded[: int(1.4 * SR)]).max() > 0.4 and not padded[int(1.6 * SR):].any()
    assert not list(out.glob(".prepare.tmp"))
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written into the source


def test_stratified_split_is_deterministic_and_per_category(tmp_path):
    clips = [PreparedClip(tmp_path / f"{c}_{i}.wav", c, None, "") for c in range(7) for i in range(10)]
    first = split_stratified(clips, 0.2, seed=1)
    again = split_stratified(list(reversed(clips)), 0.2, seed=1)
    assert [c.source for c in first["valid"]] == [c.source for c in again["valid"]]
    assert len(first["valid"]) == 14 and len(first["train"]) == 56
    assert [sum(c.category_id == k for c in first["valid"]) for k in range(7)] == [2] * 7
    other = split_stratified(clips, 0.2, seed=2)
    assert {c.source for c in other["valid"]} != {c.source for c in first["valid"]}


def test_split_keeps_a_valid_clip_per_category_and_rejects_bad_fraction(tmp_path):
    clips = [PreparedClip(tmp_path / f"{i}.wav", 3, None, "") for i in range(3)]
    split = split_stratified(clips, 0.05, seed=0)
    assert (len(split["train"]), len(split["valid"])) == (2, 1)
    with pytest.raises(DataError, match="valid_fraction"):
        split_stratified(clips, 1.0, seed=0)


def test_folder_without_usable_file_stops_with_one_line(tmp_path):
    root = tmp_path / "bad"
    (root / "Rain").mkdir(parents=True)
    (root / "Rain" / "x.wav").write_bytes(b"")
    with pytest.raises(DataError, match="no usable audio file") as info:
        prepare_dataset(root, tmp_path / "out")
    assert "\n" not in str(info.value)
    (tmp_path / "empty" / "Rain").mkdir(parents=True)
    with pytest.raises(DataError, match="no audio files under"):
        prepare_dataset(tmp_path / "empty", tmp_path / "out2")
    with pytest.raises(DataError, match="does not exist"):
        prepare_dataset(tmp_path / "missing", tmp_path / "out3")


def test_rerun_replaces_outputs(odd_folder, tmp_path):
    root, good, _ = odd_folder
    out = tmp_path / "prepared"
    prepare_dataset(root, out, valid_fraction=0.5, seed=0, categories=CATEGORIES)
    prepare_dataset(root, out, valid_fraction=0.0, seed=0, categories=CATEGORIES)
    assert len(read_manifest(out / "train" / "manifest.jsonl")) == len(good)
    assert not (out / "valid" / "wav").exists()
    lines = (out / "train" / "manifest.jsonl").read_text().splitlines()
    assert all(json.loads(line)["sha256"] for line in lines)


def write_tone(path, seconds, rate):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), tone(seconds, rate), rate, subtype="PCM_16")


def test_own_categories_come_from_the_folders_exactly(tmp_path):
    root = tmp_path / "sounds"
    for name in ("GlassBreak", "DoorSlam", "footstep gravel"):
        for index in range(3):
            write_tone(root / name / f"{index}.wav", 2, 16000)
    (root / "empty").mkdir()
    out = tmp_path / "data" / "sounds"
    report = prepare_dataset(root, out, valid_fraction=0.34, seed=0, fmt=ClipFormat(22050, 44100))
    assert (out / "categories.txt").read_text() == "DoorSlam\nGlassBreak\nfootstep gravel\n"
    assert report.categories == CategorySet.read(out / "categories.txt")
    entries = read_manifest(out / "train" / "manifest.jsonl") + read_manifest(out / "valid" / "manifest.jsonl")
    assert sorted({(e["category"], e["category_id"]) for e in entries}) == [
        ("DoorSlam", 0), ("GlassBreak", 1), ("footstep gravel", 2)]
    for entry in entries:  # 16 kHz resampled to the model's rate, 2 s
        info = sf.info(entry["path"])
        assert (info.samplerate, info.frames) == (22050, 44100) and entry["duration"] == 2.0


def test_near_duplicate_folders_are_one_line_outside_dcase(tmp_path):
    root = tmp_path / "sounds"
    write_tone(root / "DoorSlam" / "a.wav", 2, SR)
    write_tone(root / "door_slam" / "b.wav", 2, SR)
    with pytest.raises(DataError) as info:
        prepare_dataset(root, tmp_path / "out")
    assert "'DoorSlam' and 'door_slam'" in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "out" / "categories.txt").exists()


def test_clip_length_limits_are_one_line():
    check_clip_format(ClipFormat(22050, 44100), 8192)
    for fmt, fragment in ((ClipFormat(22050, 11025), "0.5 s; clips of 1-10 s"),
                          (ClipFormat(16000, 176000), "11 s; clips of 1-10 s")):
        with pytest.raises(ConfigError, match=fragment):
            check_clip_format(fmt)
    with pytest.raises(ConfigError, match="shorter than model.segment_size=32768"):
        check_clip_format(ClipFormat(22050, 22050), 32768)
