"""Stage 0 of a corpus recipe: use a local copy, or download and unpack the corpus's archive, then link it.

A recipe's ``db.sh`` names both sources as ``<NAME>_ROOT`` (an unpacked copy) and ``<NAME>_URL`` (an
archive, with an optional ``<NAME>_CHECKSUM``); :class:`CorpusSource` turns them into the folder to verify,
with every failure one line that says where to put the data instead. Downloads go through
:mod:`toolkit.download` (resumable, progress bar, checksum checked before the archive is kept).
"""
from __future__ import annotations

import logging
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.data.staging import replace_path, staged_dir
from toolkit.download import download_file
from toolkit.errors import DataError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorpusSource:
    """Where one corpus comes from: ``<variable>_ROOT`` or ``<variable>_URL`` of the recipe's db.sh."""

    variable: str          # e.g. DCASE23: the db.sh variables DCASE23_ROOT, DCASE23_URL
    what: str              # what the user puts at <variable>_ROOT, e.g. "the unpacked development set"
    unpacked: str          # folder below the download folder that the archive is unpacked into
    default_archive: str   # archive file name when the URL does not end in one

    def hint(self, archive: str | Path) -> str:
        """What to do when the archive cannot be downloaded."""
        return (f"put {self.what} somewhere and set {self.variable}_ROOT to it (in db.sh or the environment), "
                f"place the archive at {archive}, or check {self.variable}_URL in db.sh")

    def download(self, url: str, archive: str | Path, checksum: str = "", timeout: float = 30.0) -> Path:
        """Download ``url`` to ``archive``, resuming ``<archive>.part``; check ``md5:<hex>``/``sha256:<hex>``.

        An existing ``archive`` is kept (and checked); see :func:`toolkit.download.download_file`.
        """
        return download_file(url, archive, checksum, error=DataError, hint=self.hint(archive), timeout=timeout)

    def folder(self, root: str | Path | None, url: str = "", download_dir: str | Path = "downloads",
               checksum: str = "") -> Path:
        """``root`` when given (it must be a folder), else the unpacked download of ``url`` (reused when there)."""
        if root:
            if not Path(root).is_dir():
                raise DataError(f"{self.variable}_ROOT={root} is not a folder; fix it in db.sh or the environment")
            return Path(root)
        if not url:
            raise DataError(f"neither {self.variable}_ROOT nor {self.variable}_URL is set; set one of them in db.sh")
        download_dir = Path(download_dir)
        unpacked = download_dir / self.unpacked
        if not unpacked.is_dir():
            archive = self.download(url, download_dir / archive_name(url, self.default_archive), checksum)
            extract(archive, unpacked, f"check {self.variable}_URL in db.sh")
        return unpacked


def link(target: str | Path, link_path: str | Path) -> Path:
    """Make ``link_path`` a symbolic link to ``target`` (replacing an older link atomically)."""
    target, link_path = Path(target).absolute(), Path(link_path)
    link_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = link_path.with_name(f".{link_path.name}.link.tmp")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target, target_is_directory=True)
    replace_path(temporary, link_path)
    logger.info("linked %s -> %s", link_path, target)
    return link_path


def extract(archive: str | Path, out_dir: str | Path, advice: str = "check the archive") -> Path:
    """Unpack a .tar(.gz/.bz2/.xz) or .zip archive into ``out_dir`` (built aside, moved into place)."""
    archive = Path(archive)
    with staged_dir(out_dir) as staging:
        logger.info("unpacking %s into %s", archive, out_dir)
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as handle:
                handle.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as handle:
                handle.extractall(staging, filter="data")
        else:
            raise DataError(f"{archive} is neither a zip nor a tar archive; {advice}")
    return Path(out_dir)


def archive_name(url: str, default: str) -> str:
    """File name of the archive a URL points at (query strings dropped), else ``default``."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name or default
