"""Tiny model sizes for tests and the demo recipe: the same architecture with every dimension shrunk,
hop 256 and 344 frames kept, segment 2048 samples (8 frames)."""
from __future__ import annotations

from typing import Sequence

from omegaconf import DictConfig

from toolkit.config import compose_config
from toolkit.registry import MODEL_SLOTS

#: Shrinks the dimensions shared by all components.
TINY_SHARED = [
    "model.inter_channels=16",
    "model.hidden_channels=16",
    "model.gin_channels=16",
    "model.segment_size=2048",
]

_TINY_DECODER = [
    "model.decoder.upsample_initial_channel=32",
    "model.decoder.resblock_kernel_sizes=[3]",
    "model.decoder.resblock_dilation_sizes=[[1,3]]",
]

#: slot -> component name -> overrides that shrink that component (components not listed keep their size).
TINY_COMPONENTS: dict[str, dict[str, list[str]]] = {
    "prior_encoder": {
        "vifs": ["model.prior_encoder.wn_layers=2", "model.prior_encoder.fpn_kernel_size=5", "model.prior_encoder.fpn_layers=2"],
        "vits": ["model.prior_encoder.filter_channels=32", "model.prior_encoder.n_layers=1"],
    },
    "posterior_encoder": {"wavenet": ["model.posterior_encoder.n_layers=2"]},
    "flow": {"residual_coupling": ["model.flow.n_layers=1", "model.flow.n_flows=2"]},
    "decoder": {name: _TINY_DECODER for name in ("hifigan", "hifigan_multiscale", "alias_free", "alias_free_multiscale")},
    "discriminator": {
        "avocodo": [
            "model.discriminator.combd_channels=[8,16,32,32,32,32]",
            "model.discriminator.combd_groups=[1,4,8,8,8,1]",
            "model.discriminator.sbd_filters=[[8,16,16,16,16],[8,16,16,16,16],[8,16,16,16,16],[8,8,8,8,8]]",
        ],
        "mpd_msd": [
            "model.discriminator.period_channels=[4,8,16,32,32]",
            "model.discriminator.scale_channels=[8,16,32,32,32,32]",
            "model.discriminator.scale_groups=[1,4,8,8,8,1]",
        ],
    },
    "augmentation": {},
}


def tiny_overrides(choices: dict[str, str]) -> list[str]:
    """Overrides that shrink the shared dimensions and each chosen built-in component (slot -> name)."""
    overrides = list(TINY_SHARED)
    for slot in MODEL_SLOTS:
        overrides += TINY_COMPONENTS.get(slot, {}).get(choices.get(slot, ""), [])
    return overrides


#: Tiny overrides for the default ``model=vifs`` bundle (e.g. for the demo recipe's command line).
TINY_OVERRIDES: list[str] = tiny_overrides(
    {
        "prior_encoder": "vifs",
        "posterior_encoder": "wavenet",
        "flow": "residual_coupling",
        "decoder": "hifigan_multiscale",
        "discriminator": "avocodo",
        "augmentation": "phaseaug",
    }
)


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def compose_tiny(overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the packaged config with ``overrides``, then again with every chosen built-in component
    shrunk to a tiny size. Keys set explicitly in ``overrides`` win over the tiny values."""
    overrides = list(overrides)
    cfg = compose_config(overrides)
    choices = {slot: str(cfg.model[slot].name) for slot in MODEL_SLOTS if cfg.model.get(slot) is not None}
    explicit = {_key(o) for o in overrides}
    tiny = [o for o in tiny_overrides(choices) if _key(o) not in explicit]
    return compose_config(tiny + overrides)
