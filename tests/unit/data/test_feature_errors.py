"""A dump feature that cannot be used is one line naming the file and what to do, with or without workers."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from toolkit.audio import write_clip
from toolkit.data.dataset import EpochLoader, SpectrogramDataset
from toolkit.data.manifest import write_manifest
from toolkit.errors import DataError

RATE = 22050
SAMPLES = 2048


def damaged_random(path):
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())


def damaged_truncated(path):
    torch.save(torch.zeros(513, 8), path)
    path.write_bytes(path.read_bytes()[:200])


def pickled_object(path):
    path.write_bytes(pickle.dumps(SpectrogramDataset))  # a class: refused by weights_only


def not_a_spectrogram(path):
    torch.save({"spec": torch.zeros(513, 8)}, path)


def dataset_with(tmp_path, damage) -> SpectrogramDataset:
    entries = []
    for index in range(2):
        clip = tmp_path / f"clip{index}.wav"
        write_clip(clip, np.zeros(SAMPLES, dtype=np.float32), RATE)
        feature = tmp_path / f"feature{index}.pt"
        torch.save(torch.zeros(513, 8), feature)
        entries.append({"path": str(clip), "category_id": index, "feature_path": str(feature)})
    damage(tmp_path / "feature1.pt")
    write_manifest(tmp_path / "manifest.jsonl", entries)
    return SpectrogramDataset(tmp_path / "manifest.jsonl", RATE, SAMPLES)


@pytest.mark.parametrize("damage", [damaged_random, damaged_truncated, pickled_object, not_a_spectrogram])
def test_unusable_feature_is_one_line_naming_the_file(tmp_path, damage):
    dataset = dataset_with(tmp_path, damage)
    assert dataset[0]["spec"].shape == (513, 8)
    with pytest.raises(DataError) as excinfo:
        dataset[1]
    message = str(excinfo.value)
    assert message.startswith(f"feature {tmp_path / 'feature1.pt'} ") and "\n" not in message
    assert "delete it and run the dump stage again (./run.sh --stage 2 --stop-stage 2 --force true" in message
    assert "weights_only" not in message


def test_missing_feature_says_to_dump_again(tmp_path):
    dataset = dataset_with(tmp_path, lambda path: path.unlink())
    with pytest.raises(DataError, match=r"feature .*feature1\.pt is missing; run the dump stage again"):
        dataset[1]


def test_error_in_a_loader_worker_keeps_its_one_line(tmp_path):
    loader = EpochLoader(dataset_with(tmp_path, damaged_random), 2, seed=0, num_workers=1, shuffle=False)
    with pytest.raises(DataError) as excinfo:
        next(loader.epoch(0))
    message = str(excinfo.value)
    assert message.startswith(f"feature {tmp_path / 'feature1.pt'} cannot be loaded (") and "\n" not in message
