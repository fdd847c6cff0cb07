"""Build the model's parts from the composed ``model`` config through the registry."""
from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

import toolkit.conf  # noqa: F401  (registers the resolvers that derive model settings from the data's)
from toolkit.errors import ConfigError
from toolkit.models.sizes import log_unsized_components
from toolkit.registry import MODEL_SLOTS, SHARED_DIMENSIONS, Registry, get_registry


def _plain(cfg: Any) -> dict:
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True)
    return dict(cfg)


def shared_dimensions(model_cfg) -> dict[str, Any]:
    """The model-level dimensions every component may take by parameter name."""
    cfg = _plain(model_cfg)
    return {key: cfg[key] for key in SHARED_DIMENSIONS if key in cfg}


def build_component(kind: str, model_cfg, registry: Registry | None = None, **runtime):
    """Instantiate the component chosen for slot ``kind`` of ``model_cfg``."""
    cfg = _plain(model_cfg)
    if kind not in cfg or cfg[kind] is None:
        raise ConfigError(f"model.{kind} is not set; choose one with model/{kind}=<name>")
    return (registry or get_registry()).build(kind, cfg[kind], shared_dimensions(cfg), **runtime)


def build_generator(model_cfg, registry: Registry | None = None):
    """The :class:`~toolkit.models.synthesizer.Synthesizer` with every generator slot built (a log line names
    each chosen component the config's size has no entry for)."""
    from toolkit.models.synthesizer import Synthesizer

    log_unsized_components(_plain(model_cfg))
    parts = {kind: build_component(kind, model_cfg, registry) for kind in MODEL_SLOTS[:4]}
    return Synthesizer(**parts, **shared_dimensions(model_cfg))


def build_discriminator(model_cfg, registry: Registry | None = None):
    return build_component("discriminator", model_cfg, registry)


def build_augmentation(model_cfg, registry: Registry | None = None):
    return build_component("augmentation", model_cfg, registry)
