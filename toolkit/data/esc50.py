"""ESC-50 (Piczak, 2015): link a local copy, or download and unpack it, then verify it.

The corpus: 2,000 clips of 50 environmental sound classes, 40 per class, in 5 folds; every clip 5 s of
44.1 kHz mono. ``meta/esc50.csv`` has the columns filename, fold, target, category, esc10, src_file and take;
the audio lies in ``audio/``, named ``{fold}-{clip id}-{take}-{target}.wav``. Class ids follow ascending
``target``.

Verification checks what the table promises: its columns, that every row's file name agrees with its fold,
take and target, one target per category, that every listed file exists and every WAV in ``audio/`` is
listed, and every clip's format. ``full_size`` also checks the published size (50 classes x 40 clips, folds
1-5); without it a smaller copy in the same layout (e.g. a test corpus) passes.
"""
from __future__ import annotations

import logging
import os
import re
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from toolkit.audio import ClipFormat, format_mismatch
from toolkit.data.fetch import CorpusSource, link
from toolkit.data.table import Table, TableColumns, read_table
from toolkit.errors import DataError

logger = logging.getLogger(__name__)

TABLE = Path("meta") / "esc50.csv"
AUDIO_DIR = "audio"
HEADER = ("filename", "fold", "target", "category", "esc10", "src_file", "take")
COLUMNS = TableColumns(file="filename", category="category", fold="fold", order="target")
#: Every clip: 5 s of 44.1 kHz mono.
FORMAT = ClipFormat(sample_rate=44100, num_samples=220500)
#: The published size: 50 classes x 40 clips in folds 1-5 (2,000 clips).
CLASSES, CLIPS_PER_CLASS, FOLDS = 50, 40, ("1", "2", "3", "4", "5")
#: ``{fold}-{clip id}-{take}-{target}.wav``
FILE_NAME = re.compile(r"(?P<fold>\d+)-(?P<clip>\d+)-(?P<take>[A-Za-z]+)-(?P<target>\d+)\.wav")
#: db.sh's ESC50_ROOT / ESC50_URL; downloads are unpacked into downloads/esc50/.
SOURCE = CorpusSource("ESC50", "the unpacked ESC-50 (the folder with meta/esc50.csv and audio/)", "esc50",
                      "ESC-50.zip")


def find_root(folder: str | Path, max_depth: int = 2) -> Path:
    """The folder holding ``meta/esc50.csv``: ``folder`` itself or one below it (an unpacked archive)."""
    folder = Path(folder)
    for root, dirs, _ in os.walk(folder, followlinks=True):
        if (Path(root) / TABLE).is_file():
            return Path(root)
        if len(Path(root).relative_to(folder).parts) >= max_depth:
            dirs[:] = []
        dirs.sort()
    raise DataError(f"{folder} does not contain {TABLE.as_posix()}; point ESC50_ROOT at the unpacked ESC-50 "
                    f"(the folder with meta/ and {AUDIO_DIR}/)")


def read(root: str | Path) -> Table:
    """The table of the copy at ``root``, checked for ESC-50's columns."""
    table = read_table(Path(root) / TABLE, COLUMNS, Path(root) / AUDIO_DIR, key_prefix=None)
    missing = [column for column in HEADER if column not in table.rows[0].cells]
    if missing:
        raise DataError(f"{table.path}: no column(s) {', '.join(missing)}; ESC-50's table has {', '.join(HEADER)}")
    return table


def verify(root: str | Path, full_size: bool = True, fmt: ClipFormat = FORMAT) -> Table:
    """Check the copy at ``root`` (see the module docstring); the first problem is one :class:`DataError`."""
    root = Path(root)
    table = read(root)
    for row in table.rows:
        _check_file_name(table, row)
    missing = [row for row in table.rows if not row.path.is_file()]
    if missing:
        raise DataError(f"{table.where(missing[0])}: {missing[0].path} is missing ({len(missing)} of "
                        f"{len(table.rows)} listed files are); the copy is incomplete, obtain it again")
    listed = {row.path.name for row in table.rows}
    unlisted = sorted(p for p in (root / AUDIO_DIR).glob("*.wav") if p.name not in listed)
    if unlisted:
        raise DataError(f"{unlisted[0]}: not listed in {table.path} ({len(unlisted)} such file(s)); remove them "
                        "or add their rows")
    if full_size:
        _check_size(root, table)
    bad = ((row.path, format_mismatch(row.path, fmt))
           for row in tqdm(table.rows, desc="verifying ESC-50", unit="clip"))
    bad = [(path, why) for path, why in bad if why]
    if bad:
        raise DataError(f"{root}: {len(bad)} clip(s) are not {fmt.sample_rate} Hz mono {fmt.num_samples} samples "
                        f"({fmt.num_samples / fmt.sample_rate:g} s), e.g. {bad[0][0]} ({bad[0][1]})")
    logger.info("verified %s: %d classes, %d clips, %d Hz mono %d samples", root, len(table.categories),
                len(table.rows), fmt.sample_rate, fmt.num_samples)
    return table


def _check_file_name(table: Table, row) -> None:
    """One error unless the row's file name carries the row's own fold, take and target."""
    name = row.cells["filename"]
    match = FILE_NAME.fullmatch(name)
    if match is None:
        raise DataError(f"{table.where(row)}: file name '{name}' is not {{fold}}-{{clip id}}-{{take}}-{{target}}.wav")
    for column in ("fold", "take", "target"):
        if match[column].lstrip("0") != row.cells[column].lstrip("0"):
            raise DataError(f"{table.where(row)}: the row says {column} {row.cells[column]}, its file name {name} "
                            f"says {match[column]}; the table does not match the audio")


def _check_size(root: Path, table: Table) -> None:
    """One error unless the table has the published size: 50 classes x 40 clips, folds 1-5."""
    per_class = Counter(row.category for row in table.rows)
    folds = sorted({row.fold for row in table.rows})
    wrong = {name: count for name, count in per_class.items() if count != CLIPS_PER_CLASS}
    if len(per_class) != CLASSES or wrong or tuple(folds) != FOLDS:
        found = f"{len(per_class)} classes, {len(table.rows)} clips, folds {', '.join(folds)}"
        if wrong:
            found += f"; e.g. {next(iter(wrong))} has {next(iter(wrong.values()))} clips"
        raise DataError(f"{root}: {found}; ESC-50 has {CLASSES} classes x {CLIPS_PER_CLASS} clips in folds "
                        f"{', '.join(FOLDS)} (an incomplete or different copy; ESC50_FULL_SIZE=false in db.sh "
                        "accepts a smaller copy in this layout)")


def obtain(out: str | Path, root: str | Path | None = None, url: str = "", download_dir: str | Path = "downloads",
           checksum: str = "", verify_clips: bool = True, full_size: bool = True) -> Path:
    """Make ``out`` a link to ESC-50: the local copy at ``root``, else the download of ``url``; verified."""
    found = find_root(SOURCE.folder(root, url, download_dir, checksum))
    if verify_clips:
        verify(found, full_size)
    return link(found, out)
