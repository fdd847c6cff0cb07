"""Pretrained weight files: sha256 checks and a verified download with a progress bar.

torch.hub names weight files ``<name>-<first 8+ hex digits of the sha256>.pth`` (``vggish-10086976.pth``);
:func:`expected_sha256` takes that prefix from the name when no full sha256 is configured, so such a file is
checked, downloaded or local, without a hand-supplied checksum. Nothing is downloaded at import time.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from toolkit.download import download_file
from toolkit.errors import ComponentError
from toolkit.fileio import file_digest

logger = logging.getLogger(__name__)

#: the folder for downloaded weight files, when set (else $XDG_CACHE_HOME or ~/.cache, see default_weights_dir)
WEIGHTS_DIR_ENV = "FOLEY_TOOLKIT_WEIGHTS"

_HUB_NAME = re.compile(r"-(?P<prefix>[0-9a-f]{8,64})\.pth?$")


def default_weights_dir() -> Path:
    """Where downloaded weights are kept: ``$FOLEY_TOOLKIT_WEIGHTS``, else ``$XDG_CACHE_HOME/foley_toolkit/weights``,
    else ``~/.cache/foley_toolkit/weights``."""
    if os.environ.get(WEIGHTS_DIR_ENV):
        return Path(os.environ[WEIGHTS_DIR_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(cache).expanduser() / "foley_toolkit" / "weights"


def hub_sha256_prefix(name: str) -> str | None:
    """The sha256 prefix a torch.hub weight file name carries (``vggish-10086976.pth`` -> ``10086976``)."""
    match = _HUB_NAME.search(name)
    return match["prefix"] if match else None


def expected_sha256(configured: str | None, name: str) -> str | None:
    """The configured sha256, else the prefix that the file name ``name`` carries (None: nothing to check)."""
    return configured.lower() if configured else hub_sha256_prefix(name)


def verify_sha256(path: str | Path, expected: str, what: str) -> str:
    """Return the file's sha256, or raise naming the file when it does not start with ``expected`` (a full
    digest, or the prefix of a torch.hub file name)."""
    actual = file_digest(path)
    expected = expected.lower()
    if not actual.startswith(expected):
        if len(expected) < len(actual):
            raise ComponentError(
                f"{what} file {path} has sha256 {actual}, but its name says it starts with {expected} "
                "(torch.hub naming); the file is corrupt or renamed: replace it"
            )
        raise ComponentError(
            f"{what} file {path} has sha256 {actual}, expected {expected}; "
            "the file is corrupt or not the expected release: replace it"
        )
    return actual


def download(url: str, destination: str | Path, sha256: str, what: str, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``destination`` (resumable, progress bar); kept only if its sha256 matches
    ``sha256`` (a full digest or a torch.hub name's prefix)."""
    logger.info("downloading %s from %s to %s", what, url, destination)
    return download_file(
        url, destination, f"sha256:{sha256}", error=ComponentError, failure=f"could not download {what} from {url}",
        hint="on an offline machine download it elsewhere and pass its path (see docs/scoring.md)", timeout=timeout,
    )
