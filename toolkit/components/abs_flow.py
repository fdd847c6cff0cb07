"""Contract of kind ``flow``: an invertible map between posterior latents and prior space."""
from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn


class AbsFlow(nn.Module, ABC):
    """Maps x [B, C, T] to the same shape, conditioned on g [B, gin_channels, 1]; ``reverse=True``
    is the exact inverse (z_p -> z at inference)."""

    @abstractmethod
    def forward(self, x: Tensor, g: Tensor | None, reverse: bool = False) -> Tensor:
        """Return the transformed tensor (same shape as ``x``)."""
