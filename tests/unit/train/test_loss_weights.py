"""A loss the model computes but the bundle weighs at 0 is a warning when training starts."""
from __future__ import annotations

import logging

from toolkit.train.trainer import Trainer


def test_a_zero_weight_loss_is_a_warning_at_start(tiny_config, caplog):
    with caplog.at_level(logging.WARNING, logger="toolkit.train.trainer"):
        Trainer(tiny_config("train.max_steps=1"))  # model=vifs: every loss weighted
        assert caplog.records == []
        Trainer(tiny_config("train.max_steps=1", "model=vits", "model/prior_encoder=vifs", "model.loss.fm=0"))
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["model.loss.fm is 0", "model.loss.latent is 0"]
    assert "latent losses of prior_encoder 'vifs'" in caplog.records[1].getMessage()


def test_no_warning_for_a_prior_without_latent_losses(tiny_config, caplog):
    with caplog.at_level(logging.WARNING, logger="toolkit.train.trainer"):
        Trainer(tiny_config("train.max_steps=1", "model=vits"))  # loss.latent 0, and the VITS prior has none
    assert caplog.records == []
