"""HiFi-GAN's ResBlock1 (the "MRF" branch) with a pluggable activation."""
from __future__ import annotations

from typing import Callable, Sequence

from torch import Tensor, nn

from toolkit.blocks.commons import same_padding, weight_norm

#: Builds the activation module placed before a convolution, from its LeakyReLU slope.
ActivationFactory = Callable[[float], nn.Module]

RESBLOCK_SLOPE = 0.1


def leaky_relu(slope: float) -> nn.Module:
    """The plain activation: ``nn.LeakyReLU(slope)``."""
    return nn.LeakyReLU(slope)


class ResBlock1(nn.Module):
    """For each dilation d: x += conv_1(act(conv_d(act(x)))), all convs weight-normed and length-keeping."""

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        dilations: Sequence[int],
        activation: ActivationFactory = leaky_relu,
    ):
        super().__init__()
        self.convs1 = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=same_padding(kernel_size, d)))
            for d in dilations
        )
        self.convs2 = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size, padding=same_padding(kernel_size)))
            for _ in dilations
        )
        self.acts1 = nn.ModuleList(activation(RESBLOCK_SLOPE) for _ in dilations)
        self.acts2 = nn.ModuleList(activation(RESBLOCK_SLOPE) for _ in dilations)

    def forward(self, x: Tensor) -> Tensor:
        for conv1, conv2, act1, act2 in zip(self.convs1, self.convs2, self.acts1, self.acts2):
            x = x + conv2(act2(conv1(act1(x))))
        return x
