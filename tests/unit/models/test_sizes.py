"""Model sizes (``model/size=NAME``): one table, applied to whichever component each slot chooses."""
from __future__ import annotations

import logging

import pytest
import torch

from toolkit.config import compose_config
from toolkit.models.builder import build_discriminator, build_generator
from toolkit.models.sizes import FULL, add_plugin_sizes, log_unsized_components, packaged_sizes
from toolkit.registry import MODEL_SLOTS, get_registry

SIZES = sorted(packaged_sizes())
BUILTINS = [(slot, info.name) for slot in MODEL_SLOTS for info in get_registry().infos(slot) if info.builtin]


def test_every_size_covers_every_builtin_component():
    assert {"tiny", "micro"} <= set(SIZES)
    for size, entry in packaged_sizes().items():
        missing = [f"{slot} {name}" for slot, name in BUILTINS if name not in entry.get(slot, {})]
        assert missing == [], size


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("slot,name", BUILTINS, ids=[f"{s}={n}" for s, n in BUILTINS])
def test_a_size_resizes_the_chosen_component_of_either_bundle(size, slot, name):
    table = packaged_sizes()[size]
    bundle = "vits" if compose_config([]).model[slot].name == name else "vifs"  # a swap where one exists
    cfg = compose_config([f"model={bundle}", f"model/size={size}", f"model/{slot}={name}"])
    assert cfg.model.size == size and cfg.model[slot].name == name
    assert {key: cfg.model[key] for key in table["shared"]} == table["shared"]
    node = cfg.model[slot]
    assert {key: node[key] for key in table[slot][name]} == table[slot][name]
    assert log_unsized_components(cfg.model) == []
    with torch.device("meta"):  # the constructors accept every key of the size: shapes only, no memory
        build_generator(cfg.model), build_discriminator(cfg.model)


def test_full_is_the_default_and_keys_set_explicitly_win_over_the_size():
    assert compose_config([]).model.size == FULL
    assert compose_config([]).model.prior_encoder.wn_layers == 6
    cfg = compose_config(["model/size=micro", "model.segment_size=4096", "model.prior_encoder.fpn_layers=3"])
    assert cfg.model.segment_size == 4096 and cfg.model.prior_encoder.fpn_layers == 3
    assert cfg.model.prior_encoder.fpn_kernel_size == packaged_sizes()["micro"]["prior_encoder"]["vifs"]["fpn_kernel_size"]


def test_an_unknown_size_lists_the_sizes():
    from toolkit.errors import ConfigError

    with pytest.raises(ConfigError, match=r"unknown model/size option 'tinyy'.*micro.*tiny; did you mean model/size=tiny"):
        compose_config(["model/size=tinyy"])


def test_a_component_without_an_entry_keeps_its_defaults_with_a_log_line(caplog):
    model = {"size": "tiny", "prior_encoder": {"name": "thirdparty"}, "flow": {"name": "residual_coupling"}}
    with caplog.at_level(logging.INFO, logger="toolkit.models.sizes"):
        assert log_unsized_components(model) == [("prior_encoder", "thirdparty")]
    assert "prior_encoder 'thirdparty' has no 'tiny' size" in caplog.text and "keeps its default size" in caplog.text
    assert log_unsized_components({**model, "size": FULL}) == []


def test_plugin_sizes_merge_and_bad_entries_are_warnings(caplog):
    table = packaged_sizes()
    add_plugin_sizes(table, {"tiny": {"prior_encoder": {"mine": {"n_layers": 1}}}}, "demo-plugin")
    assert table["tiny"]["prior_encoder"]["mine"] == {"n_layers": 1}
    assert table["tiny"]["prior_encoder"]["vifs"]["wn_layers"] == 2  # the toolkit's entries stay
    with caplog.at_level(logging.WARNING, logger="toolkit.models.sizes"):
        add_plugin_sizes(table, {"huge": {"prior_encoder": {"mine": {}}}}, "demo-plugin")
        add_plugin_sizes(table, {"tiny": {"prior": {"mine": {}}}}, "demo-plugin")
        add_plugin_sizes(table, ["tiny"], "demo-plugin")
    assert "huge" not in table and "prior" not in table["tiny"]
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["plugin demo-plugin"] * 3
