"""The VGGish log-mel front end (as in Google's ``mel_features.py``), in float64 numpy, in two modes.

Constants (for 16 kHz audio): 400-sample periodic-Hann frames every 160 samples, no centering or padding
(incomplete tail frames dropped), magnitude of a 512-point FFT; 64 HTK-mel triangles between 125 and
7,500 Hz evaluated at the 257 bin centres, no area normalisation, DC row zeroed; natural log(mel + 0.01);
examples of 96 frames (0.96 s).

Modes (see docs/scoring.md):

``dcase2023``
    What the official DCASE 2023 Task 7 scorer feeds VGGish. The input is the file's raw sample values
    (int16 for PCM_16) at 22,050 Hz, divided as a whole clip by ``max(0.1, max(x))``; 16,000-sample
    windows every 8,000 samples, each giving one 96-frame example, with the 22,050 Hz samples treated as
    16 kHz (no resampling). A 4-s clip gives 10 examples.
``standard``
    The plain VGGish front end: a float waveform in [-1, 1], resampled to 16 kHz (soxr HQ) unless it is
    already at 16 kHz, cut into non-overlapping 96-frame examples. A 4-s clip gives 4 examples.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import soxr

from toolkit.errors import DataError

MODES = ("dcase2023", "standard")

SAMPLE_RATE = 16000
FRAME_LENGTH = 400  # round(16000 * 0.025)
FRAME_HOP = 160  # round(16000 * 0.010)
FFT_LENGTH = 512  # next power of two above the frame length
NUM_MEL_BANDS = 64
MEL_MIN_HZ = 125.0
MEL_MAX_HZ = 7500.0
LOG_OFFSET = 0.01
EXAMPLE_FRAMES = 96

DCASE_SAMPLE_RATE = 22050
DCASE_WINDOW = 16000
DCASE_HOP = 8000


def hertz_to_mel(hertz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: 1127 ln(1 + f / 700)."""
    return 1127.0 * np.log(1.0 + np.asarray(hertz, dtype=np.float64) / 700.0)


@lru_cache(maxsize=1)
def mel_matrix() -> np.ndarray:
    """The [257, 64] VGGish mel weight matrix (read-only)."""
    bins_mel = hertz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2.0, FFT_LENGTH // 2 + 1))[:, None]
    edges = np.linspace(hertz_to_mel(MEL_MIN_HZ), hertz_to_mel(MEL_MAX_HZ), NUM_MEL_BANDS + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel - lower) / (centre - lower)
    falling = (upper - bins_mel) / (upper - centre)
    matrix = np.maximum(0.0, np.minimum(rising, falling))
    matrix[0, :] = 0.0
    matrix.setflags(write=False)
    return matrix


@lru_cache(maxsize=1)
def _periodic_hann() -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(FRAME_LENGTH) / FRAME_LENGTH)


def log_mel(signal: np.ndarray) -> np.ndarray:
    """Log-mel frames [n_frames, 64] of a 1-D float64 signal taken to be at 16 kHz."""
    if signal.shape[0] < FRAME_LENGTH:
        return np.zeros((0, NUM_MEL_BANDS))
    frames = np.lib.stride_tricks.sliding_window_view(signal, FRAME_LENGTH)[::FRAME_HOP]
    magnitude = np.abs(np.fft.rfft(frames * _periodic_hann(), n=FFT_LENGTH))
    return np.log(magnitude @ mel_matrix() + LOG_OFFSET)


def _dcase_examples(waveform: np.ndarray) -> np.ndarray:
    signal = waveform.astype(np.float64)
    signal = signal / max(0.1, float(signal.max())) if signal.size else signal
    starts = range(0, signal.shape[0] - DCASE_WINDOW + 1, DCASE_HOP)
    examples = [log_mel(signal[start : start + DCASE_WINDOW])[:EXAMPLE_FRAMES] for start in starts]
    return np.stack(examples) if examples else np.zeros((0, EXAMPLE_FRAMES, NUM_MEL_BANDS))


def _standard_examples(waveform: np.ndarray, sample_rate: int) -> np.ndarray:
    signal = waveform.astype(np.float64)
    if sample_rate != SAMPLE_RATE:
        signal = soxr.resample(signal, sample_rate, SAMPLE_RATE, quality="HQ")
    frames = log_mel(signal)
    count = frames.shape[0] // EXAMPLE_FRAMES
    return frames[: count * EXAMPLE_FRAMES].reshape(count, EXAMPLE_FRAMES, NUM_MEL_BANDS)


def log_mel_examples(waveform: np.ndarray, mode: str, sample_rate: int) -> np.ndarray:
    """VGGish input examples [n, 96, 64] (float64) of a mono waveform.

    ``dcase2023``: ``waveform`` is the file's raw sample array (int16 values) at 22,050 Hz.
    ``standard``: ``waveform`` is float in [-1, 1] at ``sample_rate`` (resampled to 16 kHz if needed).
    """
    waveform = np.asarray(waveform)
    if waveform.ndim != 1:
        raise DataError(f"VGGish front end needs a mono 1-D waveform, got shape {waveform.shape}")
    if mode == "dcase2023":
        if sample_rate != DCASE_SAMPLE_RATE:
            raise DataError(
                f"dcase2023 mode reads 22,050 Hz files as the official scorer does, got {sample_rate} Hz; "
                "use mode 'standard' for other rates"
            )
        return _dcase_examples(waveform)
    if mode == "standard":
        return _standard_examples(waveform, sample_rate)
    raise DataError(f"unknown VGGish mode '{mode}'; choose one of: {', '.join(MODES)}")
