"""File helpers: atomic writes (a temporary file in the same folder, fsync, then rename over the target),
checksums, sorted listings, and why a weights-only ``torch.load`` refused a file."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; on success it replaces ``path`` atomically.

    On error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the mode a plain open() would
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def file_digest(path: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 1 << 20) -> str:
    """Hex digest (``sha256``, ``md5``, ...) of a file's bytes, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def wav_files(folder: str | os.PathLike) -> list[Path]:
    """The ``.wav`` files (any case) directly in ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() == ".wav")


#: words of torch.load's advice to unpickle a refused file anyway (weights_only=False, allowlisted globals)
_UNPICKLE_ADVICE = ("weights_only", "weights only", "trust", "safe_globals", "documentation")


def load_refusal_reason(exc: Exception) -> str:
    """Why ``torch.load(..., weights_only=True)`` refused a file: its first sentence that is not advice.

    torch suggests ``weights_only=False`` or allowlisting globals; both would run code from an untrusted file.
    """
    text = str(exc).split("WeightsUnpickler error:", 1)[-1]
    for line in text.splitlines():
        reason = re.split(r" was not an allowed global|(?<=\.) ", line.strip())[0]
        if reason and not any(word in reason.lower() for word in _UNPICKLE_ADVICE):
            return reason
    return type(exc).__name__
