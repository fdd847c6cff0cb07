from __future__ import annotations

import math

import pytest
import torch

from toolkit.blocks.transformer import RelativeMultiHeadAttention
from toolkit.components.prior_encoders.vifs import VIFSPriorEncoder
from toolkit.components.prior_encoders.vits import VITSPriorEncoder
from toolkit.errors import ConfigError, ContractError

TINY_VIFS = dict(n_categories=7, inter_channels=8, hidden_channels=8, num_frames=20, wn_layers=2, fpn_kernel_size=5, fpn_layers=2)


def test_vifs_prior_shapes_children_and_latent_condition():
    torch.manual_seed(0)
    prior = VIFSPriorEncoder(**TINY_VIFS)
    assert [name for name, _ in prior.named_children()] == ["enc_p", "fpn", "att"]
    assert prior.latent_channels == 8
    ids = torch.tensor([1, 4])
    m_p, logs_p = prior(ids, None, 20)
    assert m_p.shape == logs_p.shape == (2, 8, 20)
    m_lat, _ = prior(ids, torch.randn(2, 8), 20)
    assert not torch.allclose(m_lat, m_p)
    with pytest.raises(ContractError, match="20 frames"):
        prior(ids, None, 21)


def test_vifs_latent_is_added_scaled_to_the_embedding():
    prior = VIFSPriorEncoder(**TINY_VIFS)
    ids = torch.tensor([2])
    latent = torch.randn(1, 8)
    shifted = prior.enc_p.emb.weight[2] + latent[0] * 8**-0.5
    with torch.no_grad():
        prior.enc_p.emb.weight[3] = shifted
    torch.testing.assert_close(prior.enc_p(ids, latent), prior.enc_p(torch.tensor([3]), None))


def test_vifs_attentive_pooling_is_a_per_channel_softmax_over_time():
    torch.manual_seed(0)
    prior = VIFSPriorEncoder(**TINY_VIFS)
    constant = torch.randn(2, 8, 1).expand(2, 8, 20)
    # weights sum to one per channel: a constant-over-time z pools to itself
    torch.testing.assert_close(prior.latent_from_posterior(constant, torch.randn(2, 8, 20)), constant[..., 0])
    z, m_q = torch.randn(2, 8, 20), torch.randn(2, 8, 20)
    w = torch.softmax(torch.tanh(prior.att(m_q)), dim=-1)
    torch.testing.assert_close(prior.latent_from_posterior(z, m_q)[1, 3], (z[1, 3] * w[1, 3]).sum())


def test_vifs_latent_loss_uses_global_mean_and_unbiased_std():
    prior = VIFSPriorEncoder(**TINY_VIFS)
    latent = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    mean, var = 2.5, sum((v - 2.5) ** 2 for v in (1, 2, 3, 4)) / 3
    expected = mean**2 + (math.sqrt(var) - 1) ** 2
    assert prior.latent_losses(latent)["meanstd"].item() == pytest.approx(expected)
    assert prior.latent_losses(None) == {}


def test_vifs_standard_inference_latent_is_the_noise_and_adds_no_state():
    prior = VIFSPriorEncoder(**TINY_VIFS)
    noise = torch.randn(3, 8)
    assert prior.latent_at_inference(noise, torch.tensor([0, 1, 2])) is noise
    assert not any(name.startswith("latent_") for name, _ in prior.named_buffers())
    with pytest.raises(ConfigError, match="inference_latent"):
        VIFSPriorEncoder(**TINY_VIFS, inference_latent="posterior")


def test_vifs_category_inference_latent_follows_the_training_latents_of_each_category():
    torch.manual_seed(0)
    prior = VIFSPriorEncoder(**TINY_VIFS, inference_latent="category")
    centre = {2: torch.linspace(-2, 2, 8), 5: torch.full((8,), 3.0)}
    ids = torch.tensor([2, 2, 5, 5])
    noise = torch.randn(4, 8)
    # untrained: the statistics are N(0, I), so the latent is the noise itself
    torch.testing.assert_close(prior.latent_at_inference(noise, ids), noise)
    for _ in range(300):  # training-mode forwards see latents around each category's centre, spread 0.1
        latent = torch.stack([centre[int(c)] for c in ids]) + 0.1 * torch.randn(4, 8)
        prior(ids, latent, 20)
    mapped = prior.latent_at_inference(torch.zeros(4, 8), ids)
    torch.testing.assert_close(mapped[0], centre[2], atol=0.05, rtol=0)
    torch.testing.assert_close(mapped[3], centre[5], atol=0.05, rtol=0)
    spread = prior.latent_at_inference(torch.ones(4, 8), ids) - mapped
    assert torch.all((spread > 0.05) & (spread < 0.2))
    untouched = prior.latent_at_inference(noise[:1], torch.tensor([0]))
    torch.testing.assert_close(untouched, noise[:1])  # a category never seen keeps N(0, I)
    before = prior.latent_mean.clone()
    prior.eval()(ids, torch.randn(4, 8) + 10, 20)  # eval-mode forwards (validation) leave the statistics alone
    torch.testing.assert_close(prior.latent_mean, before)
    assert "latent_mean" in prior.state_dict() and "latent_square" in prior.state_dict()


def test_vifs_requires_equal_inter_and_hidden_channels():
    with pytest.raises(ConfigError, match="inter_channels"):
        VIFSPriorEncoder(inter_channels=8, hidden_channels=16)


def test_vits_prior_shapes_and_ignores_latent():
    torch.manual_seed(0)
    prior = VITSPriorEncoder(inter_channels=8, hidden_channels=16, filter_channels=32, n_layers=2).eval()
    ids = torch.tensor([0, 6])
    m_p, logs_p = prior(ids, None, 30)
    assert m_p.shape == logs_p.shape == (2, 8, 30)
    torch.testing.assert_close(prior(ids, torch.randn(2, 8), 30)[0], m_p)
    assert prior.latent_channels == 0


def _naive_relative_attention(attn: RelativeMultiHeadAttention, x: torch.Tensor) -> torch.Tensor:
    """Loop-by-loop relative attention (Shaw et al.) for checking the vectorised one."""
    b, c, t = x.shape
    h, d, w = attn.n_heads, attn.head_channels, attn.window_size
    q, k, v = (conv(x).view(b, h, d, t) for conv in (attn.conv_q, attn.conv_k, attn.conv_v))
    out = torch.zeros(b, h, d, t)
    for bi in range(b):
        for hi in range(h):
            for i in range(t):
                logits = torch.zeros(t)
                for j in range(t):
                    rel_k = attn.emb_rel_k[0, j - i + w] if abs(j - i) <= w else torch.zeros(d)
                    logits[j] = q[bi, hi, :, i] @ (k[bi, hi, :, j] + rel_k) / math.sqrt(d)
                p = torch.softmax(logits, 0)
                for j in range(t):
                    rel_v = attn.emb_rel_v[0, j - i + w] if abs(j - i) <= w else torch.zeros(d)
                    out[bi, hi, :, i] += p[j] * (v[bi, hi, :, j] + rel_v)
    return attn.conv_o(out.reshape(b, c, t))


def test_relative_attention_matches_naive_loops():
    torch.manual_seed(0)
    attn = RelativeMultiHeadAttention(channels=8, n_heads=2, window_size=2, dropout=0.0)
    x = torch.randn(1, 8, 7)
    with torch.no_grad():
        torch.testing.assert_close(attn(x), _naive_relative_attention(attn, x), atol=1e-5, rtol=1e-4)
