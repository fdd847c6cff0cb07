"""Spectral features with ``torch.stft`` and librosa's mel filters (no torchaudio; see README).

The settings follow the VIFS reference: reflect padding of (n_fft - hop) / 2 on each side, ``center=False``,
Hann window, magnitude sqrt(re^2 + im^2 + 1e-6); slaney mel filters; natural log clamped at 1e-5.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import librosa
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class STFTSettings:
    """Everything that determines a spectrogram; part of the feature-cache key."""

    sample_rate: int = 22050
    n_fft: int = 1024
    hop_length: int = 256
    win_length: int = 1024
    n_mels: int = 80
    fmin: float = 0.0
    fmax: float | None = None

    @property
    def n_freqs(self) -> int:
        return self.n_fft // 2 + 1

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=8)
def _mel_basis(settings: STFTSettings) -> np.ndarray:
    return librosa.filters.mel(
        sr=settings.sample_rate, n_fft=settings.n_fft, n_mels=settings.n_mels,
        fmin=settings.fmin, fmax=settings.fmax,
    ).astype(np.float32)


@lru_cache(maxsize=16)
def mel_basis(settings: STFTSettings, device=None, dtype=torch.float32) -> Tensor:
    """Slaney-normalised mel filterbank [n_mels, n_freqs], cached per device and dtype (no host sync per call)."""
    return torch.from_numpy(_mel_basis(settings)).to(device=device, dtype=dtype)


def linear_spectrogram(audio: Tensor, settings: STFTSettings = STFTSettings()) -> Tensor:
    """Magnitude spectrogram [B, n_freqs, frames] of ``audio`` [B, N] or [B, 1, N], computed in fp32."""
    if audio.dim() == 3:
        audio = audio.squeeze(1)
    audio = audio.float()
    pad = (settings.n_fft - settings.hop_length) // 2
    audio = F.pad(audio.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window = torch.hann_window(settings.win_length, device=audio.device, dtype=audio.dtype)
    spec = torch.stft(
        audio, settings.n_fft, hop_length=settings.hop_length, win_length=settings.win_length,
        window=window, center=False, return_complex=True,
    )
    return torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-6)


def spec_to_mel(spec: Tensor, settings: STFTSettings = STFTSettings()) -> Tensor:
    """Log-mel [B, n_mels, frames] from a linear magnitude spectrogram [B, n_freqs, frames]."""
    basis = mel_basis(settings, spec.device, spec.dtype)
    return torch.log(torch.clamp(torch.matmul(basis, spec), min=1e-5))


def mel_spectrogram(audio: Tensor, settings: STFTSettings = STFTSettings()) -> Tensor:
    """Log-mel [B, n_mels, frames] of ``audio`` [B, N] or [B, 1, N]."""
    return spec_to_mel(linear_spectrogram(audio, settings), settings)
