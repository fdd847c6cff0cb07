"""The VIFS prior (VIFS_SPEC §5): category embedding + latent condition, learnable positional
embedding, WaveNet, 1x1 projection and the frame prior network."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from toolkit.blocks.commons import same_padding, weight_norm
from toolkit.blocks.wavenet import WaveNet
from toolkit.components.abs_prior_encoder import AbsPriorEncoder
from toolkit.errors import ConfigError, ContractError

FPN_SLOPE = 0.2
#: ``inference_latent`` choices: the reference's N(0, I), or N(0, I) mapped onto each category's
#: running mean and std of the training latent.
INFERENCE_LATENTS = ("standard", "category")
#: Weight of one training clip in the running latent statistics (per category, per clip).
LATENT_MOMENTUM = 0.05


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

    ``inference_latent``: ``standard`` feeds the prior N(0, I) at inference, as the reference does,
    although the training latent of a category is a narrow cloud around a category-specific vector
    (docs/learning.md). ``category`` keeps a running per-category, per-channel mean and second moment of
    the training latent (buffers ``latent_mean``, ``latent_square``, updated in training-mode forwards)
    and maps the inference noise onto them: latent = mean + std * noise.
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
        inference_latent: str = "standard",
    ):
        super().__init__()
        if inference_latent not in INFERENCE_LATENTS:
            raise ConfigError(
                f"prior_encoder 'vifs' inference_latent must be one of {', '.join(INFERENCE_LATENTS)}, "
                f"got '{inference_latent}'"
            )
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
        self.inference_latent = inference_latent
        if inference_latent == "category":  # no buffers otherwise: the reference's state dict is unchanged
            self.register_buffer("latent_mean", torch.zeros(n_categories, inter_channels))
            self.register_buffer("latent_square", torch.ones(n_categories, inter_channels))

    def forward(self, category_ids: Tensor, latent: Tensor | None, num_frames: int) -> tuple[Tensor, Tensor]:
        if num_frames != self.num_frames:
            raise ContractError(
                f"prior_encoder 'vifs' was built for {self.num_frames} frames (learnable positional embedding) "
                f"but was asked for {num_frames}"
            )
        if self.training and latent is not None and self.inference_latent == "category":
            self._track_latent(category_ids, latent.detach())
        stats = self.fpn(self.enc_p(category_ids, latent))
        m_p, logs_p = stats.chunk(2, dim=1)
        return m_p, logs_p

    @torch.no_grad()
    def _track_latent(self, category_ids: Tensor, latent: Tensor) -> None:
        """Exponential moving averages of the latent and its square, per category (each clip weighs LATENT_MOMENTUM)."""
        latent = latent.float()
        for category in category_ids.unique():
            rows = latent[category_ids == category]
            weight = 1.0 - (1.0 - LATENT_MOMENTUM) ** rows.size(0)
            self.latent_mean[category].lerp_(rows.mean(0), weight)
            self.latent_square[category].lerp_((rows**2).mean(0), weight)

    def latent_at_inference(self, noise: Tensor, category_ids: Tensor) -> Tensor:
        """``standard``: the noise itself; ``category``: mean + std * noise with the category's running statistics."""
        if self.inference_latent == "standard":
            return noise
        mean = self.latent_mean[category_ids]
        std = (self.latent_square[category_ids] - mean**2).clamp_min(0.0).sqrt()
        return (mean + std * noise).to(noise.dtype)

    def latent_from_posterior(self, z: Tensor, m_q: Tensor) -> Tensor:
        """Channel-wise attentive pooling: per channel a softmax over time of tanh(att(m_q)), applied to z."""
        weights = torch.softmax(torch.tanh(self.att(m_q)), dim=-1)
        return (z * weights).sum(-1)

    def latent_losses(self, latent: Tensor | None) -> dict[str, Tensor]:
        """mean^2 + (std - 1)^2 over all B x C entries of the latent (one global mean, unbiased std)."""
        if latent is None:
            return {}
        return {"meanstd": latent.mean() ** 2 + (latent.std() - 1.0) ** 2}
