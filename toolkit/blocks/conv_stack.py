"""A stack of weight-normed 1-D convolutions with LeakyReLU, ending in a 1-channel output conv: the
building block of HiFi-GAN's scale discriminator and of Avocodo's CoMBD blocks."""
from __future__ import annotations

from typing import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from toolkit.blocks.commons import weight_norm


class ConvStack1d(nn.Module):
    """``convs[i]``: Conv1d(channels[i-1] -> channels[i], kernels[i], strides[i], groups[i], paddings[i]),
    each followed by LeakyReLU(``slope``) and kept as a feature map; then ``projection`` to one channel.

    ``logits_as_feature`` also appends the projection's output to the feature maps (HiFi-GAN / VITS do).
    """

    def __init__(
        self,
        channels: Sequence[int],
        kernels: Sequence[int],
        strides: Sequence[int],
        groups: Sequence[int],
        paddings: Sequence[int],
        projection_kernel: int,
        projection_padding: int,
        slope: float,
        logits_as_feature: bool,
    ):
        super().__init__()
        lengths = {len(channels), len(kernels), len(strides), len(groups), len(paddings)}
        if len(lengths) != 1:
            raise ValueError("conv stack: channels, kernels, strides, groups and paddings need equal lengths")
        ins = [1, *channels[:-1]]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv1d(i, o, k, stride=s, groups=g, padding=p))
            for i, o, k, s, g, p in zip(ins, channels, kernels, strides, groups, paddings)
        )
        self.projection = weight_norm(nn.Conv1d(channels[-1], 1, projection_kernel, padding=projection_padding))
        self.slope = slope
        self.logits_as_feature = logits_as_feature

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        features = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), self.slope)
            features.append(x)
        x = self.projection(x)
        if self.logits_as_feature:
            features.append(x)
        return x, features
