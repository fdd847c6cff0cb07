"""Contract of kind ``prior_encoder``: category ids (and an optional latent condition) -> frame prior."""
from __future__ import annotations

from abc import ABC, abstractmethod

from torch import Tensor, nn


class AbsPriorEncoder(nn.Module, ABC):
    """Maps category ids [B] to the prior ``(m_p, logs_p)``, each [B, inter_channels, num_frames].

    ``latent_channels`` > 0 declares a latent condition: during training it comes from
    :meth:`latent_from_posterior`; at inference the synthesizer draws N(0, I) noise of shape
    [B, latent_channels] from each clip's own generator and passes it through :meth:`latent_at_inference`.
    0 means the prior takes no latent condition.
    """

    latent_channels: int = 0

    @abstractmethod
    def forward(self, category_ids: Tensor, latent: Tensor | None, num_frames: int) -> tuple[Tensor, Tensor]:
        """Return ``(m_p, logs_p)`` for ``category_ids`` [B] and ``latent`` [B, latent_channels] or None."""

    def latent_from_posterior(self, z: Tensor, m_q: Tensor) -> Tensor | None:
        """Training-time latent condition [B, latent_channels] from the posterior; None if unused."""
        return None

    def latent_at_inference(self, noise: Tensor, category_ids: Tensor) -> Tensor:
        """The inference-time latent condition [B, latent_channels] made from the standard normal ``noise``
        the synthesizer draws per clip; by default the noise itself."""
        return noise

    def latent_losses(self, latent: Tensor | None) -> dict[str, Tensor]:
        """Extra generator losses on the latent condition (unweighted), e.g. ``{"meanstd": ...}`` (logged as ``loss/g/latent_meanstd``)."""
        return {}
