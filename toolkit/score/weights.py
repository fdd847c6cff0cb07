"""Pretrained weight files: sha256 checks and a verified download with a progress bar.

Nothing is downloaded at import time; :func:`download` runs only when an embedding is built without a
local weights file and the user configured both a URL and its sha256.
"""
from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from toolkit.errors import ComponentError
from toolkit.fileio import atomic_open, file_digest

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


def verify_sha256(path: str | Path, expected: str, what: str) -> str:
    """Return the file's sha256, or raise naming the file when it differs from ``expected``."""
    actual = file_digest(path)
    if actual != expected.lower():
        raise ComponentError(
            f"{what} file {path} has sha256 {actual}, expected {expected.lower()}; "
            "the file is corrupt or not the expected release: replace it"
        )
    return actual


def download(url: str, destination: str | Path, sha256: str, what: str, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``destination`` with a progress bar; kept only if its sha256 matches."""
    destination = Path(destination)
    logger.info("downloading %s from %s to %s", what, url, destination)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, atomic_open(destination, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            digest = hashlib.sha256()
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"download {destination.name}") as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
            if digest.hexdigest() != sha256.lower():
                raise ComponentError(
                    f"{what} downloaded from {url} has sha256 {digest.hexdigest()}, expected {sha256.lower()}; "
                    "nothing was kept: check the configured URL and checksum"
                )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ComponentError(
            f"could not download {what} from {url} ({reason}); on an offline machine download it elsewhere "
            "and pass its path (see docs/scoring.md)"
        ) from None
    return destination
