"""The generator: wires the prior encoder, posterior encoder, flow and decoder slots around the global
category embedding ``emb_g`` and checks that every component keeps its kind's contract."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor, nn

from toolkit.blocks.commons import random_segment_starts, slice_segments
from toolkit.components.abs_decoder import AbsDecoder
from toolkit.components.abs_flow import AbsFlow
from toolkit.components.abs_posterior_encoder import AbsPosteriorEncoder
from toolkit.components.abs_prior_encoder import AbsPriorEncoder
from toolkit.errors import ConfigError, ContractError


@dataclass
class SynthesizerOutput:
    """What one training forward returns (see :meth:`Synthesizer.forward`)."""

    heads: list[Tensor]
    window_starts: Tensor
    z: Tensor
    z_p: Tensor
    m_p: Tensor
    logs_p: Tensor
    m_q: Tensor
    logs_q: Tensor
    latent: Tensor | None
    latent_losses: dict[str, Tensor]


def _component_name(module: nn.Module) -> str:
    return type(module).__name__


class Synthesizer(nn.Module):
    """Category-conditioned VAE + flow + GAN generator (VITS / VIFS layout, no masks, fixed length).

    Children: ``emb_g`` (global condition g), ``prior_encoder``, ``posterior_encoder``, ``flow``,
    ``decoder``. Training decodes a random window of ``segment_size`` samples; :meth:`infer` decodes
    whole clips of ``num_frames * hop_length`` samples (the data's clip length rounded down to a frame).
    """

    def __init__(
        self,
        prior_encoder: AbsPriorEncoder,
        posterior_encoder: AbsPosteriorEncoder,
        flow: AbsFlow,
        decoder: AbsDecoder,
        *,
        n_categories: int,
        gin_channels: int,
        inter_channels: int,
        num_frames: int,
        segment_size: int,
        hop_length: int,
        **other_shared_dims_ignored,
    ):
        super().__init__()
        if segment_size % hop_length:
            raise ConfigError(f"model.segment_size {segment_size} must be a multiple of model.hop_length {hop_length}")
        if decoder.upsample_factor != hop_length:
            raise ConfigError(
                f"decoder {_component_name(decoder)} upsamples x{decoder.upsample_factor}, but model.hop_length is {hop_length}"
            )
        self.n_categories = n_categories
        self.inter_channels = inter_channels
        self.num_frames = num_frames
        self.segment_size = segment_size
        self.segment_frames = segment_size // hop_length
        self.hop_length = hop_length
        self.emb_g = nn.Embedding(n_categories, gin_channels)
        self.prior_encoder = prior_encoder
        self.posterior_encoder = posterior_encoder
        self.flow = flow
        self.decoder = decoder

    # -- contract checks -------------------------------------------------------------------------
    def _expect(self, component: nn.Module, what: str, value, shape: tuple[int, ...]) -> None:
        if not isinstance(value, Tensor) or tuple(value.shape) != shape:
            got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise ContractError(f"{_component_name(component)} returned {what} of shape {got}; its contract requires {shape}")

    def _expect_tuple(self, component: nn.Module, what: str, value, length: int) -> None:
        if not isinstance(value, (tuple, list)) or len(value) != length:
            raise ContractError(f"{_component_name(component)} must return {what} (a tuple of {length} tensors)")

    def _check_latent_losses(self, losses) -> dict[str, Tensor]:
        component = self.prior_encoder
        if not isinstance(losses, dict):
            raise ContractError(f"{_component_name(component)}.latent_losses must return a dict of scalar tensors")
        for key, value in losses.items():
            if not isinstance(key, str) or not isinstance(value, Tensor) or value.dim() != 0:
                raise ContractError(
                    f"{_component_name(component)}.latent_losses['{key}'] must be a scalar tensor keyed by a string"
                )
        return losses

    def _prior(self, category_ids: Tensor, latent: Tensor | None) -> tuple[Tensor, Tensor]:
        stats = self.prior_encoder(category_ids, latent, self.num_frames)
        self._expect_tuple(self.prior_encoder, "(m_p, logs_p)", stats, 2)
        shape = (category_ids.size(0), self.inter_channels, self.num_frames)
        self._expect(self.prior_encoder, "m_p", stats[0], shape)
        self._expect(self.prior_encoder, "logs_p", stats[1], shape)
        return stats

    def _check_heads(self, heads, batch: int) -> list[Tensor]:
        decoder = self.decoder
        if not isinstance(heads, (list, tuple)) or len(heads) != decoder.num_heads:
            raise ContractError(f"{_component_name(decoder)} must return a list of {decoder.num_heads} head(s)")
        self._expect(decoder, "its full-rate head", heads[-1], (batch, 1, self.segment_size))
        for low, high in zip(heads, heads[1:]):
            if low.dim() != 3 or low.shape[:2] != (batch, 1) or low.size(-1) >= high.size(-1):
                raise ContractError(
                    f"{_component_name(decoder)} heads must be [B, 1, N] with rates increasing (lowest first); "
                    f"got shapes {[tuple(h.shape) for h in heads]}"
                )
        return list(heads)

    # -- training ----------------------------------------------------------------------------------
    def forward(self, category_ids: Tensor, spec: Tensor) -> SynthesizerOutput:
        """Posterior from ``spec`` [B, spec_channels, num_frames], flow to the prior, and decode a random window."""
        batch = category_ids.size(0)
        if spec.dim() != 3 or spec.size(0) != batch or spec.size(-1) != self.num_frames:
            raise ContractError(
                f"Synthesizer expects spec [B={batch}, spec_channels, num_frames={self.num_frames}], got {tuple(spec.shape)}"
            )
        shape = (batch, self.inter_channels, self.num_frames)
        g = self.emb_g(category_ids).unsqueeze(-1)

        posterior = self.posterior_encoder(spec, g)
        self._expect_tuple(self.posterior_encoder, "(z, m_q, logs_q)", posterior, 3)
        for what, value in zip(("z", "m_q", "logs_q"), posterior):
            self._expect(self.posterior_encoder, what, value, shape)
        z, m_q, logs_q = posterior

        z_p = self.flow(z, g)
        self._expect(self.flow, "z_p", z_p, shape)

        latent = self.prior_encoder.latent_from_posterior(z, m_q)
        latent_channels = self.prior_encoder.latent_channels
        if latent_channels > 0 or latent is not None:
            self._expect(self.prior_encoder, "a latent condition", latent, (batch, latent_channels))
        m_p, logs_p = self._prior(category_ids, latent)
        latent_losses = self._check_latent_losses(self.prior_encoder.latent_losses(latent))

        starts = random_segment_starts(batch, self.num_frames, self.segment_frames, device=z.device)
        heads = self._check_heads(self.decoder(slice_segments(z, starts, self.segment_frames), g), batch)
        return SynthesizerOutput(heads, starts, z, z_p, m_p, logs_p, m_q, logs_q, latent, latent_losses)

    # -- inference ---------------------------------------------------------------------------------
    @torch.no_grad()
    def reconstruct(self, category_ids: Tensor, spec: Tensor) -> Tensor:
        """Whole clips [B, 1, num_frames * hop_length] decoded from the posterior of ``spec`` (the full-clip
        counterpart of the training window; validation pictures it next to the real clip)."""
        g = self.emb_g(category_ids).unsqueeze(-1)
        z = self.posterior_encoder(spec, g)[0]
        audio = self.decoder.synthesize(z, g)
        self._expect(self.decoder, "synthesize()", audio, (category_ids.size(0), 1, self.num_frames * self.hop_length))
        return audio

    def draw_noise(self, seeds: Sequence[int], dtype: torch.dtype = torch.float32) -> tuple[Tensor | None, Tensor]:
        """Per clip, from its own CPU generator seeded with its seed: the latent-condition noise
        [latent_channels] (only if the prior has one), then the prior noise [inter_channels, num_frames]."""
        latent_channels = self.prior_encoder.latent_channels
        latents, priors = [], []
        for seed in seeds:
            generator = torch.Generator(device="cpu").manual_seed(int(seed))
            if latent_channels > 0:
                latents.append(torch.randn(latent_channels, generator=generator, dtype=dtype))
            priors.append(torch.randn(self.inter_channels, self.num_frames, generator=generator, dtype=dtype))
        latent = torch.stack(latents) if latents else None
        return latent, torch.stack(priors)

    @torch.no_grad()
    def infer(self, category_ids: Tensor, noise_scale: float | Tensor, seeds: Sequence[int]) -> Tensor:
        """Whole clips [B, 1, num_frames * hop_length] in eval mode (the previous mode is restored); clip b depends
        only on (category_ids[b], its noise scale, seeds[b])."""
        was_training = self.training
        self.eval()
        try:
            return self._infer(category_ids, noise_scale, seeds)
        finally:
            self.train(was_training)

    def _infer(self, category_ids: Tensor, noise_scale: float | Tensor, seeds: Sequence[int]) -> Tensor:
        batch = category_ids.size(0)
        if len(seeds) != batch:
            raise ContractError(f"infer got {batch} categories but {len(seeds)} seeds; give one seed per clip")
        device = self.emb_g.weight.device
        dtype = self.emb_g.weight.dtype
        category_ids = category_ids.to(device)
        latent, noise = self.draw_noise(seeds, dtype)
        if latent is not None:
            latent = self.prior_encoder.latent_at_inference(latent.to(device), category_ids)
        scale = torch.as_tensor(noise_scale, dtype=dtype, device=device).reshape(-1, 1, 1)
        if scale.size(0) not in (1, batch):
            raise ContractError(f"infer got {scale.size(0)} noise scales for {batch} clips")
        m_p, logs_p = self._prior(category_ids, latent)
        z_p = m_p + noise.to(device) * torch.exp(logs_p) * scale
        g = self.emb_g(category_ids).unsqueeze(-1)
        z = self.flow(z_p, g, reverse=True)
        audio = self.decoder.synthesize(z, g)
        self._expect(self.decoder, "synthesize()", audio, (batch, 1, self.num_frames * self.hop_length))
        return audio
