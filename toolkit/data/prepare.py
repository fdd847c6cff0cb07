"""Prepare a corpus for training: category folders (``<category>/<clip>.<ext>``) or a metadata table.

A corpus is read as a :class:`Corpus`: its category set and every audio file with its class id (or why it
has none) and, for tables (:mod:`toolkit.data.table`), its fold. For folders the set is derived from the
category folders (exact names, sorted: the order gives the class ids) or given (the DCASE set, whose
folders match tolerantly); ``data.categories`` keeps a subset in that order. The set is written to
``<out>/categories.txt``. Every audio file is validated (readable, non-empty, finite, not silent, in a
category) and, where needed, converted to the clip format (mono, ``data.sample_rate``, PCM_16,
``data.clip_samples``; other rates are resampled). Usable clips are split into train and valid, per
category (deterministic, stratified) or by fold (``data.valid_folds``), and listed in JSON-lines manifests
with absolute paths; every unusable file is listed in ``rejected.tsv`` with its reason. Files already in
the clip format are used in place; converted copies are written under the output folder, never next to
the source. The output folder ``<out>/{train,valid}/manifest.jsonl``, ``<out>/{train,valid}/wav/``,
``<out>/categories.txt`` and ``<out>/rejected.tsv`` is built in ``<out>/.prepare.tmp`` and moved into
place at the end.
"""
from __future__ import annotations

import csv
import logging
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from toolkit.audio import ClipFormat, convert, read_audio, write_clip
from toolkit.categories import CATEGORIES_FILE, CategorySet, folder_categories, scan_category_folders
from toolkit.data.manifest import write_manifest
from toolkit.data.staging import replace_path
from toolkit.data.table import Table
from toolkit.errors import ConfigError, DataError
from toolkit.fileio import file_digest

logger = logging.getLogger(__name__)

#: File name endings treated as audio (anything else in the folder is ignored, e.g. metadata CSVs).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".w64", ".caf")
SPLITS = ("train", "valid")
MANIFEST_NAME = "manifest.jsonl"
REJECTED_NAME = "rejected.tsv"
#: Supported clip lengths, in seconds.
MIN_CLIP_SECONDS, MAX_CLIP_SECONDS = 1.0, 10.0


@dataclass(frozen=True)
class SourceFile:
    """An audio file of a corpus: its class id and fold (tables only), and why it is unusable ("" if it may be)."""

    path: Path
    category_id: int | None
    problem: str = ""
    fold: str | None = None


@dataclass(frozen=True)
class Corpus:
    """What preparation reads: the category set and every audio file found (folders) or listed (a table)."""

    root: Path
    categories: CategorySet
    files: tuple[SourceFile, ...]
    skipped: int = 0  # files of categories left out by :meth:`select`

    def select(self, names, where: str = "data.categories") -> "Corpus":
        """The corpus restricted to the named categories, kept in this corpus's order (ids renumbered)."""
        chosen = self.categories.subset(names, where)
        new_id = {self.categories.index(name): cid for cid, name in enumerate(chosen)}
        kept = tuple(replace(f, category_id=new_id[f.category_id]) if f.category_id is not None else f
                     for f in self.files if f.category_id is None or f.category_id in new_id)
        return Corpus(self.root, chosen, kept, self.skipped + len(self.files) - len(kept))


def folder_corpus(source: str | Path, categories: CategorySet | None = None) -> Corpus:
    """The audio files below ``source`` by category folder (see :func:`prepare_dataset` for ``categories``)."""
    source = Path(source).absolute()
    if not source.is_dir():
        raise DataError(f"dataset folder {source} does not exist; run the obtain stage (stage 0) first")
    files = find_audio_files(source)
    if not files:
        raise DataError(f"no audio files under {source}; expected category folders such as "
                        f"{source}/DoorSlam/0001.wav or a metadata table (data.table.path)")
    folders = scan_category_folders(source, categories, "dataset")
    if categories is None:
        categories = folder_categories(name for name, found in folders.items()
                                       if any(path.parent in found for path in files))
    listed = []
    for path in files:
        try:
            listed.append(SourceFile(path, _category_of(path, source, categories, folders)))
        except DataError as exc:
            listed.append(SourceFile(path, None, str(exc)))
    return Corpus(source, categories, tuple(listed))


def table_corpus(table: Table) -> Corpus:
    """The clips a metadata table lists; a listed file that does not exist is rejected naming its row."""
    listed = tuple(
        SourceFile(row.path.absolute(), table.categories.index(row.category),
                   "" if row.path.is_file() else f"missing (listed on {table.where(row)})", row.fold)
        for row in table.rows
    )
    return Corpus(table.path.parent.absolute(), table.categories, listed)


@dataclass
class PreparedClip:
    """A usable clip: where its prepared file will live and what the manifest says about it."""

    source: Path
    category_id: int
    staged: Path | None  # converted copy inside the staging folder; None when the source is used in place
    sha256: str
    fold: str | None = None


