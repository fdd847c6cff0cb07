"""Config composition below every layer: the packaged Hydra config plus overrides, with component
overrides checked first so an unknown component is one clear line."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from toolkit.registry import MODEL_SLOTS, get_registry

CONFIG_MODULE = "toolkit.conf"
_SLOT_OVERRIDE = re.compile(r"^[+~]*model/(?P<kind>\w+)=(?P<name>[^\s,]+)$")


def _is_preset(kind: str, name: str) -> bool:
    """Whether ``model/<kind>/<name>`` is a config option that is not a component name (a preset)."""
    from hydra.core.config_store import ConfigStore

    import toolkit.conf

    stored = ConfigStore.instance().repo.get("model", {}).get(kind, {})
    packaged = Path(toolkit.conf.__file__).parent / "model" / kind / f"{name}.yaml"
    return f"{name}.yaml" in stored or packaged.is_file()


def check_component_overrides(overrides: Sequence[str]) -> None:
    """Fail with one line when an override selects an unknown or broken component."""
    registry = get_registry()
    for override in overrides:
        match = _SLOT_OVERRIDE.match(override)
        if not match or match["kind"] not in MODEL_SLOTS:
            continue
        kind, name = match["kind"], match["name"]
        known = any(info.name == name for info in registry.infos(kind))
        if known or not _is_preset(kind, name):
            registry.get(kind, name)


def compose_config(overrides: Sequence[str] = (), config_name: str = "config"):
    """Compose the packaged config with ``overrides`` (for tools that are not Hydra apps)."""
    from hydra import compose, initialize_config_module

    from toolkit.plugins import bootstrap

    bootstrap()
    check_component_overrides(overrides)
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))
