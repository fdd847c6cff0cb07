"""VITS's discriminator set: one scale discriminator on the waveform (``msd``) and HiFi-GAN's period
discriminators (``mpd``), in that output order (VIFS_SPEC appendix A)."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from toolkit.blocks.commons import same_padding, weight_norm
from toolkit.blocks.conv_stack import ConvStack1d
from toolkit.components.abs_discriminator import AbsDiscriminator, DiscriminatorOutput

SLOPE = 0.1


class PeriodDiscriminator(nn.Module):
    """Reflect-pads the waveform to a multiple of ``period``, folds it to [B, 1, N/p, p] and applies
    (k x 1) Conv2ds; every output, the logits included, is a feature map (as in VITS)."""

    def __init__(self, period: int, channels: Sequence[int], kernel_size: int, stride: int):
        super().__init__()
        self.period = period
        ins = [1, *channels[:-1]]
        strides = [stride] * (len(channels) - 1) + [1]
        pad = (same_padding(kernel_size), 0)
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(i, o, (kernel_size, 1), (s, 1), padding=pad))
            for i, o, s in zip(ins, channels, strides)
        )
        self.conv_post = weight_norm(nn.Conv2d(channels[-1], 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        b, c, t = x.shape
        if t % self.period:
            x = F.pad(x, (0, self.period - t % self.period), mode="reflect")
        x = x.view(b, c, -1, self.period)
        features = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), SLOPE)
            features.append(x)
        x = self.conv_post(x)
        features.append(x)
        return x, features


class MultiPeriodScaleDiscriminator(AbsDiscriminator):
    """Children ``msd`` (one :class:`ConvStack1d` on the raw waveform) and ``mpd`` (one
    :class:`PeriodDiscriminator` per period). Uses only the full-rate head."""

    def __init__(
        self,
        periods: Sequence[int] = (2, 3, 5, 7, 11),
        period_channels: Sequence[int] = (32, 128, 512, 1024, 1024),
        period_kernel_size: int = 5,
        period_stride: int = 3,
        scale_channels: Sequence[int] = (16, 64, 256, 1024, 1024, 1024),
        scale_kernels: Sequence[int] = (15, 41, 41, 41, 41, 5),
        scale_strides: Sequence[int] = (1, 4, 4, 4, 4, 1),
        scale_groups: Sequence[int] = (1, 4, 16, 64, 256, 1),
        scale_paddings: Sequence[int] = (7, 20, 20, 20, 20, 2),
    ):
        super().__init__()
        self.msd = ConvStack1d(
            scale_channels, scale_kernels, scale_strides, scale_groups, scale_paddings,
            projection_kernel=3, projection_padding=1, slope=SLOPE, logits_as_feature=True,
        )
        self.mpd = nn.ModuleList(
            PeriodDiscriminator(p, period_channels, period_kernel_size, period_stride) for p in periods
        )

    def forward(self, real: Tensor, fake_heads: list[Tensor]) -> DiscriminatorOutput:
        fake = fake_heads[-1]
        batch = real.size(0)
        both = torch.cat([real, fake], dim=0)
        out = DiscriminatorOutput([], [], [], [])
        for disc in [self.msd, *self.mpd]:
            logits, features = disc(both)
            logits = logits.flatten(1)
            out.add_joint(logits, features, batch)
        return out
