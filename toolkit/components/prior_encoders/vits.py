"""VITS's text encoder applied to category-to-sound (VIFS_SPEC appendix A): the category id repeated
over every frame, embedded and passed through the relative-position transformer; no latent condition."""
from __future__ import annotations

import math

from torch import Tensor, nn

from toolkit.blocks.transformer import RelativeTransformerEncoder
from toolkit.components.abs_prior_encoder import AbsPriorEncoder


class VITSPriorEncoder(AbsPriorEncoder):
    """Embedding (x sqrt(hidden)) repeated over ``num_frames`` -> transformer -> 1x1 conv -> (m_p, logs_p)."""

    def __init__(
        self,
        n_categories: int = 7,
        inter_channels: int = 192,
        hidden_channels: int = 192,
        filter_channels: int = 768,
        n_heads: int = 2,
        n_layers: int = 6,
        kernel_size: int = 3,
        window_size: int = 4,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.hidden_channels = hidden_channels
        self.emb = nn.Embedding(n_categories, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.encoder = RelativeTransformerEncoder(
            hidden_channels, filter_channels, n_heads, n_layers, kernel_size, dropout, window_size
        )
        self.proj = nn.Conv1d(hidden_channels, 2 * inter_channels, 1)

    def forward(self, category_ids: Tensor, latent: Tensor | None, num_frames: int) -> tuple[Tensor, Tensor]:
        x = (self.emb(category_ids) * math.sqrt(self.hidden_channels)).unsqueeze(-1)
        x = self.encoder(x.expand(-1, -1, num_frames))
        m_p, logs_p = self.proj(x).chunk(2, dim=1)
        return m_p, logs_p
