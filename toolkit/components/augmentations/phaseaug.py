"""PhaseAug (package ``phaseaug``): one random, smooth phase rotation of the STFT applied to real and
fake alike, a new draw per call, computed in fp32 with autocast disabled (VIFS_SPEC §8)."""
from __future__ import annotations

import torch
from phaseaug.phaseaug import PhaseAug
from torch import Tensor

from toolkit.components.abs_augmentation import AbsAugmentation
from toolkit.errors import ContractError


class PhaseAugmentation(AbsAugmentation):
    """Wraps :class:`phaseaug.PhaseAug` (``forward_sync``) for full-rate [B, 1, N] waveforms, N a
    multiple of ``hop_length``."""

    def __init__(
        self,
        hop_length: int = 256,
        nfft: int = 1024,
        var: float = 6.0,
        delta_max: float = 2.0,
        use_filter: bool = True,
        cutoff: float = 0.05,
        half_width: float = 0.012,
        kernel_size: int = 128,
    ):
        super().__init__()
        self.hop_length = hop_length
        self.phaseaug = PhaseAug(
            nfft=nfft, hop=hop_length, use_filter=use_filter, var=var, delta_max=delta_max,
            cutoff=cutoff, half_width=half_width, kernel_size=kernel_size,
        )

    def forward(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        if real.shape != fake.shape or real.size(-1) % self.hop_length:
            raise ContractError(
                f"augmentation 'phaseaug' needs real and fake of one shape [B, 1, N] with N a multiple of "
                f"{self.hop_length}; got {tuple(real.shape)} and {tuple(fake.shape)}"
            )
        with torch.autocast(device_type=real.device.type, enabled=False):
            real_aug, fake_aug = self.phaseaug.forward_sync(real.float(), fake.float())
        return real_aug, fake_aug
