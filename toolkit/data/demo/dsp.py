"""Signal building blocks of the demo synthesiser: noises, filters, envelopes, tones, rooms.

Every function is pure numpy/scipy on float arrays at a given sample rate; randomness comes only from the
``numpy.random.Generator`` passed in, so a clip is a deterministic function of its seed.
"""
from __future__ import annotations

import numpy as np
from scipy import signal


def coloured_noise(rng: np.random.Generator, n: int, exponent: float = 0.0) -> np.ndarray:
    """Gaussian noise with a 1/f^exponent power spectrum (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2), n)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)


def _sos(kind: str, cutoff, sample_rate: int, order: int) -> np.ndarray:
    nyquist = sample_rate / 2
    cutoff = np.clip(np.asarray(cutoff, dtype=np.float64), 10.0, nyquist * 0.98)
    return signal.butter(order, cutoff, btype=kind, fs=sample_rate, output="sos")


def lowpass(x: np.ndarray, cutoff: float, sample_rate: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("lowpass", cutoff, sample_rate, order), x)


def highpass(x: np.ndarray, cutoff: float, sample_rate: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("highpass", cutoff, sample_rate, order), x)


def bandpass(x: np.ndarray, low: float, high: float, sample_rate: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("bandpass", [low, min(high, sample_rate * 0.49)], sample_rate, order), x)


def resonance(x: np.ndarray, freq: float, q: float, sample_rate: int) -> np.ndarray:
    """A peaking resonator (formant, cavity or body mode) at ``freq`` Hz with quality factor ``q``."""
    b, a = signal.iirpeak(min(freq, sample_rate * 0.45), q, fs=sample_rate)
    return signal.lfilter(b, a, x)


def decay_envelope(n: int, attack: float, tau: float, sample_rate: int) -> np.ndarray:
    """Linear rise over ``attack`` seconds, then exponential decay with time constant ``tau`` seconds."""
    t = np.arange(n) / sample_rate
    rise = np.clip(t / max(attack, 1e-4), 0.0, 1.0)
    return rise * np.exp(-np.maximum(t - attack, 0.0) / tau)


def hump_envelope(n: int, attack_fraction: float = 0.2) -> np.ndarray:
    """A smooth 0 → 1 → 0 shape whose peak sits at ``attack_fraction`` of the length."""
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    peak = np.clip(attack_fraction, 0.05, 0.95)
    rise = np.sin(0.5 * np.pi * np.clip(t / peak, 0, 1))
    fall = np.cos(0.5 * np.pi * np.clip((t - peak) / (1 - peak), 0, 1))
    return np.where(t < peak, rise, fall)


def harmonic_tone(f0: np.ndarray, amplitudes: np.ndarray, sample_rate: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Sum of harmonics k*f0(t) (``amplitudes[k-1]``) following the per-sample pitch contour ``f0``."""
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate + rng.uniform(0, 2 * np.pi)
    out = np.zeros_like(f0)
    for k, amplitude in enumerate(amplitudes, start=1):
        audible = (k * f0 < sample_rate * 0.45).astype(np.float64)
        out += amplitude * audible * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    return out


def add_at(out: np.ndarray, event: np.ndarray, start: int) -> None:
    """Mix ``event`` into ``out`` from sample ``start``, cutting whatever falls outside."""
    if start >= out.size or start + event.size <= 0:
        return
    begin = max(start, 0)
    end = min(start + event.size, out.size)
    out[begin:end] += event[begin - start:end - start]


def room(x: np.ndarray, rng: np.random.Generator, rt60: float, wet: float, sample_rate: int,
         brightness: float = 6000.0) -> np.ndarray:
    """Convolve with a synthetic room: decaying noise tail (60 dB down after ``rt60`` s), mixed ``wet``."""
    length = max(int(rt60 * sample_rate), 32)
    tail = rng.standard_normal(length) * np.exp(-6.9 * np.arange(length) / length)
    tail = lowpass(tail, brightness, sample_rate)
    tail /= np.sqrt(np.sum(tail ** 2)) + 1e-12
    reverberant = signal.fftconvolve(x, tail)[: x.size]
    return (1 - wet) * x + wet * reverberant * (np.sqrt(np.mean(x ** 2)) / (np.sqrt(np.mean(reverberant ** 2)) + 1e-12))


def normalise_peak(x: np.ndarray, peak: float) -> np.ndarray:
    return x * (peak / (np.max(np.abs(x)) + 1e-12))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2)))
