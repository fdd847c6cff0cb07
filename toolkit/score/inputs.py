"""Finding and validating the audio sets to score: ``<root>/<category>/*.wav`` (a generated set's
``audio/`` folder, any folder of category folders) or the clips a prepared manifest lists.

Every clip must be a readable mono WAV in the set's own format: the rate and length its ``generate.yaml``
or manifest records, else those of its first clip. In ``dcase2023`` mode the set is checked as the
official DCASE 2023 scorer checks it: the seven categories (folder names matched tolerantly, either
layout), 22,050 Hz, exactly 88,200 samples and exactly 100 files per category.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml
from scipy.io import wavfile

from toolkit import dcase
from toolkit.audio import ClipFormat
from toolkit.categories import CategorySet, category_folders
from toolkit.data.manifest import read_manifest
from toolkit.errors import DataError
from toolkit.fileio import wav_files

logger = logging.getLogger(__name__)

#: What a generated set records about itself (next to its ``audio/`` folder).
GENERATE_RECORD = "generate.yaml"


@dataclass(frozen=True)
class AudioSet:
    """The WAV files of one set, by category (class-id order), and their common format."""

    root: Path
    files: dict[str, list[Path]]
    fmt: ClipFormat

    @property
    def categories(self) -> list[str]:
        return list(self.files)

    def all_files(self) -> list[Path]:
        return [path for paths in self.files.values() for path in paths]

    def renamed(self, names: dict[str, str]) -> "AudioSet":
        """The same set with categories renamed by ``names`` (old -> new; others kept)."""
        return AudioSet(self.root, {names.get(name, name): paths for name, paths in self.files.items()}, self.fmt)


def _unreadable(path: str | Path, what: str, exc: Exception) -> DataError:
    return DataError(f"{path}: cannot be read as {what} ({str(exc).strip() or type(exc).__name__})")


def check_clip(path: Path, fmt: ClipFormat | None) -> ClipFormat:
    """Raise one clear :class:`DataError` unless ``path`` is a readable mono WAV in ``fmt`` (any format
    when None); returns the clip's format."""
    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types for corrupt or non-audio files
        raise _unreadable(path, "audio", exc) from None
    problems = []
    if fmt is not None and info.samplerate != fmt.sample_rate:
        problems.append(f"sample rate {info.samplerate} Hz (need {fmt.sample_rate}, as the rest of the set)")
    if info.channels != 1:
        problems.append(f"{info.channels} channels (need mono)")
    if fmt is not None and info.frames != fmt.num_samples:
        problems.append(f"{info.frames} samples (need {fmt.num_samples}, i.e. {fmt.num_samples / fmt.sample_rate:g} s)")
    if problems:
        raise DataError(f"{path}: {', '.join(problems)}; convert it or regenerate the set")
    return ClipFormat(info.samplerate, info.frames)


def check_clips(files: list[Path], fmt: ClipFormat | None) -> ClipFormat:
    """Check every file against ``fmt`` (None: the first file's format); returns the set's format."""
    for path in files:
        fmt = fmt or check_clip(path, None)
        check_clip(path, fmt)
    if fmt is None:
        raise DataError("no clips to check")
    return fmt


def read_float_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float64 waveform in [-1, 1] (int16 / 32768 for PCM_16; channels averaged) and its rate."""
    try:
        audio, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as exc:
        raise _unreadable(path, "audio", exc) from None
    return audio.mean(axis=1), rate


def read_raw_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """The WAV's sample values as stored (int16 for PCM_16), as ``scipy.io.wavfile`` returns them to the
    official DCASE scorer; channels averaged as VGGish's input code does. Returns (samples, rate)."""
    try:
        rate, data = wavfile.read(str(path))
    except Exception as exc:
        raise _unreadable(path, "a WAV file", exc) from None
    return (data.mean(axis=1) if data.ndim > 1 else data), rate


def manifest_audio_set(manifest: Path, what: str) -> AudioSet:
    """The clips a prepared manifest lists (e.g. the validation split), by category id, validated against
    the rate and length the manifest records."""
    entries = sorted(read_manifest(manifest), key=lambda e: int(e["category_id"]))
    if not entries:
        raise DataError(f"{what} manifest {manifest} lists no clips")
    files: dict[str, list[Path]] = {}
    for entry in entries:
        files.setdefault(str(entry["category"]), []).append(Path(entry["path"]))
    rate = int(entries[0]["sample_rate"])
    fmt = check_clips([p for paths in files.values() for p in paths],
                      ClipFormat(rate, round(float(entries[0]["duration"]) * rate)))
    return AudioSet(manifest, files, fmt)


def generated_record(root: Path) -> dict:
    """The ``generate.yaml`` of a generated set (``root`` is the set or its ``audio/`` folder), or {}."""
    for folder in (root, root.parent):
        path = folder / GENERATE_RECORD
        if path.is_file():
            try:
                record = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
            return record if isinstance(record, dict) else {}
    return {}


def _record_format(record: dict) -> tuple[CategorySet | None, ClipFormat | None]:
    categories = CategorySet(tuple(record["categories"])) if record.get("categories") else None
    fmt = None
    if record.get("sample_rate") and record.get("clip_samples"):
        fmt = ClipFormat(int(record["sample_rate"]), int(record["clip_samples"]))
    return categories, fmt


def find_audio_set(root: str | Path, what: str, dcase2023: bool = False) -> AudioSet:
    """Discover and validate every ``*.wav`` of ``root`` (a folder, or a prepared ``.jsonl`` manifest).

    ``dcase2023``: the official scorer's rules (all seven categories, 22,050 Hz, 88,200 samples, exactly
    100 files per category).
    """
    root = Path(root)
    if root.suffix == ".jsonl" and root.is_file():
        return manifest_audio_set(root, what)
    if not root.is_dir():
        raise DataError(f"{what} folder {root} does not exist")
    if dcase2023:
        categories, fmt = dcase.CATEGORIES, ClipFormat(dcase.SAMPLE_RATE, dcase.CLIP_SAMPLES)
    else:
        categories, fmt = _record_format(generated_record(root))
    folders = category_folders(root, categories, what)
    if dcase2023:
        missing = [name for name in dcase.CATEGORIES if name not in folders]
        if missing:
            raise DataError(
                f"{what} folder {root} is missing category folder(s) {', '.join(missing)} "
                f"(dcase2023 mode needs all {len(dcase.CATEGORIES)} categories)"
            )
    if not folders:
        raise DataError(f"{what} folder {root} has no category subfolders; expected {root}/<Category>/*.wav")
    files: dict[str, list[Path]] = {}
    for name, folder in folders.items():
        paths = wav_files(folder)
        others = sorted(p.name for p in Path(folder).iterdir() if p.is_file() and p not in paths)
        if others:
            logger.warning("%s: ignoring %s (only .wav files are scored)", folder, ", ".join(others))
        if not paths:
            raise DataError(f"{what} category folder {folder} contains no .wav files")
        if dcase2023 and len(paths) != dcase.CLIPS_PER_CATEGORY:
            raise DataError(
                f"{what} category folder {folder} has {len(paths)} .wav files; dcase2023 mode needs exactly "
                f"{dcase.CLIPS_PER_CATEGORY} per category, as the official scorer (use --mode standard otherwise)"
            )
        files[name] = paths
    fmt = check_clips([p for paths in files.values() for p in paths], fmt)
    return AudioSet(root, files, fmt)
