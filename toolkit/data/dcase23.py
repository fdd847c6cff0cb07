"""The DCASE 2023 Task 7 development set: link a local copy, or download, unpack and verify it.

Verification checks what is known about the set (SCORING.md §6): the 7 class folders, the number of clips
per class (4,850 in all) and that every clip is 22,050 Hz mono and 4 s long. Downloads go through
:mod:`toolkit.download` (resumable, progress bar, optional md5/sha256 checked before the archive is kept).
"""
from __future__ import annotations

import logging
import os
import tarfile
import zipfile
from pathlib import Path

import soundfile as sf
from tqdm import tqdm

from toolkit.audio import ClipFormat
from toolkit.categories import scan_category_folders
from toolkit.data.prepare import find_audio_files
from toolkit.data.staging import replace_path, staged_dir
from toolkit.dcase import CATEGORIES
from toolkit.download import download_file
from toolkit.errors import DataError

logger = logging.getLogger(__name__)

#: Clips per class of the original development set (task page; they add up to the documented 4,850).
DEV_SET_COUNTS = {"DogBark": 617, "Footstep": 703, "GunShot": 669, "Keyboard": 683,
                  "MovingMotorVehicle": 621, "Rain": 824, "Sneeze_Cough": 733}
#: Folder names that mark the development part inside an archive (preferred over any other candidate).
DEV_FOLDER_NAMES = ("DCASEFoleySoundSynthesisDevSet", "dev")


def category_folders(folder: Path) -> dict[str, Path]:
    """The class folders directly inside ``folder``, keyed by CamelCase category name (spellings match
    tolerantly; of two spellings of one class the first by name wins)."""
    return {name: found[0] for name, found in scan_category_folders(folder, CATEGORIES).items()}


def find_dev_root(folder: str | Path, max_depth: int = 3) -> Path:
    """The folder holding the 7 class folders: ``folder`` itself or one below it (the dev part preferred)."""
    folder = Path(folder)
    candidates = []
    for root, dirs, _ in os.walk(folder, followlinks=True):
        depth = len(Path(root).relative_to(folder).parts)
        if depth >= max_depth:
            dirs[:] = []
        if len(category_folders(Path(root))) == len(CATEGORIES):
            candidates.append(Path(root))
            dirs[:] = []
    if not candidates:
        raise DataError(f"{folder} does not contain the 7 DCASE class folders ({', '.join(CATEGORIES)}); "
                        "point DCASE23_ROOT at the unpacked development set")
    preferred = [c for c in candidates if c.name in DEV_FOLDER_NAMES]
    return (preferred or candidates)[0]


def verify(root: str | Path, expected_counts: dict[str, int] | None = DEV_SET_COUNTS,
           fmt: ClipFormat = ClipFormat()) -> None:
    """Check class folders, clip counts (when ``expected_counts`` is given) and every clip's format."""
    root = Path(root)
    folders = category_folders(root)
    missing = [name for name in CATEGORIES if name not in folders]
    if missing:
        raise DataError(f"{root}: missing class folder(s) {', '.join(missing)}")
    bad_counts, bad_files, total = [], [], 0
    for name, folder in tqdm(folders.items(), desc="verifying DCASE 2023 Task 7", unit="class"):
        files = find_audio_files(folder)
        total += len(files)
        if expected_counts is not None and len(files) != expected_counts[name]:
            bad_counts.append(f"{name} has {len(files)} clips, expected {expected_counts[name]}")
        for path in files:
            try:
                info = sf.info(str(path))
                ok = info.samplerate == fmt.sample_rate and info.channels == 1 and info.frames == fmt.num_samples
            except (sf.LibsndfileError, RuntimeError):
                ok = False
            if not ok:
                bad_files.append(path)
    if bad_counts:
        raise DataError(f"{root}: {'; '.join(bad_counts)} (incomplete or different copy of the development set)")
    if bad_files:
        raise DataError(f"{root}: {len(bad_files)} clip(s) are not {fmt.sample_rate} Hz mono "
                        f"{fmt.num_samples} samples, e.g. {bad_files[0]}")
    logger.info("verified %s: 7 class folders, %d clips, %d Hz mono %d samples", root, total,
                fmt.sample_rate, fmt.num_samples)


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


def download(url: str, archive: str | Path, checksum: str = "", timeout: float = 30.0) -> Path:
    """Download ``url`` to ``archive``, resuming ``<archive>.part``; check ``md5:<hex>``/``sha256:<hex>``.

    An existing ``archive`` is kept (and checked); see :func:`toolkit.download.download_file`.
    """
    hint = (f"put the unpacked development set somewhere and set DCASE23_ROOT to it (in db.sh or the environment), "
            f"place the archive at {archive}, or check DCASE23_URL in db.sh")
    return download_file(url, archive, checksum, error=DataError, hint=hint, timeout=timeout)


def extract(archive: str | Path, out_dir: str | Path) -> Path:
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
            raise DataError(f"{archive} is neither a zip nor a tar archive; check DCASE23_URL in db.sh")
    return Path(out_dir)


def archive_name(url: str) -> str:
    """File name of the archive a URL points at (query strings dropped)."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name or "dcase23_dev.tar.gz"


def obtain(out: str | Path, root: str | Path | None = None, url: str = "", download_dir: str | Path = "downloads",
           checksum: str = "", verify_clips: bool = True,
           expected_counts: dict[str, int] | None = DEV_SET_COUNTS) -> Path:
    """Make ``out`` a link to the development set: the local copy at ``root``, else a downloaded one."""
    if root:
        if not Path(root).is_dir():
            raise DataError(f"DCASE23_ROOT={root} is not a folder; fix it in db.sh or the environment")
        dev = find_dev_root(root)
    else:
        if not url:
            raise DataError("neither DCASE23_ROOT nor DCASE23_URL is set; set one of them in db.sh")
        download_dir = Path(download_dir)
        unpacked = download_dir / "dcase23"
        if not unpacked.is_dir():
            archive = download(url, download_dir / archive_name(url), checksum)
            extract(archive, unpacked)
        dev = find_dev_root(unpacked)
    if verify_clips:
        verify(dev, expected_counts)
    return link(dev, out)
