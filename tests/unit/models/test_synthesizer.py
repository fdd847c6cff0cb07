from __future__ import annotations

import pytest
import torch

from toolkit.errors import ContractError
from toolkit.models.builder import build_generator
from toolkit.models.presets import compose_tiny


@pytest.fixture(scope="module")
def vifs():
    torch.manual_seed(0)
    return build_generator(compose_tiny(["model=vifs"]).model)


@pytest.fixture(scope="module")
def vits():
    torch.manual_seed(0)
    return build_generator(compose_tiny(["model=vits"]).model)


def test_children_and_training_output(vifs):
    assert [n for n, _ in vifs.named_children()] == ["emb_g", "prior_encoder", "posterior_encoder", "flow", "decoder"]
    out = vifs(torch.tensor([1, 2]), torch.rand(2, 513, 344))
    assert [h.shape[-1] for h in out.heads] == [512, 1024, 2048]
    for t in (out.z, out.z_p, out.m_p, out.logs_p, out.m_q, out.logs_q):
        assert t.shape == (2, 16, 344)
    assert out.latent.shape == (2, 16) and set(out.latent_losses) == {"meanstd"}
    assert out.window_starts.dtype == torch.long and ((0 <= out.window_starts) & (out.window_starts <= 344 - 8)).all()
    # the decoded window is the posterior's z at window_starts
    start = int(out.window_starts[0])
    g = vifs.emb_g(torch.tensor([1])).unsqueeze(-1)
    torch.testing.assert_close(vifs.decoder(out.z[:1, :, start : start + 8], g)[-1], out.heads[-1][:1])


def test_vits_prior_has_no_latent(vits):
    out = vits(torch.tensor([0]), torch.rand(1, 513, 344))
    assert out.latent is None and out.latent_losses == {}
    latent, noise = vits.draw_noise([3])
    assert latent is None and noise.shape == (1, 16, 344)


def test_draw_noise_order_latent_then_prior(vifs):
    latent, noise = vifs.draw_noise([7, 8])
    g = torch.Generator().manual_seed(8)
    expected_latent = torch.randn(16, generator=g)
    torch.testing.assert_close(latent[1], expected_latent)
    torch.testing.assert_close(noise[1], torch.randn(16, 344, generator=g))


@pytest.mark.parametrize("bundle", ["vifs", "vits"])
def test_infer_clip_depends_only_on_category_scale_and_seed(bundle, vifs, vits):
    model = {"vifs": vifs, "vits": vits}[bundle]
    model.train()
    batch = model.infer(torch.tensor([3, 1, 3]), torch.tensor([0.7, 1.0, 0.5]), seeds=[11, 12, 13])
    assert batch.shape == (3, 1, 344 * 256)  # whole frames; generation pads to the data's clip length
    assert model.training  # mode restored
    assert batch.abs().sum() > 0
    alone = model.infer(torch.tensor([1]), 1.0, seeds=[12])
    torch.testing.assert_close(alone[0], batch[1], atol=1e-6, rtol=1e-5)
    other_seed = model.infer(torch.tensor([1]), 1.0, seeds=[99])
    assert not torch.allclose(other_seed, alone)


def test_infer_does_not_run_the_posterior(vifs):
    calls = []
    handle = vifs.posterior_encoder.register_forward_hook(lambda *a: calls.append(1))
    try:
        vifs.infer(torch.tensor([0]), 0.667, seeds=[0])
    finally:
        handle.remove()
    assert calls == []


def test_contract_violations_name_the_component(vifs):
    original = vifs.prior_encoder.forward

    def wrong_shape(category_ids, latent, num_frames):
        m_p, logs_p = original(category_ids, latent, num_frames)
        return m_p[:, :-1], logs_p

    vifs.prior_encoder.forward = wrong_shape
    try:
        with pytest.raises(ContractError, match=r"VIFSPriorEncoder returned m_p of shape \(1, 15, 344\)"):
            vifs(torch.tensor([0]), torch.rand(1, 513, 344))
    finally:
        del vifs.prior_encoder.forward
    with pytest.raises(ContractError, match="spec"):
        vifs(torch.tensor([0]), torch.rand(1, 513, 100))
    with pytest.raises(ContractError, match="seeds"):
        vifs.infer(torch.tensor([0, 1]), 1.0, seeds=[1])


def test_latent_losses_must_be_a_dict_of_scalars(vifs):
    vifs.prior_encoder.latent_losses = lambda latent: {"meanstd": latent}
    try:
        with pytest.raises(ContractError, match=r"latent_losses\['meanstd'\]"):
            vifs(torch.tensor([0]), torch.rand(1, 513, 344))
    finally:
        del vifs.prior_encoder.latent_losses


def test_infer_feeds_the_prior_the_latent_its_prior_encoder_makes_of_the_noise():
    torch.manual_seed(0)
    model = build_generator(compose_tiny(["model=vifs", "model.prior_encoder.inference_latent=category"]).model)
    standard = model.infer(torch.tensor([2]), 0.0, seeds=[5])
    with torch.no_grad():  # statistics of N(0, I): the same clip as the reference's inference
        torch.testing.assert_close(model.infer(torch.tensor([2]), 0.0, seeds=[5]), standard)
        model.prior_encoder.latent_mean[2] = 4.0
        model.prior_encoder.latent_square[2] = 16.0  # std 0: the latent is the category's mean
    shifted = model.infer(torch.tensor([2]), 0.0, seeds=[5])
    assert not torch.allclose(shifted, standard)
    m_p, _ = model.prior_encoder(torch.tensor([2]), torch.full((1, 16), 4.0), model.num_frames)
    g = model.emb_g(torch.tensor([2])).unsqueeze(-1)
    expected = model.decoder.synthesize(model.flow(m_p, g, reverse=True), g)
    torch.testing.assert_close(shifted[..., : expected.size(-1)], expected.detach())
