"""VITS's flow: mean-only affine coupling layers (WaveNet conditioned on g), each followed by a channel flip."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.blocks.wavenet import WaveNet
from toolkit.components.abs_flow import AbsFlow


class MeanOnlyCoupling(nn.Module):
    """x = [x0, x1] -> [x0, x1 + m(x0, g)]: volume-preserving; ``post`` is zero-initialised so the
    layer starts as the identity."""

    def __init__(self, channels: int, hidden_channels: int, kernel_size: int, dilation_rate: int, n_layers: int, gin_channels: int):
        super().__init__()
        if channels % 2 != 0:
            raise ValueError(f"coupling needs an even number of channels, got {channels}")
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden_channels, 1)
        self.enc = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
        self.post = nn.Conv1d(hidden_channels, self.half, 1)
        nn.init.zeros_(self.post.weight)
        nn.init.zeros_(self.post.bias)

    def forward(self, x: Tensor, g: Tensor | None, reverse: bool = False) -> Tensor:
        x0, x1 = x.split(self.half, dim=1)
        mean = self.post(self.enc(self.pre(x0), g))
        x1 = x1 - mean if reverse else x1 + mean
        return torch.cat([x0, x1], dim=1)


class ResidualCouplingFlow(AbsFlow):
    """``n_flows`` x [mean-only coupling -> reverse the channel order]; ``reverse=True`` is the exact inverse."""

    def __init__(
        self,
        inter_channels: int = 192,
        hidden_channels: int = 192,
        gin_channels: int = 192,
        kernel_size: int = 5,
        dilation_rate: int = 1,
        n_layers: int = 4,
        n_flows: int = 4,
    ):
        super().__init__()
        self.flows = nn.ModuleList(
            MeanOnlyCoupling(inter_channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
            for _ in range(n_flows)
        )

    def forward(self, x: Tensor, g: Tensor | None, reverse: bool = False) -> Tensor:
        if not reverse:
            for coupling in self.flows:
                x = coupling(x, g).flip(1)
        else:
            for coupling in reversed(self.flows):
                x = coupling(x.flip(1), g, reverse=True)
        return x
