"""Registry behaviour with fake entry points: good, wrong type, duplicate, import error, unknown, disabled."""
from __future__ import annotations

import configparser
from dataclasses import dataclass
from typing import Any, Callable

import pytest
import torch
from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore

from toolkit.components.abs_flow import AbsFlow
from toolkit.components.abs_prior_encoder import AbsPriorEncoder
from toolkit.errors import ComponentError, ConfigError
from toolkit.registry import BUILTIN_COMPONENTS, KINDS, Registry


class GoodPrior(AbsPriorEncoder):
    """A minimal valid prior encoder."""

    def __init__(self, n_categories: int = 7, inter_channels: int = 4, depth: int = 2, scale: float = 0.5):
        super().__init__()
        self.emb = torch.nn.Embedding(n_categories, inter_channels * 2)
        self.depth, self.scale = depth, scale

    def forward(self, category_ids, latent, num_frames):
        stats = self.emb(category_ids).unsqueeze(-1).expand(-1, -1, num_frames)
        return stats.chunk(2, dim=1)


class NotAPrior(AbsFlow):
    def forward(self, x, g, reverse=False):
        return x


@dataclass(frozen=True)
class FakeEntryPoint:
    group: str
    name: str
    value: str
    distribution: str
    loader: Callable[[], Any]

    def load(self):
        return self.loader()


def _raise_import_error():
    raise ImportError("No module named 'missing_dependency'")


def fake(name, loader, distribution="good-plugin", kind="prior_encoder"):
    return FakeEntryPoint(KINDS[kind][0], name, f"{distribution.replace('-', '_')}:{name}", distribution, loader)


def make_registry(*entry_points, environ=None) -> Registry:
    return Registry(entry_points=lambda groups: list(entry_points), environ=environ or {}, include_builtins=False)


def test_good_plugin_is_listed_and_builds():
    registry = make_registry(fake("good", lambda: GoodPrior))
    (info,) = registry.infos("prior_encoder")
    assert (info.name, info.distribution, info.status) == ("good", "good-plugin", "ok")
    assert registry.names("prior_encoder") == ["good"]
    module = registry.build("prior_encoder", {"name": "good", "depth": 3}, {"n_categories": 5, "num_frames": 9})
    assert isinstance(module, GoodPrior) and module.depth == 3 and module.emb.num_embeddings == 5


def test_wrong_type_is_reported_and_fails_only_when_selected():
    registry = make_registry(fake("flowy", lambda: NotAPrior), fake("good", lambda: GoodPrior))
    assert registry.names("prior_encoder") == ["good"]
    assert "not a subclass of AbsPriorEncoder" in registry.info("prior_encoder", "flowy").status
    with pytest.raises(ComponentError, match="flowy.*good-plugin"):
        registry.get("prior_encoder", "flowy")


def test_duplicate_name_from_two_distributions_names_both():
    registry = make_registry(fake("twin", lambda: GoodPrior, "dist-a"), fake("twin", lambda: GoodPrior, "dist-b"))
    assert registry.names("prior_encoder") == []
    with pytest.raises(ComponentError) as excinfo:
        registry.get("prior_encoder", "twin")
    assert "dist-a" in str(excinfo.value) and "dist-b" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_same_declaration_twice_is_not_a_conflict():
    registry = make_registry(fake("good", lambda: GoodPrior), fake("good", lambda: GoodPrior))
    assert registry.names("prior_encoder") == ["good"]


def test_import_error_is_isolated():
    registry = make_registry(fake("broken", _raise_import_error, "broken-plugin"), fake("good", lambda: GoodPrior))
    assert registry.names("prior_encoder") == ["good"]
    assert "ImportError" in registry.info("prior_encoder", "broken").status
    with pytest.raises(ComponentError) as excinfo:
        registry.get("prior_encoder", "broken")
    message = str(excinfo.value)
    assert "broken-plugin" in message and "missing_dependency" in message and "\n" not in message


def test_unknown_name_lists_available_ones():
    registry = make_registry(fake("good", lambda: GoodPrior), fake("other", lambda: GoodPrior))
    with pytest.raises(ComponentError, match=r"unknown prior_encoder 'nope'; available: good, other"):
        registry.get("prior_encoder", "nope")


def test_disabled_distribution_is_skipped_but_builtins_cannot_be_disabled():
    environ = {"TOOLKIT_DISABLE_PLUGINS": "Good_Plugin, foley-toolkit"}
    registry = Registry(entry_points=lambda groups: [fake("good", lambda: GoodPrior)], environ=environ)
    assert "good" not in [info.name for info in registry.infos("prior_encoder")]
    assert {"vifs", "vits"} <= {info.name for info in registry.infos("prior_encoder")}


def test_unknown_config_key_is_one_clear_error():
    registry = make_registry(fake("good", lambda: GoodPrior))
    with pytest.raises(ConfigError, match=r"unknown key\(s\) dept for prior_encoder 'good'; valid keys: .*depth"):
        registry.build("prior_encoder", {"name": "good", "dept": 3})
    with pytest.raises(ConfigError, match="no 'name' key"):
        registry.build("prior_encoder", {"depth": 3})


def test_unknown_kind():
    with pytest.raises(ComponentError, match="unknown component kind 'prior'"):
        make_registry().names("prior")


def test_plugin_gets_a_config_node_from_its_constructor_defaults(hydra_restore_singletons):
    registry = make_registry(fake("good", lambda: GoodPrior), fake("broken", _raise_import_error, "broken-plugin"))
    assert registry.config_node("prior_encoder", "good") == {"name": "good", "depth": 2, "scale": 0.5}
    registry.store_plugin_configs(ConfigStore.instance())
    with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
        cfg = compose(config_name="config", overrides=["model/prior_encoder=good"])
        assert dict(cfg.model.prior_encoder) == {"name": "good", "depth": 2, "scale": 0.5}
        with pytest.raises(Exception, match="broken"):  # a failed plugin gets no config node
            compose(config_name="config", overrides=["model/prior_encoder=broken"])


def test_setup_cfg_declares_exactly_the_builtin_components(repo_root):
    parser = configparser.ConfigParser()
    parser.read(repo_root / "setup.cfg")
    entry_points = parser["options.entry_points"]
    for kind, (group, _) in KINDS.items():
        declared = dict(
            (name.strip(), value.strip())
            for name, value in (line.split("=", 1) for line in entry_points[group].strip().splitlines())
        )
        assert declared == BUILTIN_COMPONENTS[kind], group


def _exit_at_import():
    raise SystemExit(3)


def _interrupted():
    raise KeyboardInterrupt


def test_plugin_that_exits_at_import_is_isolated():
    registry = make_registry(fake("quits", _exit_at_import, "quitting-plugin"), fake("good", lambda: GoodPrior))
    assert registry.names("prior_encoder") == ["good"]
    assert registry.info("prior_encoder", "quits").status == "error: SystemExit: 3"


def test_ctrl_c_while_loading_a_plugin_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        make_registry(fake("slow", _interrupted))
