"""Resumable, verified downloads: a progress bar, HTTP Range resume of ``<file>.part``, and a checksum
(``algorithm:hex``) checked before the file is kept. Every failure is one line naming the URL and what to do.
"""
from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from toolkit.errors import ToolkitError
from toolkit.fileio import file_digest

logger = logging.getLogger(__name__)

CHUNK = 1 << 20


def parse_checksum(checksum: str, error: type[ToolkitError] = ToolkitError) -> tuple[str, str]:
    """Split ``algorithm:hex`` (e.g. ``sha256:ab12...``) into a lower-case algorithm and hex digest; the hex
    may be the digest's first digits only, as torch.hub file names carry them."""
    algorithm, _, expected = checksum.partition(":")
    if not expected or algorithm.lower() not in hashlib.algorithms_available:
        raise error(f"checksum '{checksum}' must look like md5:<hex> or sha256:<hex>")
    return algorithm.lower(), expected.lower()


def download_file(url: str, destination: str | Path, checksum: str = "", *, error: type[ToolkitError] = ToolkitError,
                  failure: str = "", hint: str = "check the URL", timeout: float = 30.0) -> Path:
    """Download ``url`` to ``destination``, resuming ``<destination>.part``; keep it only if ``checksum`` matches.

    An existing ``destination`` is not downloaded again, only checked. A server that ignores the Range request
    makes the download start again from the beginning. Failures raise ``error`` with one line that starts
    with ``failure`` (default ``cannot download <url>``) and, where the server could not be used, ends with
    ``hint`` (what the user can do instead).
    """
    destination = Path(destination)
    expected = parse_checksum(checksum, error) if checksum else None
    if not destination.is_file():
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".part")
        _fetch(url, partial, error, failure or f"cannot download {url}", hint, timeout)
        _verify(partial, expected, error, shown_as=destination)
        os.replace(partial, destination)
    else:
        _verify(destination, expected, error, shown_as=destination)
    return destination


def _fetch(url: str, partial: Path, error: type[ToolkitError], failure: str, hint: str, timeout: float) -> None:
    """Append the rest of ``url`` to ``partial`` (or write it anew when the server cannot resume)."""
    offset = partial.stat().st_size if partial.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # nothing left to fetch: the partial file is complete
            return
        raise error(f"{failure} (HTTP {exc.code} {exc.reason}); {hint}") from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections, malformed URLs
        raise error(f"{failure} ({getattr(exc, 'reason', None) or exc}); {hint}") from None
    with response:
        resumed = offset and response.status == 206
        if offset and not resumed:
            logger.info("%s ignored the resume request; downloading from the start", url)
            offset = 0
        remaining = response.headers.get("Content-Length")
        total = offset + int(remaining) if remaining is not None else None
        with open(partial, "ab" if resumed else "wb") as handle, tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, desc=f"downloading {partial.name[:-5]}"
        ) as bar:
            try:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    handle.write(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                raise error(f"{failure} (interrupted: {exc}); rerun to resume from "
                            f"{partial.stat().st_size} bytes") from None
            handle.flush()
            os.fsync(handle.fileno())
    if total is not None and partial.stat().st_size != total:
        raise error(f"{failure} (stopped at {partial.stat().st_size} of {total} bytes); rerun to resume")


def _verify(path: Path, expected: tuple[str, str] | None, error: type[ToolkitError], shown_as: Path) -> None:
    """Delete ``path`` and raise when its digest differs from ``expected`` (``(algorithm, hex)``)."""
    if expected is None:
        return
    algorithm, digest = expected
    actual = file_digest(path, algorithm)
    if not actual.startswith(digest):
        path.unlink()
        raise error(f"{shown_as}: {algorithm} is {actual}, expected {digest}; the file was deleted, rerun to "
                    "download it again (if it fails again, check the URL and checksum)")
