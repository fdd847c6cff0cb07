"""The non-causal WaveNet stack (``WN``) of VITS, used by the prior, posterior encoder and flow."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.blocks.commons import gated_tanh_sigmoid, same_padding, weight_norm


class WaveNet(nn.Module):
    """Gated dilated convolutions with residual and skip paths; returns the sum of the skips.

    Layer ``i`` uses dilation ``dilation_rate ** i``. With ``gin_channels > 0`` one 1x1 conv maps the
    global condition g [B, gin_channels, 1] to a per-layer bias added before the gate.
    """

    def __init__(self, hidden_channels: int, kernel_size: int, dilation_rate: int, n_layers: int, gin_channels: int = 0):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"WaveNet kernel_size must be odd, got {kernel_size}")
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.cond_layer = (
            weight_norm(nn.Conv1d(gin_channels, 2 * hidden_channels * n_layers, 1)) if gin_channels > 0 else None
        )
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        for i in range(n_layers):
            dilation = dilation_rate**i
            self.in_layers.append(
                weight_norm(
                    nn.Conv1d(
                        hidden_channels,
                        2 * hidden_channels,
                        kernel_size,
                        dilation=dilation,
                        padding=same_padding(kernel_size, dilation),
                    )
                )
            )
            out = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(weight_norm(nn.Conv1d(hidden_channels, out, 1)))

    def forward(self, x: Tensor, g: Tensor | None = None) -> Tensor:
        h = self.hidden_channels
        cond = self.cond_layer(g) if self.cond_layer is not None and g is not None else None
        skip = torch.zeros_like(x)
        for i, (in_layer, res_skip_layer) in enumerate(zip(self.in_layers, self.res_skip_layers)):
            pre = in_layer(x)
            if cond is not None:
                pre = pre + cond[:, 2 * h * i : 2 * h * (i + 1)]
            res_skip = res_skip_layer(gated_tanh_sigmoid(pre))
            if i < self.n_layers - 1:
                x = x + res_skip[:, :h]
                skip = skip + res_skip[:, h:]
            else:
                skip = skip + res_skip
        return skip
