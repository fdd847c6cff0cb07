"""HiFi-GAN V1 generator conditioned on the category (VITS), with one output head or with the
multi-scale heads of PITS/VIFS (VIFS_SPEC §6)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from toolkit.blocks.commons import weight_norm
from toolkit.blocks.resblock import ActivationFactory, ResBlock1, leaky_relu
from toolkit.components.abs_decoder import AbsDecoder
from toolkit.errors import ConfigError

UPSAMPLE_SLOPE = 0.1
#: HiFi-GAN applies F.leaky_relu with PyTorch's default slope before every output conv (kept as in VITS).
HEAD_SLOPE = 0.01


class HiFiGANDecoder(AbsDecoder):
    """conv_pre (+ cond(g)) -> per stage [act -> weight-normed ConvTranspose1d -> mean of ResBlock1s];
    the last ``num_heads`` stages each feed an output head act -> Conv1d(ch->1, k7, no bias) -> tanh."""

    def __init__(
        self,
        inter_channels: int = 192,
        gin_channels: int = 192,
        hop_length: int = 256,
        upsample_rates: Sequence[int] = (8, 8, 2, 2),
        upsample_kernel_sizes: Sequence[int] = (16, 16, 4, 4),
        upsample_initial_channel: int = 512,
        resblock_kernel_sizes: Sequence[int] = (3, 7, 11),
        resblock_dilation_sizes: Sequence[Sequence[int]] = ((1, 3, 5), (1, 3, 5), (1, 3, 5)),
        num_heads: int = 1,
    ):
        super().__init__()
        self._check(hop_length, upsample_rates, upsample_kernel_sizes, resblock_kernel_sizes, resblock_dilation_sizes, num_heads)
        activation = self.activation_factory()
        self.num_heads = num_heads
        self.upsample_factor = math.prod(upsample_rates)
        self.num_kernels = len(resblock_kernel_sizes)
        self.conv_pre = nn.Conv1d(inter_channels, upsample_initial_channel, 7, padding=3)
        self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1) if gin_channels > 0 else None
        channels = [upsample_initial_channel // 2**i for i in range(len(upsample_rates) + 1)]
        self.up_acts = nn.ModuleList(activation(UPSAMPLE_SLOPE) for _ in upsample_rates)
        self.ups = nn.ModuleList(
            weight_norm(nn.ConvTranspose1d(channels[i], channels[i + 1], k, stride=u, padding=(k - u) // 2))
            for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernel_sizes))
        )
        self.resblocks = nn.ModuleList(
            ResBlock1(channels[i + 1], k, d, activation)
            for i in range(len(upsample_rates))
            for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes)
        )
        head_channels = channels[-num_heads:]
        self.head_acts = nn.ModuleList(activation(HEAD_SLOPE) for _ in head_channels)
        self.conv_posts = nn.ModuleList(nn.Conv1d(ch, 1, 7, padding=3, bias=False) for ch in head_channels)

    @staticmethod
    def activation_factory() -> ActivationFactory:
        """The activation placed before every convolution (plain LeakyReLU here)."""
        return leaky_relu

    @staticmethod
    def _check(hop_length, upsample_rates, upsample_kernel_sizes, resblock_kernel_sizes, resblock_dilation_sizes, num_heads):
        if math.prod(upsample_rates) != hop_length:
            raise ConfigError(
                f"decoder upsample_rates {list(upsample_rates)} multiply to {math.prod(upsample_rates)}, "
                f"but model.hop_length is {hop_length}: they must be equal"
            )
        if len(upsample_kernel_sizes) != len(upsample_rates):
            raise ConfigError("decoder upsample_kernel_sizes must have one entry per upsample_rates entry")
        if len(resblock_kernel_sizes) != len(resblock_dilation_sizes):
            raise ConfigError("decoder resblock_dilation_sizes must have one entry per resblock_kernel_sizes entry")
        if not 1 <= num_heads <= len(upsample_rates):
            raise ConfigError(f"decoder num_heads must be between 1 and {len(upsample_rates)}, got {num_heads}")

    def _run(self, z: Tensor, g: Tensor | None, all_heads: bool) -> list[Tensor]:
        x = self.conv_pre(z)
        if self.cond is not None and g is not None:
            x = x + self.cond(g)
        n_stages = len(self.ups)
        first_head = n_stages - self.num_heads
        heads = []
        for i, (act, up) in enumerate(zip(self.up_acts, self.ups)):
            x = up(act(x))
            blocks = self.resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]
            x = torch.stack([block(x) for block in blocks]).mean(0)
            if i >= first_head and (all_heads or i == n_stages - 1):
                head = i - first_head
                heads.append(torch.tanh(self.conv_posts[head](self.head_acts[head](x))))
        return heads

    def forward(self, z: Tensor, g: Tensor | None) -> list[Tensor]:
        return self._run(z, g, all_heads=True)

    def synthesize(self, z: Tensor, g: Tensor | None) -> Tensor:
        return self._run(z, g, all_heads=False)[-1]


class MultiScaleHiFiGANDecoder(HiFiGANDecoder):
    """:class:`HiFiGANDecoder` with three heads (1/4, 1/2 and full rate), as in PITS and VIFS."""

    def __init__(
        self,
        inter_channels: int = 192,
        gin_channels: int = 192,
        hop_length: int = 256,
        upsample_rates: Sequence[int] = (8, 8, 2, 2),
        upsample_kernel_sizes: Sequence[int] = (16, 16, 4, 4),
        upsample_initial_channel: int = 512,
        resblock_kernel_sizes: Sequence[int] = (3, 7, 11),
        resblock_dilation_sizes: Sequence[Sequence[int]] = ((1, 3, 5), (1, 3, 5), (1, 3, 5)),
        num_heads: int = 3,
    ):
        super().__init__(
            inter_channels, gin_channels, hop_length, upsample_rates, upsample_kernel_sizes,
            upsample_initial_channel, resblock_kernel_sizes, resblock_dilation_sizes, num_heads,
        )
