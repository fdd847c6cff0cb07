"""VITS's posterior encoder: linear spectrogram -> 1x1 conv -> WaveNet (conditioned on g) -> (m_q, logs_q)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.blocks.wavenet import WaveNet
from toolkit.components.abs_posterior_encoder import AbsPosteriorEncoder


class WaveNetPosteriorEncoder(AbsPosteriorEncoder):
    """spec [B, spec_channels, T] -> z = m_q + eps * exp(logs_q), each [B, inter_channels, T] (no mask)."""

    def __init__(
        self,
        spec_channels: int = 513,
        inter_channels: int = 192,
        hidden_channels: int = 192,
        gin_channels: int = 192,
        kernel_size: int = 5,
        dilation_rate: int = 1,
        n_layers: int = 16,
    ):
        super().__init__()
        self.pre = nn.Conv1d(spec_channels, hidden_channels, 1)
        self.enc = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
        self.proj = nn.Conv1d(hidden_channels, 2 * inter_channels, 1)

    def forward(self, spec: Tensor, g: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        stats = self.proj(self.enc(self.pre(spec), g))
        m_q, logs_q = stats.chunk(2, dim=1)
        z = m_q + torch.randn_like(m_q) * torch.exp(logs_q)
        return z, m_q, logs_q
