"""Training losses (VIFS_SPEC §7, §10): LSGAN, feature matching, mel L1, KL without alignment, and the
weights that combine them."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

import torch
from torch import Tensor

from toolkit.components.abs_prior_encoder import AbsPriorEncoder
from toolkit.errors import ConfigError

KL_REDUCTIONS = ("mean", "frames")


def discriminator_loss(real_logits: list[Tensor], fake_logits: list[Tensor]) -> Tensor:
    """Sum over the outputs of mean((1 - D(real))^2) + mean(D(fake)^2)."""
    return sum(torch.mean((1 - r.float()) ** 2) + torch.mean(f.float() ** 2) for r, f in zip(real_logits, fake_logits))


def adversarial_loss(fake_logits: list[Tensor]) -> Tensor:
    """Generator side of LSGAN: sum over the outputs of mean((1 - D(fake))^2)."""
    return sum(torch.mean((1 - f.float()) ** 2) for f in fake_logits)


def feature_matching_loss(real_features: list[list[Tensor]], fake_features: list[list[Tensor]]) -> Tensor:
    """Sum over every feature map of mean |real.detach() - fake| (the x2 of HiFi-GAN is the weight ``fm``)."""
    return sum(
        torch.mean(torch.abs(r.detach().float() - f.float()))
        for real_maps, fake_maps in zip(real_features, fake_features)
        for r, f in zip(real_maps, fake_maps)
    )


def kl_loss(z_p: Tensor, logs_q: Tensor, m_p: Tensor, logs_p: Tensor, reduction: str) -> Tensor:
    """KL(q || p) estimated at z_p, frame t against frame t (no alignment).

    ``"mean"``: mean over all B x C x T elements (VIFS). ``"frames"``: summed over channels and frames,
    divided by B x T (VITS with an all-ones mask).
    """
    kl = logs_p - logs_q - 0.5 + 0.5 * (z_p - m_p) ** 2 * torch.exp(-2.0 * logs_p)
    if reduction == "mean":
        return kl.float().mean()
    if reduction == "frames":
        return kl.float().sum() / (kl.size(0) * kl.size(-1))
    raise ConfigError(f"model.loss.kl_reduction must be one of {', '.join(KL_REDUCTIONS)}, got '{reduction}'")


def mel_loss(mel_fake: Tensor, mel_real: Tensor) -> Tensor:
    """L1 between log-mel spectrograms."""
    return torch.nn.functional.l1_loss(mel_fake.float(), mel_real.float())


@dataclass
class LossWeights:
    """Weights of the generator's loss terms (``model.loss``); ``latent`` weighs the prior's extra losses."""

    adv: float = 1.0
    fm: float = 2.0
    mel: float = 15.0
    kl: float = 10.0
    latent: float = 1.0
    kl_reduction: str = "mean"

    def __post_init__(self):
        if self.kl_reduction not in KL_REDUCTIONS:
            raise ConfigError(
                f"model.loss.kl_reduction must be one of {', '.join(KL_REDUCTIONS)}, got '{self.kl_reduction}'"
            )

    @classmethod
    def from_config(cls, loss_cfg: Mapping[str, Any] | None) -> "LossWeights":
        """From the ``model.loss`` node; unknown keys are an error, missing ones take the defaults."""
        values = dict(loss_cfg or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(unknown)} in model.loss; valid keys: {', '.join(sorted(known))}")
        return cls(**values)


def zero_weight_warnings(weights: LossWeights, prior_encoder: AbsPriorEncoder, prior_name: str) -> list[str]:
    """One line per loss the model computes but ``weights`` weighs at 0, so it trains nothing (e.g. the VIFS
    prior's latent losses under the ``vits`` bundle's ``model.loss.latent: 0.0``)."""
    lines = [f"model.loss.{name} is 0: the {name} loss is computed and logged but trains nothing"
             for name in ("adv", "fm", "mel", "kl") if getattr(weights, name) == 0]
    if weights.latent == 0 and type(prior_encoder).latent_losses is not AbsPriorEncoder.latent_losses:
        lines.append(f"model.loss.latent is 0: the latent losses of prior_encoder '{prior_name}' are computed and "
                     "logged but train nothing; give them a weight to train them (model=vifs: model.loss.latent=1.0)")
    return lines
