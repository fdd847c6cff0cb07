"""Per-file embedding cache: ``<cache_dir>/<settings hash>/<aa>/<content sha256>.npy``.

The key covers the file's bytes (sha256) and everything that changes the embedding values (the
embedding's ``settings``: name, mode, layer, weights checksum, implementation version), so a cached
array is reused only when it would be recomputed identically. Arrays are written atomically and read
with ``allow_pickle=False``; an unreadable or malformed entry is recomputed.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from toolkit.fileio import atomic_open, atomic_write_text

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = "~/.cache/foley_toolkit/embeddings"


def settings_key(settings: Mapping[str, Any]) -> str:
    """A short stable hash of embedding settings."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


class EmbeddingCache:
    """Cached ``[n, dim]`` float64 embeddings of files for one set of embedding settings."""

    def __init__(self, root: str | Path, settings: Mapping[str, Any], dim: int):
        self.folder = Path(root).expanduser() / settings_key(settings)
        self.dim = dim
        info = self.folder / "settings.json"
        if not info.is_file():
            atomic_write_text(info, json.dumps(dict(settings), indent=2, sort_keys=True, default=str) + "\n")

    def _path(self, content_sha256: str) -> Path:
        return self.folder / content_sha256[:2] / f"{content_sha256}.npy"

    def get(self, content_sha256: str) -> np.ndarray | None:
        path = self._path(content_sha256)
        if not path.is_file():
            return None
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable cache entry %s (%s)", path, exc)
            return None
        if array.ndim != 2 or array.shape[1] != self.dim or array.dtype != np.float64:
            logger.warning("ignoring malformed cache entry %s with shape %s", path, array.shape)
            return None
        return array

    def put(self, content_sha256: str, array: np.ndarray) -> None:
        with atomic_open(self._path(content_sha256), "wb") as handle:
            np.save(handle, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
