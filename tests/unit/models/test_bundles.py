"""Tiny versions of both bundles and the cross swaps: build, training forward + backward."""
from __future__ import annotations

import pytest
import torch

from toolkit.models.builder import build_augmentation, build_discriminator, build_generator
from toolkit.models.losses import LossWeights, adversarial_loss, discriminator_loss, feature_matching_loss, kl_loss
from toolkit.models.presets import compose_tiny

COMBINATIONS = [
    ["model=vifs"],
    ["model=vits"],
    ["model=vits", "model/prior_encoder=vifs"],
    ["model=vifs", "model/prior_encoder=vits"],
    ["model=vifs", "model/decoder=hifigan"],
    ["model=vifs", "model/decoder=alias_free"],
    ["model=vits", "model/decoder=alias_free_multiscale"],
    ["model=vits", "model/discriminator=avocodo", "model/augmentation=phaseaug"],
    ["model=vifs", "model/discriminator=mpd_msd", "model/augmentation=none"],
]


@pytest.mark.parametrize("overrides", COMBINATIONS, ids=lambda o: " ".join(o))
def test_tiny_training_step(overrides):
    torch.manual_seed(0)
    cfg = compose_tiny(overrides)
    generator, discriminator = build_generator(cfg.model), build_discriminator(cfg.model)
    augmentation = build_augmentation(cfg.model)
    weights = LossWeights.from_config(cfg.model.loss)
    ids = torch.tensor([0, 5])
    out = generator(ids, torch.rand(2, cfg.model.spec_channels, cfg.model.num_frames))
    assert out.z.shape == (2, 16, 344) and out.heads[-1].shape == (2, 1, 2048)
    real = torch.randn(2, 1, 2048) * 0.1
    real_aug, fake_aug = augmentation(real, out.heads[-1].detach())
    d_out = discriminator(real_aug, [h.detach() for h in out.heads[:-1]] + [fake_aug])
    discriminator_loss(d_out.real_logits, d_out.fake_logits).backward()
    real_aug, fake_aug = augmentation(real, out.heads[-1])
    d_out = discriminator(real_aug, out.heads[:-1] + [fake_aug])
    loss = (
        weights.adv * adversarial_loss(d_out.fake_logits)
        + weights.fm * feature_matching_loss(d_out.real_features, d_out.fake_features)
        + weights.kl * kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, weights.kl_reduction)
        + weights.latent * sum(out.latent_losses.values(), torch.zeros(()))
    )
    loss.backward()
    trained = [n for n, p in generator.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0]
    for slot in ("emb_g", "prior_encoder", "posterior_encoder", "flow", "decoder"):
        assert any(n.startswith(slot) for n in trained), f"{slot} got no gradient"


def test_bundle_keys_for_the_trainer():
    vifs, vits = compose_tiny(["model=vifs"]).model, compose_tiny(["model=vits"]).model
    assert LossWeights.from_config(vifs.loss) == LossWeights(1.0, 2.0, 15.0, 10.0, 1.0, "mean")
    assert LossWeights.from_config(vits.loss) == LossWeights(1.0, 2.0, 45.0, 1.0, 0.0, "frames")
    assert list(vifs.optim.betas) == [0.8, 0.9] and vifs.optim.eps == 1e-8
    assert list(vits.optim.betas) == [0.8, 0.99] and vits.optim.eps == 1e-9
    assert "clip_samples" not in vifs and "clip_samples" not in vits  # the data's setting, not a model copy


def test_model_settings_derive_from_the_data_settings():
    from toolkit.config import compose_config

    default = compose_config(["model=vifs"])
    assert (default.model.sample_rate, default.model.hop_length, default.model.spec_channels) == (22050, 256, 513)
    assert (default.model.num_frames, default.model.n_categories) == (344, 7)
    cfg = compose_config(["model=vifs", "data.sample_rate=16000", "data.clip_samples=32000", "data.stft.n_fft=512",
                          "data.stft.win_length=512", "data.categories=[DoorSlam,GlassBreak,FootstepGravel]"])
    assert (cfg.model.sample_rate, cfg.model.spec_channels, cfg.model.num_frames) == (16000, 257, 125)
    assert cfg.model.n_categories == 3
