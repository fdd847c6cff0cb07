"""Every recipe preset (recipes/dcase23_task7/conf/experiment/*.yaml) composes as run.sh composes it
(``--config-dir conf +experiment=NAME``) and builds its model."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module

from toolkit.models.builder import build_discriminator, build_generator
from toolkit.plugins import bootstrap
from toolkit.registry import MODEL_SLOTS

CONF = Path(__file__).resolve().parents[2] / "recipes" / "dcase23_task7" / "conf"
PRESETS = sorted(path.stem for path in (CONF / "experiment").glob("*.yaml"))


def test_the_recipe_has_presets():
    assert {"vifs", "vifs_demo", "vits"} <= set(PRESETS)


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_composes_and_builds(preset, hydra_restore_singletons):
    bootstrap()
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"hydra.searchpath=[file://{CONF}]", f"+experiment={preset}"])
    for slot in MODEL_SLOTS:
        assert "name" in cfg.model[slot], (preset, slot)
    for key in ("data", "train", "generate", "score", "select"):
        assert key in cfg, (preset, key)
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        generator, discriminator = build_generator(cfg.model), build_discriminator(cfg.model)
    assert sum(p.numel() for p in generator.parameters()) > 0 and sum(p.numel() for p in discriminator.parameters()) > 0
    if preset == "vifs_demo":
        assert cfg.model.hidden_channels == 32 and cfg.train.max_steps == 600
    else:
        assert cfg.model.prior_encoder.name == preset
