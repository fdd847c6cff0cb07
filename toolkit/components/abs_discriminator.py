"""Contract of kind ``discriminator``: real and generated waveforms -> logits and feature maps."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from torch import Tensor, nn


@dataclass
class DiscriminatorOutput:
    """Per sub-discriminator: logits for real and fake, and their feature maps (same structure)."""

    real_logits: list[Tensor]
    fake_logits: list[Tensor]
    real_features: list[list[Tensor]]
    fake_features: list[list[Tensor]]

    def add_joint(self, logits: Tensor, features: list[Tensor], batch: int) -> None:
        """Append one sub-discriminator's outputs for ``cat([real, fake])``: the first ``batch`` rows are real."""
        self.real_logits.append(logits[:batch])
        self.fake_logits.append(logits[batch:])
        self.real_features.append([f[:batch] for f in features])
        self.fake_features.append([f[batch:] for f in features])


class AbsDiscriminator(nn.Module, ABC):
    """Scores a real waveform [B, 1, N] against the generator's heads (lowest rate first, the last one
    full rate [B, 1, N]). A discriminator that uses only the full-rate signal ignores the other heads."""

    @abstractmethod
    def forward(self, real: Tensor, fake_heads: list[Tensor]) -> DiscriminatorOutput:
        """Return logits and feature maps for real and fake."""
