"""Prior from the VIFS report's first experiment: the category embedding plus Gaussian noise, both
expanded over time, through a WaveNet; no latent condition."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.blocks.wavenet import WaveNet
from toolkit.components.abs_prior_encoder import AbsPriorEncoder


class NoisePriorEncoder(AbsPriorEncoder):
    """(emb(c) + noise_std * hidden^-0.5 * N(0, I)) expanded over time -> WaveNet -> 1x1 conv -> (m_p, logs_p).

    Training draws the noise [B, hidden_channels] inside ``forward`` from torch's global RNG. In eval mode
    the noise is its mean, zero: the prior is then a deterministic function of the category, and each
    clip's randomness comes only from the synthesizer's per-clip, seeded prior noise, so a clip still
    depends only on (category, noise scale, seed).
    """

    def __init__(
        self,
        n_categories: int = 7,
        inter_channels: int = 192,
        hidden_channels: int = 192,
        kernel_size: int = 5,
        n_layers: int = 4,
        noise_std: float = 1.0,
    ):
        super().__init__()
        self.noise_scale = noise_std * hidden_channels**-0.5
        self.emb = nn.Embedding(n_categories, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.encoder = WaveNet(hidden_channels, kernel_size, 1, n_layers)
        self.proj = nn.Conv1d(hidden_channels, 2 * inter_channels, 1)

    def forward(self, category_ids: Tensor, latent: Tensor | None, num_frames: int) -> tuple[Tensor, Tensor]:
        e = self.emb(category_ids)
        if self.training:
            e = e + torch.randn_like(e) * self.noise_scale
        x = self.encoder(e.unsqueeze(-1).expand(-1, -1, num_frames).contiguous())
        m_p, logs_p = self.proj(x).chunk(2, dim=1)
        return m_p, logs_p
