"""VGGish (embedding ``vggish``): the network in PyTorch with the torchvggish state-dict layout.

The embedding is the 128-D output of the last fully connected layer *before* its ReLU and without the
PCA/quantisation post-processing, as every FAD implementation uses it. The front end is in
:mod:`toolkit.score.vggish_frontend` (modes ``dcase2023`` and ``standard``).

Weights cannot be shipped. They come from a user-supplied file in the torchvggish layout
(``vggish-10086976.pth``), or are downloaded once from ``url`` into ``weights_dir`` (default:
:func:`toolkit.score.weights.default_weights_dir`). Each file is checked
against the configured ``sha256`` or, without one, against the sha256 prefix its torch.hub name carries
(``10086976``), so the default URL needs no hand-supplied checksum. Nothing is downloaded at import time.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from toolkit.errors import ComponentError
from toolkit.fileio import file_digest, load_refusal_reason
from toolkit.score.batched import BatchedEmbedding
from toolkit.score.inputs import read_float_audio, read_raw_wav
from toolkit.score.vggish_frontend import MODES, log_mel_examples
from toolkit.score.weights import default_weights_dir, download, expected_sha256, verify_sha256

__all__ = ["VGGish", "VGGishEmbedding", "log_mel_examples", "load_vggish_state_dict", "DEFAULT_URL"]

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth"
#: bump when the numbers this module produces change (invalidates cached embeddings)
IMPLEMENTATION_VERSION = 1

_FEATURES = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M")
_PCA_PREFIX = "pproc."


class VGGish(nn.Module):
    """VGGish: 6 conv layers (3x3, 'same') with 4 max-pools, then fc 4096 -> 4096 -> 128.

    Parameter names follow torchvggish (``features.N.*``, ``embeddings.N.*``), so its checkpoint loads as is.
    ``forward`` maps log-mel examples [B, 96, 64] to pre-ReLU embeddings [B, 128].
    """

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        channels = 1
        for item in _FEATURES:
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = item
        self.features = nn.Sequential(*layers)
        self.embeddings = nn.Sequential(
            nn.Linear(512 * 6 * 4, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, 128),
        )

    def forward(self, examples: torch.Tensor) -> torch.Tensor:
        x = self.features(examples.unsqueeze(1))  # [B, 512, 6, 4]
        x = x.permute(0, 2, 3, 1).flatten(1)  # NHWC order, as the TensorFlow checkpoint flattens
        return self.embeddings(x)


def load_vggish_state_dict(model: VGGish, path: str | Path) -> None:
    """Load a torchvggish-layout state dict (``weights_only``); PCA parameters are ignored."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's own messages run to many lines and advise unsafe loading
        raise ComponentError(
            f"VGGish weights {path} cannot be loaded as a state dict ({load_refusal_reason(exc)}); it is damaged or "
            "not the torchvggish file vggish-10086976.pth: download it again (see docs/scoring.md)"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ComponentError(f"VGGish weights {path} are not a state dict of tensors (got {type(state).__name__})")
    ignored = sorted(k for k in state if k.startswith(_PCA_PREFIX))
    if ignored:
        logger.info("ignoring %d PCA parameter(s) in %s (the embedding is taken before PCA)", len(ignored), path)
    state = {k: v for k, v in state.items() if not k.startswith(_PCA_PREFIX)}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(state[k].shape) != tuple(expected[k].shape))
    if missing or unexpected or wrong:
        detail = "; ".join(
            f"{label}: {', '.join(keys[:4])}{' ...' if len(keys) > 4 else ''}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
            if keys
        )
        raise ComponentError(f"VGGish weights {path} are not in the torchvggish layout ({detail})")
    model.load_state_dict(state)


def _checked_sha256(path: Path, expected: str | None) -> str:
    """The file's sha256, verified against ``expected`` (a digest or a prefix) when there is one."""
    return verify_sha256(path, expected, "VGGish weights") if expected else file_digest(path)


class VGGishEmbedding(BatchedEmbedding):
    """Embedding ``vggish``: 128-D pre-ReLU VGGish embeddings, one row per 0.96-s example.

    ``mode``: ``dcase2023`` (the official scorer's front end, 10 examples per 4-s clip) or ``standard``
    (16 kHz, non-overlapping examples, 4 per clip). ``weights``: a torchvggish-layout ``.pth`` file;
    without it, a file previously downloaded to ``weights_dir`` is used, or else ``url`` is downloaded. Files
    are checked against ``sha256``, or without it against the sha256 prefix of a torch.hub file name.
    """

    name = "vggish"
    dim = 128

    def __init__(
        self,
        mode: str = "dcase2023",
        weights: str | None = None,
        url: str | None = DEFAULT_URL,
        sha256: str | None = None,
        weights_dir: str | None = None,
        batch_size: int = 64,
        device: str = "cpu",
    ):
        if mode not in MODES:
            raise ComponentError(f"embedding vggish: unknown mode '{mode}'; choose one of: {', '.join(MODES)}")
        self.mode = mode
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        path, self.weights_sha256 = self._weights_file(
            weights, url, sha256, Path(weights_dir).expanduser() if weights_dir else default_weights_dir())
        self.network = VGGish()
        load_vggish_state_dict(self.network, path)
        self.network.to(self.device).eval()
        logger.info("VGGish weights %s (sha256 %s), mode %s", path, self.weights_sha256, mode)

    @staticmethod
    def _weights_file(weights: str | None, url: str | None, sha256: str | None, weights_dir: Path) -> tuple[Path, str]:
        """The weights file and its verified sha256."""
        if weights:
            path = Path(weights).expanduser()
            if not path.is_file():
                raise ComponentError(f"VGGish weights file {path} does not exist; check --vggish-weights / score.vggish_weights")
            return path, _checked_sha256(path, expected_sha256(sha256, path.name))
        cached = weights_dir / Path(url or "vggish.pth").name
        expected = expected_sha256(sha256, cached.name)
        if cached.is_file():
            return cached, _checked_sha256(cached, expected)
        if url and expected:
            path = download(url, cached, expected, "VGGish weights")
            return path, file_digest(path)
        raise ComponentError(
            "embedding vggish needs weights: pass --vggish-weights PATH (score.vggish_weights) with the torchvggish "
            f"state dict vggish-10086976.pth, or set score.vggish_sha256 to download {url} (its name carries no "
            "sha256 prefix to check it by); see docs/scoring.md"
        )

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": self.mode,
            "layer": "fc2 pre-ReLU, no PCA (128-D)",
            "weights_sha256": self.weights_sha256,
            "implementation": IMPLEMENTATION_VERSION,
        }

    def read_inputs(self, path: str) -> np.ndarray:
        if self.mode == "dcase2023":
            samples, rate = read_raw_wav(path)
        else:
            samples, rate = read_float_audio(path)
        return log_mel_examples(samples, self.mode, rate)

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.network(batch).unsqueeze(1)