@dataclass
class PrepareReport:
    """What :func:`prepare_dataset` did: manifest entries per split and rejected files with reasons."""

    categories: CategorySet | None = None
    splits: dict[str, list[dict]] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    converted: int = 0


def check_clip_format(fmt: ClipFormat, segment_size: int | None = None) -> None:
    """One :class:`ConfigError` unless clips last 1-10 s and hold at least one training window."""
    seconds = fmt.num_samples / fmt.sample_rate
    if not MIN_CLIP_SECONDS <= seconds <= MAX_CLIP_SECONDS:
        raise ConfigError(f"data.clip_samples={fmt.num_samples} at data.sample_rate={fmt.sample_rate} is "
                          f"{seconds:g} s; clips of {MIN_CLIP_SECONDS:g}-{MAX_CLIP_SECONDS:g} s are supported")
    if segment_size is not None and fmt.num_samples < segment_size:
        raise ConfigError(f"data.clip_samples={fmt.num_samples} is shorter than model.segment_size={segment_size} "
                          "(the training window); use longer clips or a smaller model.segment_size")


def find_audio_files(source: Path) -> list[Path]:
    """Audio files below ``source`` (by name ending, any case), hidden files skipped, in sorted order."""
    found = []
    for root, dirs, files in os.walk(source, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in sorted(files)
                  if not f.startswith(".") and f.lower().endswith(AUDIO_SUFFIXES)]
    return found


def validate_clip(path: Path, fmt: ClipFormat) -> np.ndarray | None:
    """The clip converted to ``fmt``, or None when the file already is in ``fmt``; DataError if unusable."""
    samples, sample_rate = read_audio(path)
    if not np.any(samples):
        raise DataError(f"{path}: silent (every sample is zero)")
    if fmt.matches(sf.info(str(path))):
        return None
    return convert(samples, sample_rate, fmt)


def split_stratified(clips: list[PreparedClip], valid_fraction: float, seed: int,
                     n_categories: int | None = None) -> dict[str, list[PreparedClip]]:
    """Per category, a seeded shuffle of the clips (sorted by path first), the first share going to valid.

    A category with at least two clips gives at least one to valid when ``valid_fraction`` > 0.
    """
    if not 0.0 <= valid_fraction < 1.0:
        raise DataError(f"data.valid_fraction must be in [0, 1), got {valid_fraction}")
    splits: dict[str, list[PreparedClip]] = {name: [] for name in SPLITS}
    if n_categories is None:
        n_categories = max((c.category_id for c in clips), default=-1) + 1
    for cid in range(n_categories):
        members = sorted((c for c in clips if c.category_id == cid), key=lambda c: str(c.source))
        order = np.random.default_rng([seed, cid]).permutation(len(members))
        n_valid = round(len(members) * valid_fraction)
        if valid_fraction > 0 and len(members) >= 2:
            n_valid = min(max(n_valid, 1), len(members) - 1)
        splits["valid"] += [members[i] for i in order[:n_valid]]
        splits["train"] += [members[i] for i in order[n_valid:]]
    return splits


def split_by_folds(clips: list[PreparedClip], valid_folds) -> dict[str, list[PreparedClip]]:
    """Clips of the ``valid_folds`` (compared as text: ``5`` matches a fold cell ``5``) go to valid, the
    rest to train, each in category then path order. Clips without a fold, or a fold no clip has, is one error."""
    wanted = [str(fold) for fold in valid_folds]
    if any(clip.fold is None for clip in clips):
        raise ConfigError("data.valid_folds needs a metadata table with a fold column (data.table.fold_column); "
                          "category folders have no folds, use data.valid_fraction")
    present = sorted({clip.fold for clip in clips}, key=lambda fold: (len(fold), fold))
    absent = [fold for fold in wanted if fold not in present]
    if absent:
        raise DataError(f"data.valid_folds names fold(s) {', '.join(absent)} that no usable clip has; "
                        f"the folds are: {', '.join(present)}")
    ordered = sorted(clips, key=lambda c: (c.category_id, str(c.source)))
    return {"train": [c for c in ordered if c.fold not in wanted], "valid": [c for c in ordered if c.fold in wanted]}


def _unique_name(folder: dict[str, set], category: str, stem: str) -> str:
    taken = folder.setdefault(category, set())
    name, number = f"{stem}.wav", 2
    while name in taken:
        name, number = f"{stem}_{number}.wav", number + 1
    taken.add(name)
    return name


