"""Contract of kind ``augmentation``: a differentiable transform applied alike to real and fake audio."""
from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn


class AbsAugmentation(nn.Module, ABC):
    """Maps full-rate ``(real, fake)`` [B, 1, N] to augmented ``(real, fake)`` of the same shapes, with
    the same random draw applied to both; a new draw on every call. Runs in fp32."""

    @abstractmethod
    def forward(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """Return the augmented pair."""
