"""The dataset over a dump manifest and the epoch-aware distributed loader."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from toolkit.data.dataset import EpochLoader, SpectrogramDataset, peak_normalize
from toolkit.data.manifest import write_manifest
from toolkit.errors import ConfigError, DataError

from .conftest import CLIP_SAMPLES, TRAIN_CLIPS


def test_peak_normalize_matches_the_reference_formula():
    audio = np.array([0.1, -0.5, 0.25], dtype=np.float32)
    np.testing.assert_allclose(peak_normalize(audio, 0.95), audio / (0.5 + 1e-6) * 0.95, rtol=1e-6)
    assert peak_normalize(audio, None) is audio


def test_items_have_the_cached_spec_and_normalised_audio(data_dir):
    dataset = SpectrogramDataset(data_dir / "dump" / "train" / "manifest.jsonl", 22050, CLIP_SAMPLES, 0.95)
    assert len(dataset) == len(TRAIN_CLIPS)
    item = dataset[1]
    assert item["audio"].shape == (1, CLIP_SAMPLES) and item["audio"].dtype == torch.float32
    assert item["spec"].shape == (513, 344)
    assert item["category_id"].dtype == torch.long and int(item["category_id"]) == 2  # GunShot
    assert float(item["audio"].abs().max()) == pytest.approx(0.95, abs=1e-5)
    raw = SpectrogramDataset(data_dir / "dump" / "train" / "manifest.jsonl", 22050, CLIP_SAMPLES, None)[1]
    assert float(raw["audio"].abs().max()) < 0.95 or not torch.equal(raw["audio"], item["audio"])


def test_missing_feature_is_one_clear_error(data_dir, tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    entry = {"path": str(data_dir / "nowhere.wav"), "category_id": 0, "feature_path": str(tmp_path / "x.pt")}
    write_manifest(manifest, [entry])
    dataset = SpectrogramDataset(manifest, 22050, CLIP_SAMPLES)
    with pytest.raises(DataError, match="nowhere.wav"):
        dataset[0]


class _Indices(torch.utils.data.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, index):
        return index


def _epoch(loader, epoch, start=0):
    return [int(i) for batch in loader.epoch(epoch, start) for i in batch]


def test_each_epoch_has_its_own_order_and_resumes_mid_epoch():
    loader = EpochLoader(_Indices(), batch_size=3, seed=7)
    assert len(loader) == 3  # drop_last: 10 // 3
    first, second = _epoch(loader, 0), _epoch(loader, 1)
    assert len(first) == 9 and len(set(first)) == 9
    assert first != second  # set_epoch is called for every epoch
    assert _epoch(loader, 0) == first  # an epoch's order depends only on seed and epoch
    assert _epoch(loader, 1, start=2) == second[6:]  # skipping consumed batches keeps the order


def test_ranks_get_disjoint_shares():
    shares = [_epoch(EpochLoader(_Indices(), 2, seed=1, rank=r, world_size=2), 3) for r in range(2)]
    assert len(shares[0]) == len(shares[1]) == 4
    assert not set(shares[0]) & set(shares[1])


def test_batch_larger_than_the_data_is_a_config_error():
    with pytest.raises(ConfigError, match="train.batch_size"):
        EpochLoader(_Indices(), batch_size=6, seed=0, world_size=2)


@pytest.mark.parametrize("batch_size", [0, -1])
def test_a_batch_size_below_one_is_a_config_error(batch_size):
    with pytest.raises(ConfigError, match=f"train.batch_size must be a positive number of clips, got {batch_size}"):
        EpochLoader(_Indices(), batch_size=batch_size, seed=0)
