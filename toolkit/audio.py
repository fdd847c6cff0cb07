"""Audio files for datasets: read any format soundfile knows, check it, convert it to the DCASE clip format.

The DCASE 2023 Task 7 clip format is 22,050 Hz, mono, 16-bit PCM WAV of exactly 88,200 samples (4 s).
Spectrograms live in :mod:`toolkit.features`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from toolkit.errors import DataError
from toolkit.fileio import atomic_open

#: Largest sample value written to 16-bit PCM without clipping.
PCM16_PEAK = 32767 / 32768


@dataclass(frozen=True)
class ClipFormat:
    """The target format of prepared clips."""

    sample_rate: int = 22050
    num_samples: int = 88200
    subtype: str = "PCM_16"

    def matches(self, info) -> bool:
        """Whether a file described by ``soundfile.info`` is already in this format (no conversion needed)."""
        return (info.format == "WAV" and info.subtype == self.subtype and info.channels == 1
                and info.samplerate == self.sample_rate and info.frames == self.num_samples)


def format_mismatch(path: str | Path, fmt: ClipFormat) -> str:
    """Why ``path`` is not a mono clip of ``fmt.sample_rate`` Hz and ``fmt.num_samples`` samples ("" when it is
    one; any encoding): e.g. ``"48000 Hz, 2 channels, 96000 samples"`` or ``"not readable audio"``."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError):
        return "not readable audio"
    if (info.samplerate, info.channels, info.frames) == (fmt.sample_rate, 1, fmt.num_samples):
        return ""
    return f"{info.samplerate} Hz, {info.channels} channel{'s' if info.channels != 1 else ''}, {info.frames} samples"


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples as float32 [channels, frames] and the sample rate; any unusable file is a :class:`DataError`.

    Unusable: missing, empty, not decodable, no frames, or non-finite samples (NaN or Inf).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file")
    try:
        samples, sample_rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not readable audio ({exc})") from None
    if samples.shape[0] == 0:
        raise DataError(f"{path}: no audio frames")
    if not np.isfinite(samples).all():
        raise DataError(f"{path}: non-finite samples (NaN or Inf)")
    return np.ascontiguousarray(samples.T), int(sample_rate)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average of the channels of [channels, frames] (or the input itself when it is already 1-D)."""
    return samples if samples.ndim == 1 else samples.mean(axis=0)


def resample(samples: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Band-limited resampling with soxr (high quality), along the last axis."""
    if orig_sr == target_sr:
        return samples
    return librosa.resample(samples, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq").astype(np.float32)


def fit_length(samples: np.ndarray, num_samples: int) -> np.ndarray:
    """Crop the end off, or right-pad with zeros, to exactly ``num_samples`` (last axis)."""
    length = samples.shape[-1]
    if length >= num_samples:
        return samples[..., :num_samples]
    padding = [(0, 0)] * (samples.ndim - 1) + [(0, num_samples - length)]
    return np.pad(samples, padding)


def limit_peak(samples: np.ndarray, peak: float = PCM16_PEAK) -> np.ndarray:
    """Scale down (never up) so that no sample exceeds ``peak``: 16-bit PCM cannot hold more."""
    current = float(np.max(np.abs(samples))) if samples.size else 0.0
    return samples * (peak / current) if current > peak else samples


def convert(samples: np.ndarray, sample_rate: int, fmt: ClipFormat = ClipFormat()) -> np.ndarray:
    """Mono, resampled to ``fmt.sample_rate``, cropped or padded to ``fmt.num_samples``, peak-limited."""
    mono = resample(to_mono(samples), sample_rate, fmt.sample_rate)
    return limit_peak(fit_length(mono, fmt.num_samples)).astype(np.float32)


def write_clip(path: str | Path, samples: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> None:
    """Write a mono clip as WAV atomically (a reader never sees half a file)."""
    with atomic_open(path, "wb") as handle:
        sf.write(handle, samples, sample_rate, subtype=subtype, format="WAV")
