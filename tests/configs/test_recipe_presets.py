"""Every recipe preset (recipes/TEMPLATE/conf/experiment/*.yaml, shared by every recipe, and a recipe's own
conf/experiment/*.yaml) composes as the template composes it (``hydra.searchpath=[...] +experiment=NAME``) and
builds its model."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module

from toolkit.models.builder import build_discriminator, build_generator
from toolkit.plugins import bootstrap
from toolkit.registry import MODEL_SLOTS

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
TEMPLATE_CONF = RECIPES / "TEMPLATE" / "conf"
PRESETS = sorted((path.parents[1], path.stem) for path in RECIPES.glob("*/conf/experiment/*.yaml"))


def test_the_template_has_presets():
    assert {("vifs", TEMPLATE_CONF), ("vifs_demo", TEMPLATE_CONF), ("vits", TEMPLATE_CONF)} <= \
        {(name, conf) for conf, name in PRESETS}


def compose_preset(preset: str, *overrides: str, conf: Path = TEMPLATE_CONF):
    """The config run.sh composes for ``--experiment PRESET OVERRIDES...`` in a recipe whose conf is ``conf``."""
    searchpath = ",".join(dict.fromkeys(f"file://{path}" for path in (conf, TEMPLATE_CONF)))
    bootstrap()
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        return compose(config_name="config",
                       overrides=[f"hydra.searchpath=[{searchpath}]", f"+experiment={preset}", *overrides])


@pytest.mark.parametrize("conf, preset", PRESETS, ids=[f"{conf.parent.name}/{name}" for conf, name in PRESETS])
def test_preset_composes_and_builds(conf, preset, hydra_restore_singletons):
    cfg = compose_preset(preset, conf=conf)
    for slot in MODEL_SLOTS:
        assert "name" in cfg.model[slot], (preset, slot)
    for key in ("data", "train", "generate", "score", "select"):
        assert key in cfg, (preset, key)
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        generator, discriminator = build_generator(cfg.model), build_discriminator(cfg.model)
    assert sum(p.numel() for p in generator.parameters()) > 0 and sum(p.numel() for p in discriminator.parameters()) > 0
    if preset == "vifs_demo":  # the tiny size and the three settings docs/learning.md measured
        assert cfg.model.size == "tiny" and cfg.model.hidden_channels == 32 and cfg.train.max_steps == 600
        assert cfg.model.prior_encoder.inference_latent == "category"
        assert cfg.model.optim.learning_rate == 1e-3 and cfg.generate.noise_scale == 1.5
    elif preset in ("vifs", "vits"):
        assert cfg.model.prior_encoder.name == preset


@pytest.mark.parametrize("swap", ["model/prior_encoder=vits", "model/discriminator=mpd_msd", "model=vits"])
def test_the_demo_takes_any_component_at_its_tiny_size(swap, hydra_restore_singletons):
    cfg = compose_preset("vifs_demo", swap)
    slot = "prior_encoder" if swap == "model=vits" else swap.split("/")[1].split("=")[0]
    assert cfg.model.size == "tiny" and cfg.model[slot].name == swap.rsplit("=", 1)[1]
    with torch.device("meta"):
        tiny = build_generator(cfg.model), build_discriminator(cfg.model)
        full = build_generator(compose_preset("vits").model), build_discriminator(compose_preset("vits").model)
    count = [sum(p.numel() for p in module.parameters()) for module in (*tiny, *full)]
    assert count[0] < count[2] / 10 and count[1] < count[3] / 10