def _write_rejected(path: Path, rejected: list[tuple[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "reason"])
        writer.writerows(rejected)


def prepare_dataset(source: str | Path | Corpus, out_dir: str | Path, valid_fraction: float = 0.05, seed: int = 0,
                    fmt: ClipFormat = ClipFormat(), categories: CategorySet | None = None, *,
                    subset=None, valid_folds=None) -> PrepareReport:
    """Validate, convert and split the clips of ``source`` into ``out_dir`` (see the module docstring).

    ``source``: a folder of category folders or a :class:`Corpus` (e.g. :func:`table_corpus`).
    ``categories``: for a folder, a fixed set (e.g. DCASE's) whose folders are matched tolerantly; None
    derives the set from the folder names. ``subset``: category names to keep (``data.categories``), in the
    corpus's order. ``valid_folds``: the folds that form the valid split (else ``valid_fraction`` of each
    category). Bad files never stop the preparation; a corpus with no usable file does, and so do two
    folders whose names differ only in case, ``_``, ``-`` or spaces (one :class:`DataError`).
    """
    corpus = source if isinstance(source, Corpus) else folder_corpus(source, categories)
    if subset is not None:
        corpus = corpus.select(subset)
    out_dir = Path(out_dir).absolute()
    staging = out_dir / ".prepare.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        report = _prepare_into(staging, corpus, out_dir, valid_fraction, seed, fmt, valid_folds)
        for name in (*SPLITS, REJECTED_NAME, CATEGORIES_FILE):
            replace_path(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _log_summary(report, corpus, out_dir)
    return report


def _category_of(path: Path, source: Path, categories: CategorySet, folders: dict[str, list[Path]]) -> int:
    """Class id of a file from the category folder it lies in; DataError when it lies in none."""
    for name, found in folders.items():
        if name in categories and any(path.parent == folder for folder in found):
            return categories.index(name)
    if path.parent == source:
        raise DataError("not inside a category folder")
    raise DataError(f"unknown category folder '{path.parent.name}'; expected one of: {', '.join(categories)}")


def _prepare_into(staging: Path, corpus: Corpus, out_dir: Path, valid_fraction: float, seed: int,
                  fmt: ClipFormat, valid_folds) -> PrepareReport:
    categories = corpus.categories
    report = PrepareReport(categories)
    clips: list[PreparedClip] = []
    names: dict[str, set] = {}
    for source in tqdm(corpus.files, desc="validating clips", unit="file"):
        path, cid = source.path, source.category_id
        if source.problem or cid is None:
            report.rejected.append((str(path), source.problem))
            continue
        try:
            converted = validate_clip(path, fmt)
        except DataError as exc:
            report.rejected.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        staged = None
        if converted is not None:
            staged = staging / "converted" / categories[cid] / _unique_name(names, categories[cid], path.stem)
            write_clip(staged, converted, fmt.sample_rate, fmt.subtype)
            report.converted += 1
        clips.append(PreparedClip(path, cid, staged, file_digest(staged or path), source.fold))
    if not clips:
        first = report.rejected[0] if report.rejected else ("", "")
        raise DataError(f"no usable audio file in {corpus.root}: all {len(corpus.files)} were rejected "
                        f"(first: {first[0]}: {first[1]})")
    splits = (split_by_folds(clips, valid_folds) if valid_folds is not None
              else split_stratified(clips, valid_fraction, seed, len(categories)))
    for split, members in splits.items():
        report.splits[split] = [_place(clip, staging, out_dir, split, fmt, categories) for clip in members]
        write_manifest(staging / split / MANIFEST_NAME, report.splits[split])
    _write_rejected(staging / REJECTED_NAME, report.rejected)
    categories.write(staging / CATEGORIES_FILE)
    return report


def _place(clip: PreparedClip, staging: Path, out_dir: Path, split: str, fmt: ClipFormat,
           categories: CategorySet) -> dict:
    """Move a converted clip into its split's wav/ folder (in staging) and return its manifest entry."""
    path = clip.source
    if clip.staged is not None:
        relative = clip.staged.relative_to(staging / "converted")
        target = staging / split / "wav" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(clip.staged, target)
        path = out_dir / split / "wav" / relative
    entry = {
        "path": str(path), "category": categories[clip.category_id], "category_id": clip.category_id,
        "duration": fmt.num_samples / fmt.sample_rate, "sample_rate": fmt.sample_rate, "sha256": clip.sha256,
        "source": str(clip.source),
    }
    if clip.fold is not None:
        entry["fold"] = clip.fold
    return entry


def _log_summary(report: PrepareReport, corpus: Corpus, out_dir: Path) -> None:
    counts = {split: len(entries) for split, entries in report.splits.items()}
    if corpus.skipped:
        logger.info("left out %d audio files of categories not in data.categories", corpus.skipped)
    logger.info("prepared %s: %d audio files, %d converted, %d rejected (see %s); train %d, valid %d; "
                "%d categories (%s) -> %s", corpus.root, len(corpus.files), report.converted, len(report.rejected),
                out_dir / REJECTED_NAME, counts.get("train", 0), counts.get("valid", 0), len(report.categories),
                out_dir / CATEGORIES_FILE, out_dir)
    present = {entry["category"] for entries in report.splits.values() for entry in entries}
    missing = [name for name in report.categories if name not in present]
    if missing:
        logger.warning("no usable clip for categor%s %s", "y" if len(missing) == 1 else "ies", ", ".join(missing))
