"""The example third-party plugin (plugins/foley-noise-prior, installed editable by `make install`)."""
from __future__ import annotations

import logging

import pytest
import torch

pytest.importorskip("foley_noise_prior", reason="install it with: pip install -e plugins/foley-noise-prior")

from toolkit.bin import list_components  # noqa: E402
from toolkit.config import compose_config  # noqa: E402
from toolkit.models.builder import build_generator  # noqa: E402
from toolkit.models.presets import compose_tiny  # noqa: E402


def test_listed_with_its_distribution(capsys):
    assert list_components.main(["prior_encoder"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    row = next(r for r in rows if r[1] == "noise")
    assert row[2] == "foley_noise_prior.prior:NoisePriorEncoder" and row[3] == "foley-noise-prior" and row[-1] == "ok"


def test_composes_from_constructor_defaults_without_yaml():
    cfg = compose_config(["model=vits", "model/prior_encoder=noise"])
    assert dict(cfg.model.prior_encoder) == {"name": "noise", "kernel_size": 5, "n_layers": 4, "noise_std": 1.0}


def test_builds_and_trains_a_step():
    torch.manual_seed(0)
    generator = build_generator(compose_tiny(["model/prior_encoder=noise", "model.loss.latent=0"]).model)
    assert type(generator.prior_encoder).__module__ == "foley_noise_prior.prior"
    out = generator(torch.tensor([0, 2]), torch.rand(2, 513, 344))
    assert out.latent is None and out.m_p.shape == (2, 16, 344)
    loss = ((out.z_p - out.m_p) ** 2).mean() + out.heads[-1].abs().mean()
    loss.backward()
    assert generator.prior_encoder.emb.weight.grad is not None
    clip = generator.infer(torch.tensor([1]), 0.7, seeds=[5])
    torch.testing.assert_close(clip, generator.infer(torch.tensor([1, 1]), 0.7, seeds=[4, 5])[1:])


def test_its_tiny_size_applies_and_other_sizes_keep_its_defaults_with_a_log_line(caplog):
    tiny = compose_config(["model/size=tiny", "model/prior_encoder=noise"])
    assert tiny.model.prior_encoder.n_layers == 2 and tiny.model.hidden_channels == 32
    with caplog.at_level(logging.INFO, logger="toolkit.models.sizes"), torch.device("meta"):
        build_generator(tiny.model)
        assert "noise" not in caplog.text
        build_generator(compose_tiny(["model/prior_encoder=noise"]).model)  # size micro: no entry
    assert "prior_encoder 'noise' has no 'micro' size" in caplog.text


def test_pluggy_hook_contributed_a_bundle():
    cfg = compose_config(["model=vifs_noise"])
    assert cfg.model.prior_encoder.name == "noise" and cfg.model.prior_encoder.n_layers == 8
    assert cfg.model.loss.latent == 0.0 and cfg.model.decoder.name == "hifigan_multiscale"
