"""Parity with the reference implementations: exact parameter counts (VIFS_SPEC §12, appendix A) and
slot YAMLs equal to the constructor defaults."""
from __future__ import annotations

import pytest
import yaml

from toolkit.bin.summary import parameter_counts
from toolkit.config import compose_config
from toolkit.models.builder import build_component, build_discriminator, build_generator
from toolkit.registry import MODEL_SLOTS, SHARED_DIMENSIONS, get_registry

VIFS = {
    "generator.total": 64_937_600,
    "generator.emb_g": 1_344,
    "generator.prior_encoder.enc_p": 2_767_680,
    "generator.prior_encoder.fpn": 30_970_368,
    "generator.prior_encoder.att": 37_056,
    "generator.posterior_encoder": 8_429_952,
    "generator.flow": 8_294_016,
    "generator.decoder": 14_437_184,
    "discriminator.total": 27_072_318,
    "discriminator.combd": 16_450_294,
    "discriminator.sbd": 10_622_024,
}
VITS = {
    "generator.total": 37_455_104,
    "generator.prior_encoder": 6_293_952,
    "generator.posterior_encoder": 8_429_952,
    "generator.flow": 8_294_016,
    "generator.decoder": 14_435_840,
    "discriminator.total": 46_747_132,
    "discriminator.msd": 5_641_362,
    "discriminator.mpd": 5 * 8_221_154,
}


@pytest.mark.parametrize("bundle, expected", [("vifs", VIFS), ("vits", VITS)])
def test_full_size_parameter_counts(bundle, expected):
    cfg = compose_config([f"model={bundle}"])
    counts = parameter_counts(build_generator(cfg.model), build_discriminator(cfg.model))
    assert {key: counts[key] for key in expected} == expected


def test_alias_free_decoders_have_the_hifigan_parameter_counts():
    for name, expected in [("alias_free_multiscale", 14_437_184), ("alias_free", 14_435_840)]:
        cfg = compose_config(["model=vifs", f"model/decoder={name}"])
        assert sum(p.numel() for p in build_component("decoder", cfg.model).parameters()) == expected


def _slot_options():
    from importlib.resources import files

    root = files("toolkit.conf") / "model"
    for slot in MODEL_SLOTS:
        for entry in sorted((root / slot).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                yield slot, entry.name[: -len(".yaml")], yaml.safe_load(entry.read_text())


@pytest.mark.parametrize("slot, name, node", list(_slot_options()), ids=lambda v: v if isinstance(v, str) else "")
def test_slot_yaml_equals_constructor_defaults(slot, name, node):
    """Every structural number is a constructor kwarg whose default is the reference value."""
    assert node["name"] == name
    assert not set(node) & set(SHARED_DIMENSIONS), "shared dimensions belong in the bundle"
    assert node == get_registry().config_node(slot, name)
