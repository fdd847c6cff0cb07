"""The ``none`` augmentation: real and fake pass through unchanged."""
from __future__ import annotations

from torch import Tensor

from toolkit.components.abs_augmentation import AbsAugmentation


class NoAugmentation(AbsAugmentation):
    """Identity on ``(real, fake)``."""

    def forward(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        return real, fake
