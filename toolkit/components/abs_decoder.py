"""Contract of kind ``decoder``: latent frames -> waveform(s)."""
from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn


class AbsDecoder(nn.Module, ABC):
    """Maps z [B, C, T] and g [B, gin_channels, 1] to waveforms.

    ``forward`` returns every output head as a list, lowest rate first, the last one full rate
    [B, 1, T * upsample_factor]; ``num_heads`` says how many. ``synthesize`` returns only the full-rate
    waveform and computes nothing the other heads need.
    """

    num_heads: int = 1
    upsample_factor: int = 256

    @abstractmethod
    def forward(self, z: Tensor, g: Tensor | None) -> list[Tensor]:
        """Return all heads, lowest rate first."""

    @abstractmethod
    def synthesize(self, z: Tensor, g: Tensor | None) -> Tensor:
        """Return the full-rate waveform [B, 1, T * upsample_factor]."""
