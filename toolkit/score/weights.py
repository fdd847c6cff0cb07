"""Pretrained weight files: sha256 checks and a verified download with a progress bar.

Nothing is downloaded at import time; :func:`download` runs only when an embedding is built without a
local weights file and the user configured both a URL and its sha256.
"""
from __future__ import annotations

import logging
from pathlib import Path

from toolkit.download import download_file
from toolkit.errors import ComponentError
from toolkit.fileio import file_digest

logger = logging.getLogger(__name__)


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
    """Download ``url`` to ``destination`` (resumable, progress bar); kept only if its sha256 matches."""
    logger.info("downloading %s from %s to %s", what, url, destination)
    return download_file(
        url, destination, f"sha256:{sha256}", error=ComponentError, failure=f"could not download {what} from {url}",
        hint="on an offline machine download it elsewhere and pass its path (see docs/scoring.md)", timeout=timeout,
    )
