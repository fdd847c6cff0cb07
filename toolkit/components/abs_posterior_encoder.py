"""Contract of kind ``posterior_encoder``: linear spectrogram -> sampled latent and its statistics."""
from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn


class AbsPosteriorEncoder(nn.Module, ABC):
    """Maps a spectrogram [B, spec_channels, T] and global condition g [B, gin_channels, 1] to
    ``(z, m_q, logs_q)``, each [B, inter_channels, T], with z = m_q + eps * exp(logs_q)."""

    @abstractmethod
    def forward(self, spec: Tensor, g: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """Return ``(z, m_q, logs_q)``."""
