"""The DCASE 2023 Task 7 development set: link a local copy, or download, unpack and verify it.

Verification checks what is known about the set (SCORING.md §6): the 7 class folders, the number of clips
per class (4,850 in all) and that every clip is 22,050 Hz mono and 4 s long. The copy comes from
``DCASE23_ROOT`` or ``DCASE23_URL`` through :mod:`toolkit.data.fetch`.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from tqdm import tqdm

from toolkit.audio import ClipFormat, format_mismatch
from toolkit.categories import scan_category_folders
from toolkit.data.fetch import CorpusSource, link
from toolkit.data.prepare import find_audio_files
from toolkit.dcase import CATEGORIES
from toolkit.errors import DataError

logger = logging.getLogger(__name__)

#: Clips per class of the original development set (task page; they add up to the documented 4,850).
DEV_SET_COUNTS = {"DogBark": 617, "Footstep": 703, "GunShot": 669, "Keyboard": 683,
                  "MovingMotorVehicle": 621, "Rain": 824, "Sneeze_Cough": 733}
#: Folder names that mark the development part inside an archive (preferred over any other candidate).
DEV_FOLDER_NAMES = ("DCASEFoleySoundSynthesisDevSet", "dev")
#: db.sh's DCASE23_ROOT / DCASE23_URL; downloads are unpacked into downloads/dcase23/.
SOURCE = CorpusSource("DCASE23", "the unpacked development set", "dcase23", "dcase23_dev.tar.gz")


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
        bad_files += [path for path in files if format_mismatch(path, fmt)]
    if bad_counts:
        raise DataError(f"{root}: {'; '.join(bad_counts)} (incomplete or different copy of the development set)")
    if bad_files:
        raise DataError(f"{root}: {len(bad_files)} clip(s) are not {fmt.sample_rate} Hz mono "
                        f"{fmt.num_samples} samples, e.g. {bad_files[0]}")
    logger.info("verified %s: 7 class folders, %d clips, %d Hz mono %d samples", root, total,
                fmt.sample_rate, fmt.num_samples)


def obtain(out: str | Path, root: str | Path | None = None, url: str = "", download_dir: str | Path = "downloads",
           checksum: str = "", verify_clips: bool = True,
           expected_counts: dict[str, int] | None = DEV_SET_COUNTS) -> Path:
    """Make ``out`` a link to the development set: the local copy at ``root``, else a downloaded one."""
    dev = find_dev_root(SOURCE.folder(root, url, download_dir, checksum))
    if verify_clips:
        verify(dev, expected_counts)
    return link(dev, out)
