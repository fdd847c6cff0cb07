"""Every option of every config group composes; the packaged config has the intended shape."""
from __future__ import annotations

import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra

from toolkit.plugins import bootstrap
from toolkit.registry import MODEL_SLOTS

GROUPS = ["model", *[f"model/{slot}" for slot in MODEL_SLOTS], "data", "train", "generate", "score"]


def _options() -> list[tuple[str, str]]:
    bootstrap()
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        return [(group, option) for group in GROUPS for option in loader.get_group_options(group)]


OPTIONS = _options()


def test_every_group_has_options():
    assert {group for group, _ in OPTIONS} == set(GROUPS)


@pytest.mark.parametrize("group,option", OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_option_composes(group, option, hydra_restore_singletons):
    bootstrap()
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"{group}={option}"])
    if group.startswith("model/"):
        assert cfg.model[group.split("/")[1]].name == option
    for slot in MODEL_SLOTS:
        assert "name" in cfg.model[slot], slot


@pytest.mark.parametrize("bundle,prior", [("vits", "vifs"), ("vifs", "vits")])
def test_cross_swaps_compose(bundle, prior, hydra_restore_singletons):
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"model={bundle}", f"model/prior_encoder={prior}"])
    assert cfg.model.prior_encoder.name == prior


def test_hydra_does_not_change_directory(hydra_restore_singletons):
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True)
    assert cfg.hydra.job.chdir is False
    assert "exp_dir" in cfg
