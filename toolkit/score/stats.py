"""Gaussian statistics of embeddings, and the reader for the official DCASE 2023 ``gt_embedding.pkl`` files.

Statistics are float64: mean and unbiased covariance (n - 1) over all examples of a set, one row per
example, as the official scorer accumulates them.

The official reference statistics are a pickled dict ``{embedding_count, embedding_length, mu, sigma}``
whose values are pickled TensorFlow ``Feature`` protobuf messages (state ``{'serialized': bytes}``).
They are read here without TensorFlow: a restricted unpickler maps exactly that class to a stub, and
the protobuf wire format is decoded by hand (``Feature`` field 2 = FloatList, field 3 = Int64List, each
holding a packed field 1: little-endian float32 or varints).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import DataError
from toolkit.categories import category_folders
from toolkit.dcase import CATEGORIES
from toolkit.score.safe_pickle import restricted_load

STATS_FILE = "gt_embedding.pkl"
_TF_FEATURE = ("tensorflow.core.example.feature_pb2", "Feature")
_OFFICIAL_KEYS = {"embedding_count", "embedding_length", "mu", "sigma"}
_FLOAT_LIST, _INT64_LIST = 2, 3
_LENGTH_DELIMITED = 2


@dataclass(frozen=True)
class Gaussian:
    """Mean [d], unbiased covariance [d, d] (float64) and the number of examples they came from."""

    mu: np.ndarray
    sigma: np.ndarray
    count: int

    @classmethod
    def of(cls, examples: np.ndarray) -> "Gaussian":
        """Statistics of ``examples`` [n, d] (n >= 2)."""
        examples = np.asarray(examples, dtype=np.float64)
        if examples.ndim != 2 or examples.shape[0] < 2:
            raise DataError(f"need at least 2 embedding rows for statistics, got shape {examples.shape}")
        return cls(examples.mean(axis=0), np.cov(examples, rowvar=False, ddof=1), examples.shape[0])


# -- protobuf wire format -------------------------------------------------------------------------------
def _varint(data: bytes, pos: int, source: str) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise DataError(f"{source}: truncated or invalid protobuf varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes, source: str) -> list[tuple[int, bytes]]:
    """The (field number, payload) pairs of a message made only of length-delimited fields."""
    fields, pos = [], 0
    while pos < len(data):
        tag, pos = _varint(data, pos, source)
        number, wire_type = tag >> 3, tag & 7
        if wire_type != _LENGTH_DELIMITED:
            raise DataError(f"{source}: unexpected protobuf wire type {wire_type} for field {number}")
        length, pos = _varint(data, pos, source)
        if pos + length > len(data):
            raise DataError(f"{source}: truncated protobuf field {number}")
        fields.append((number, data[pos : pos + length]))
        pos += length
    return fields


def decode_feature(serialized: bytes, source: str) -> np.ndarray:
    """Values of a serialized ``tf.train.Feature``: float32 for a FloatList, int64 for an Int64List."""
    outer = _fields(serialized, source)
    if len(outer) != 1 or outer[0][0] not in (_FLOAT_LIST, _INT64_LIST):
        raise DataError(f"{source}: expected one FloatList or Int64List in a tf.train.Feature")
    kind, payload = outer[0]
    inner = _fields(payload, source)
    if len(inner) > 1 or any(number != 1 for number, _ in inner):
        raise DataError(f"{source}: expected one packed 'value' field in the feature list")
    packed = inner[0][1] if inner else b""
    if kind == _FLOAT_LIST:
        if len(packed) % 4:
            raise DataError(f"{source}: packed float list length {len(packed)} is not a multiple of 4")
        return np.frombuffer(packed, dtype="<f4").copy()
    values, pos = [], 0
    while pos < len(packed):
        value, pos = _varint(packed, pos, source)
        values.append(value - (1 << 64) if value >= 1 << 63 else value)
    return np.asarray(values, dtype=np.int64)


class _FeatureStub:
    """Stands in for ``tensorflow.core.example.feature_pb2.Feature``: keeps the serialized message."""

    serialized: bytes

    def __setstate__(self, state):
        if not (isinstance(state, dict) and set(state) == {"serialized"} and isinstance(state["serialized"], bytes)):
            raise ValueError("Feature state is not {'serialized': bytes}")
        self.serialized = state["serialized"]


# -- official statistics ----------------------------------------------------------------------------------
def read_official_stats(path: str | Path) -> tuple[np.ndarray, np.ndarray, int]:
    """``(mu [d], sigma [d, d], count)`` as float64/int from an official ``gt_embedding.pkl``."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read official statistics ({exc.strerror or exc})") from None
    obj = restricted_load(raw, {_TF_FEATURE: _FeatureStub}, source)
    if not isinstance(obj, dict) or set(obj) != _OFFICIAL_KEYS:
        raise DataError(
            f"{path}: not an official DCASE 2023 statistics file (expected a dict with keys "
            f"{', '.join(sorted(_OFFICIAL_KEYS))})"
        )
    if not all(isinstance(value, _FeatureStub) for value in obj.values()):
        raise DataError(f"{path}: values are not TensorFlow Feature messages")
    values = {key: decode_feature(value.serialized, f"{path}[{key}]") for key, value in obj.items()}
    count, length = values["embedding_count"], values["embedding_length"]
    if count.dtype != np.int64 or length.dtype != np.int64 or count.size != 1 or length.size != 1:
        raise DataError(f"{path}: embedding_count and embedding_length must be single int64 values")
    dim, count = int(length[0]), int(count[0])
    mu, sigma = values["mu"], values["sigma"]
    if dim < 1 or count < 2 or mu.dtype != np.float32 or mu.size != dim or sigma.dtype != np.float32 or sigma.size != dim * dim:
        raise DataError(
            f"{path}: inconsistent statistics (embedding_length {dim}, count {count}, mu {mu.size} values, "
            f"sigma {sigma.size} values)"
        )
    return mu.astype(np.float64), sigma.reshape(dim, dim).astype(np.float64), count


def is_stats_dir(root: str | Path) -> bool:
    """Whether ``root`` is a STATS_DIR: category subfolders holding ``gt_embedding.pkl``."""
    root = Path(root)
    return root.is_dir() and any((child / STATS_FILE).is_file() for child in root.iterdir() if child.is_dir())


def read_stats_dir(root: str | Path) -> dict[str, Gaussian]:
    """``{CamelCase category: Gaussian}`` from a folder with one ``<category>/gt_embedding.pkl`` each."""
    stats = {}
    folders = category_folders(root, CATEGORIES, "reference statistics")
    if not folders:
        raise DataError(f"reference statistics folder {root} has no DCASE category folders (e.g. dog_bark/)")
    for name, folder in folders.items():
        path = folder / STATS_FILE
        if not path.is_file():
            raise DataError(f"{folder} has no {STATS_FILE}; a statistics folder needs one per category")
        mu, sigma, count = read_official_stats(path)
        stats[name] = Gaussian(mu, sigma, count)
    return stats
