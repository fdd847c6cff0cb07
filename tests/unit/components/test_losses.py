from __future__ import annotations

import math

import pytest
import torch

from toolkit.errors import ConfigError
from toolkit.models.losses import (
    LossWeights,
    adversarial_loss,
    discriminator_loss,
    feature_matching_loss,
    kl_loss,
    mel_loss,
)


def _hand_kl_sum(z_p, logs_q, m_p, logs_p):
    total = 0.0
    for b in range(z_p.size(0)):
        for c in range(z_p.size(1)):
            for t in range(z_p.size(2)):
                lp, lq = logs_p[b, c, t].item(), logs_q[b, c, t].item()
                d = z_p[b, c, t].item() - m_p[b, c, t].item()
                total += lp - lq - 0.5 + 0.5 * d * d * math.exp(-2 * lp)
    return total


def test_kl_matches_hand_computation_for_both_reductions():
    torch.manual_seed(0)
    z_p, logs_q, m_p, logs_p = (torch.randn(2, 3, 5) * 0.5 for _ in range(4))
    total = _hand_kl_sum(z_p, logs_q, m_p, logs_p)
    assert kl_loss(z_p, logs_q, m_p, logs_p, "mean").item() == pytest.approx(total / 30, rel=1e-5)
    assert kl_loss(z_p, logs_q, m_p, logs_p, "frames").item() == pytest.approx(total / (2 * 5), rel=1e-5)
    with pytest.raises(ConfigError, match="kl_reduction"):
        kl_loss(z_p, logs_q, m_p, logs_p, "sum")


def test_gan_losses():
    real = [torch.tensor([1.0, 0.0]), torch.tensor([[0.5]])]
    fake = [torch.tensor([0.0, 1.0]), torch.tensor([[0.5]])]
    # output 1: mean((1-r)^2) = 0.5, mean(f^2) = 0.5; output 2: 0.25 + 0.25
    assert discriminator_loss(real, fake).item() == pytest.approx(1.5)
    assert adversarial_loss(fake).item() == pytest.approx(0.5 + 0.25)


def test_feature_matching_detaches_real_and_is_not_doubled():
    real = [[torch.ones(2, 3, requires_grad=True)], [torch.zeros(4), torch.full((2,), 2.0)]]
    fake = [[torch.zeros(2, 3, requires_grad=True)], [torch.ones(4), torch.ones(2)]]
    loss = feature_matching_loss(real, fake)
    assert loss.item() == pytest.approx(3.0)
    loss.backward()
    assert real[0][0].grad is None and fake[0][0].grad is not None


def test_mel_loss_is_l1():
    assert mel_loss(torch.zeros(1, 80, 4), torch.full((1, 80, 4), -2.0)).item() == pytest.approx(2.0)


def test_loss_weights_from_config():
    w = LossWeights.from_config({"mel": 45, "kl": 1.0, "latent": 0, "kl_reduction": "frames"})
    assert (w.adv, w.fm, w.mel, w.kl, w.latent, w.kl_reduction) == (1.0, 2.0, 45, 1.0, 0, "frames")
    with pytest.raises(ConfigError, match="c_mel"):
        LossWeights.from_config({"c_mel": 45})
    with pytest.raises(ConfigError, match="kl_reduction"):
        LossWeights.from_config({"kl_reduction": "sum"})
