"""Finding and validating the audio sets to score: ``<root>/<category>/*.wav`` in either folder layout,
or the clips a prepared manifest lists.

Category folders are matched case- and underscore-insensitively (``Sneeze_Cough`` as the baseline writes,
``sneeze_cough`` as the official scorer reads). Files are checked like the official DCASE 2023 scorer
checks them: 22,050 Hz, mono, exactly 88,200 samples; in ``dcase2023`` mode the generated set must also
hold exactly 100 files per category for all seven categories.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.io import wavfile

from toolkit.categories import CATEGORIES, category_id, is_category
from toolkit.data.manifest import read_manifest
from toolkit.errors import DataError
from toolkit.fileio import wav_files

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22050
NUM_SAMPLES = 88200
DCASE_FILES_PER_CATEGORY = 100


@dataclass(frozen=True)
class AudioSet:
    """The WAV files of one set, by category (CamelCase names, class-id order)."""

    root: Path
    files: dict[str, list[Path]]

    @property
    def categories(self) -> list[str]:
        return list(self.files)

    def all_files(self) -> list[Path]:
        return [path for paths in self.files.values() for path in paths]


def category_folders(root: str | Path, what: str) -> dict[str, Path]:
    """``{CamelCase category: folder}`` for the category subfolders of ``root``, in class-id order.

    Folders that name no category are ignored (logged); two folders naming the same category are an error.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{what} folder {root} does not exist")
    found: dict[str, Path] = {}
    for child in sorted(root.iterdir()):
        if not child.is_dir():
            continue
        if not is_category(child.name):
            logger.info("ignoring %s: not a category folder", child)
            continue
        name = CATEGORIES[category_id(child.name)]
        if name in found:
            raise DataError(
                f"{what} folder {root} has two folders for category {name}: {found[name].name} and "
                f"{child.name}; keep one layout (CamelCase or snake_case)"
            )
        found[name] = child
    if not found:
        raise DataError(
            f"{what} folder {root} has no category subfolders; expected e.g. {root}/{CATEGORIES[0]}/*.wav "
            "or the snake_case layout"
        )
    return {name: found[name] for name in CATEGORIES if name in found}


def _unreadable(path: str | Path, what: str, exc: Exception) -> DataError:
    return DataError(f"{path}: cannot be read as {what} ({str(exc).strip() or type(exc).__name__})")


def check_clip(path: Path) -> None:
    """Raise one clear :class:`DataError` unless ``path`` is a readable 22,050 Hz mono 88,200-sample WAV."""
    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types for corrupt or non-audio files
        raise _unreadable(path, "audio", exc) from None
    problems = []
    if info.samplerate != SAMPLE_RATE:
        problems.append(f"sample rate {info.samplerate} Hz (need {SAMPLE_RATE})")
    if info.channels != 1:
        problems.append(f"{info.channels} channels (need mono)")
    if info.frames != NUM_SAMPLES:
        problems.append(f"{info.frames} samples (need {NUM_SAMPLES}, i.e. 4 s)")
    if problems:
        raise DataError(f"{path}: {', '.join(problems)}; convert it or regenerate the set")


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
    """The clips a prepared manifest lists (e.g. the validation split), by category, validated."""
    files: dict[str, list[Path]] = {}
    for entry in read_manifest(manifest):
        files.setdefault(CATEGORIES[int(entry["category_id"])], []).append(Path(entry["path"]))
    for path in (p for paths in files.values() for p in paths):
        check_clip(path)
    if not files:
        raise DataError(f"{what} manifest {manifest} lists no clips")
    return AudioSet(manifest, {name: files[name] for name in CATEGORIES if name in files})


def find_audio_set(root: str | Path, what: str, exact_count: int | None = None) -> AudioSet:
    """Discover and validate every ``*.wav`` of ``root`` (a folder, or a prepared ``.jsonl`` manifest);
    ``exact_count`` also requires all 7 categories."""
    if Path(root).suffix == ".jsonl" and Path(root).is_file():
        return manifest_audio_set(Path(root), what)
    folders = category_folders(root, what)
    if exact_count is not None:
        missing = [name for name in CATEGORIES if name not in folders]
        if missing:
            raise DataError(
                f"{what} folder {root} is missing category folder(s) {', '.join(missing)} "
                f"(dcase2023 mode needs all {len(CATEGORIES)} categories)"
            )
    files: dict[str, list[Path]] = {}
    for name, folder in folders.items():
        paths = wav_files(folder)
        if not paths:
            raise DataError(f"{what} category folder {folder} contains no .wav files")
        if exact_count is not None and len(paths) != exact_count:
            raise DataError(
                f"{what} category folder {folder} has {len(paths)} .wav files; dcase2023 mode needs exactly "
                f"{exact_count} per category, as the official scorer (use --mode standard otherwise)"
            )
        for path in paths:
            check_clip(path)
        files[name] = paths
    return AudioSet(Path(root), files)
