"""The VIFS prior (VIFS_SPEC §5): category embedding + latent condition, learnable positional
embedding, WaveNet, 1x1 projection and the frame prior network."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.components.abs_prior_encoder import AbsPriorEncoder
from toolkit.errors import ConfigError, ContractError
from toolkit.models.commons import same_padding, weight_norm
from toolkit.models.wavenet import WaveNet

FPN_SLOPE = 0.2


class CategoryFrameEncoder(nn.Module):
    """(category embedding + scaled latent) expanded over time + positional -> WaveNet -> 1x1 conv to 2C."""

    def __init__(self, n_categories: int, inter_channels: int, hidden_channels: int, num_frames: int,
                 kernel_size: int, dilation_rate: int, n_layers: int):
        super().__init__()
        self.emb = nn.Embedding(n_categories, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.positional = nn.Parameter(torch.zeros(1, hidden_channels, num_frames))
        self.encoder = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers)
        self.proj = nn.Conv1d(hidden_channels, 2 * inter_channels, 1)

    def forward(self, category_ids: Tensor, latent: Tensor | None) -> Tensor:
        e = self.emb(category_ids)
        if latent is not None:
            e = e + latent * latent.size(1) ** -0.5
        x = e.unsqueeze(-1) + self.positional
        return self.proj(self.encoder(x))


class FramePriorNetwork(nn.Module):
    """``n_layers`` residual layers x <- x + Conv1d_wn(LeakyReLU_0.2(x)), length-keeping."""

    def __init__(self, channels: int, kernel_size: int, n_layers: int):
        super().__init__()
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size, padding=same_padding(kernel_size)))
            for _ in range(n_layers)
        )
        self.act = nn.LeakyReLU(FPN_SLOPE)

    def forward(self, x: Tensor) -> Tensor:
        for conv in self.convs:
            x = x + conv(self.act(x))
        return x


class VIFSPriorEncoder(AbsPriorEncoder):
    """Children: ``enc_p`` (:class:`CategoryFrameEncoder`), ``fpn`` (:class:`FramePriorNetwork`) and
    ``att`` (the 1x1 conv of the channel-wise attentive pooling that makes the training-time latent).

    The latent condition has ``inter_channels`` entries; it is added to the ``hidden_channels``-wide
    embedding, so the two must be equal (as in the reference, 192 and 192).
    """

    def __init__(
        self,
        n_categories: int = 7,
        inter_channels: int = 192,
        hidden_channels: int = 192,
        num_frames: int = 344,
        wn_kernel_size: int = 5,
        wn_dilation_rate: int = 1,
        wn_layers: int = 6,
        fpn_kernel_size: int = 35,
        fpn_layers: int = 6,
    ):
        super().__init__()
        if inter_channels != hidden_channels:
            raise ConfigError(
                f"prior_encoder 'vifs' adds the pooled posterior (model.inter_channels={inter_channels}) to the "
                f"category embedding (model.hidden_channels={hidden_channels}): set them equal"
            )
        if fpn_kernel_size % 2 != 1:
            raise ConfigError(f"prior_encoder 'vifs' fpn_kernel_size must be odd, got {fpn_kernel_size}")
        self.latent_channels = inter_channels
        self.num_frames = num_frames
        self.enc_p = CategoryFrameEncoder(
            n_categories, inter_channels, hidden_channels, num_frames, wn_kernel_size, wn_dilation_rate, wn_layers
        )
        self.fpn = FramePriorNetwork(2 * inter_channels, fpn_kernel_size, fpn_layers)
        self.att = nn.Conv1d(inter_channels, inter_channels, 1)

    def forward(self, category_ids: Tensor, latent: Tensor | None, num_frames: int) -> tuple[Tensor, Tensor]:
        if num_frames != self.num_frames:
            raise ContractError(
                f"prior_encoder 'vifs' was built for {self.num_frames} frames (learnable positional embedding) "
                f"but was asked for {num_frames}"
            )
        stats = self.fpn(self.enc_p(category_ids, latent))
        m_p, logs_p = stats.chunk(2, dim=1)
        return m_p, logs_p

    def latent_from_posterior(self, z: Tensor, m_q: Tensor) -> Tensor:
        """Channel-wise attentive pooling: per channel a softmax over time of tanh(att(m_q)), applied to z."""
        weights = torch.softmax(torch.tanh(self.att(m_q)), dim=-1)
        return (z * weights).sum(-1)

    def latent_losses(self, latent: Tensor | None) -> dict[str, Tensor]:
        """mean^2 + (std - 1)^2 over all B x C entries of the latent (one global mean, unbiased std)."""
        if latent is None:
            return {}
        return {"meanstd": latent.mean() ** 2 + (latent.std() - 1.0) ** 2}
