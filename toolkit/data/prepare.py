"""Prepare a dataset folder in the DCASE layout (``<category>/<clip>.<ext>``) for training.

Every audio file is validated (readable, non-empty, finite, not silent, known category folder) and, where
needed, converted to the clip format (mono, 22,050 Hz, PCM_16, 88,200 samples). Usable clips are split
per category into train and valid (deterministic, stratified) and listed in JSON-lines manifests with
absolute paths; every unusable file is listed in ``rejected.tsv`` with its reason. Files already in the
clip format are used in place; converted copies are written under the output folder, never next to the
source. The output folder ``<out>/{train,valid}/manifest.jsonl``, ``<out>/{train,valid}/wav/`` and
``<out>/rejected.tsv`` is built in ``<out>/.prepare.tmp`` and moved into place at the end.
"""
from __future__ import annotations

import csv
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from toolkit.audio import ClipFormat, convert, read_audio, write_clip
from toolkit.fileio import file_digest
from toolkit.categories import CATEGORIES, category_id, is_category
from toolkit.data.manifest import write_manifest
from toolkit.data.staging import replace_path
from toolkit.errors import DataError

logger = logging.getLogger(__name__)

#: File name endings treated as audio (anything else in the folder is ignored, e.g. metadata CSVs).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".w64", ".caf")
SPLITS = ("train", "valid")
MANIFEST_NAME = "manifest.jsonl"
REJECTED_NAME = "rejected.tsv"


@dataclass
class PreparedClip:
    """A usable clip: where its prepared file will live and what the manifest says about it."""

    source: Path
    category_id: int
    staged: Path | None  # converted copy inside the staging folder; None when the source is used in place
    sha256: str


@dataclass
class PrepareReport:
    """What :func:`prepare_dataset` did: manifest entries per split and rejected files with reasons."""

    splits: dict[str, list[dict]] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    converted: int = 0


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


def split_stratified(clips: list[PreparedClip], valid_fraction: float, seed: int) -> dict[str, list[PreparedClip]]:
    """Per category, a seeded shuffle of the clips (sorted by path first), the first share going to valid.

    A category with at least two clips gives at least one to valid when ``valid_fraction`` > 0.
    """
    if not 0.0 <= valid_fraction < 1.0:
        raise DataError(f"data.valid_fraction must be in [0, 1), got {valid_fraction}")
    splits: dict[str, list[PreparedClip]] = {name: [] for name in SPLITS}
    for cid in range(len(CATEGORIES)):
        members = sorted((c for c in clips if c.category_id == cid), key=lambda c: str(c.source))
        order = np.random.default_rng([seed, cid]).permutation(len(members))
        n_valid = round(len(members) * valid_fraction)
        if valid_fraction > 0 and len(members) >= 2:
            n_valid = min(max(n_valid, 1), len(members) - 1)
        splits["valid"] += [members[i] for i in order[:n_valid]]
        splits["train"] += [members[i] for i in order[n_valid:]]
    return splits


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


def prepare_dataset(source: str | Path, out_dir: str | Path, valid_fraction: float = 0.05, seed: int = 0,
                    fmt: ClipFormat = ClipFormat()) -> PrepareReport:
    """Validate, convert and split the clips of ``source`` into ``out_dir`` (see the module docstring).

    Bad files never stop the preparation; a folder with no usable file does (one :class:`DataError`).
    """
    source, out_dir = Path(source).absolute(), Path(out_dir).absolute()
    if not source.is_dir():
        raise DataError(f"dataset folder {source} does not exist; run the obtain stage (stage 0) first")
    files = find_audio_files(source)
    if not files:
        raise DataError(f"no audio files under {source}; expected category folders such as "
                        f"{source}/DogBark/0001.wav")
    staging = out_dir / ".prepare.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        report = _prepare_into(staging, files, source, out_dir, valid_fraction, seed, fmt)
        for name in (*SPLITS, REJECTED_NAME):
            replace_path(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _log_summary(report, files, source, out_dir)
    return report


def _prepare_into(staging: Path, files: list[Path], source: Path, out_dir: Path, valid_fraction: float,
                  seed: int, fmt: ClipFormat) -> PrepareReport:
    report = PrepareReport()
    clips: list[PreparedClip] = []
    names: dict[str, set] = {}
    for path in tqdm(files, desc="validating clips", unit="file"):
        folder = path.parent.name
        if path.parent == source or not is_category(folder):
            report.rejected.append((str(path), f"unknown category folder '{folder}'; expected one of: "
                                               f"{', '.join(CATEGORIES)}"))
            continue
        try:
            converted = validate_clip(path, fmt)
        except DataError as exc:
            report.rejected.append((str(path), str(exc).removeprefix(f"{path}: ")))
            continue
        cid = category_id(folder)
        staged = None
        if converted is not None:
            staged = staging / "converted" / CATEGORIES[cid] / _unique_name(names, CATEGORIES[cid], path.stem)
            write_clip(staged, converted, fmt.sample_rate, fmt.subtype)
            report.converted += 1
        clips.append(PreparedClip(path, cid, staged, file_digest(staged or path)))
    if not clips:
        raise DataError(f"no usable audio file in {source}: all {len(files)} were rejected "
                        f"(first: {report.rejected[0][0]}: {report.rejected[0][1]})")
    for split, members in split_stratified(clips, valid_fraction, seed).items():
        report.splits[split] = [_place(clip, staging, out_dir, split, fmt) for clip in members]
        write_manifest(staging / split / MANIFEST_NAME, report.splits[split])
    _write_rejected(staging / REJECTED_NAME, report.rejected)
    return report


def _place(clip: PreparedClip, staging: Path, out_dir: Path, split: str, fmt: ClipFormat) -> dict:
    """Move a converted clip into its split's wav/ folder (in staging) and return its manifest entry."""
    path = clip.source
    if clip.staged is not None:
        relative = clip.staged.relative_to(staging / "converted")
        target = staging / split / "wav" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(clip.staged, target)
        path = out_dir / split / "wav" / relative
    return {
        "path": str(path), "category": CATEGORIES[clip.category_id], "category_id": clip.category_id,
        "duration": fmt.num_samples / fmt.sample_rate, "sample_rate": fmt.sample_rate, "sha256": clip.sha256,
        "source": str(clip.source),
    }


def _log_summary(report: PrepareReport, files: list[Path], source: Path, out_dir: Path) -> None:
    counts = {split: len(entries) for split, entries in report.splits.items()}
    logger.info("prepared %s: %d audio files, %d converted, %d rejected (see %s); train %d, valid %d -> %s",
                source, len(files), report.converted, len(report.rejected), out_dir / REJECTED_NAME,
                counts.get("train", 0), counts.get("valid", 0), out_dir)
    present = {entry["category"] for entries in report.splits.values() for entry in entries}
    missing = [name for name in CATEGORIES if name not in present]
    if missing:
        logger.warning("no usable clip for categor%s %s", "y" if len(missing) == 1 else "ies", ", ".join(missing))
