"""Config composition below every layer: the packaged Hydra config plus overrides, with component
overrides checked first so an unknown component is one clear line."""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Callable, Sequence

from toolkit.errors import ConfigError
from toolkit.registry import MODEL_SLOTS, get_registry

CONFIG_MODULE = "toolkit.conf"
_SLOT_OVERRIDE = re.compile(r"^[+~]*model/(?P<kind>\w+)=(?P<name>[^\s,]+)$")
_UNKNOWN_KEY = re.compile(r"^Could not override '(?P<key>[\w.]+)'\.")


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


def compose_config(overrides: Sequence[str] = (), config_name: str = "config", config_dir: str | Path | None = None):
    """Compose the packaged config with ``overrides`` (for tools that are not Hydra apps); ``config_dir``
    adds a folder of configs, e.g. a recipe's ``conf`` with its experiment presets, as ``--config-dir`` does.

    A composition error (unknown key, unknown option, unparsable override) and a key no packaged config
    defines (:func:`toolkit.config_schema.check_keys`) are one :class:`ConfigError` line that names the
    override or key and the valid choices."""
    from hydra import compose, initialize_config_module
    from hydra.errors import HydraException

    from toolkit.config_schema import check_keys
    from toolkit.plugins import bootstrap

    bootstrap()
    check_component_overrides(overrides)
    overrides = list(overrides)
    search = [config_dir_override(config_dir)] if config_dir is not None else []
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        try:
            cfg = compose(config_name=config_name, overrides=search + overrides)
        except HydraException as exc:
            raise ConfigError(
                composition_error(exc, overrides, lambda kept: compose(config_name=config_name, overrides=search + kept))
            ) from None
    check_keys(cfg, overrides)
    return cfg


def config_dir_override(config_dir: str | Path) -> str:
    """The Hydra override that adds a folder of configs, e.g. a recipe's ``conf`` with its experiment presets."""
    path = Path(config_dir).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(f"--config-dir {config_dir} is not a folder; pass a recipe's conf folder "
                          "(e.g. recipes/TEMPLATE/conf)")
    return f"hydra.searchpath=[file://{path}]"


def composition_error(exc: Exception, overrides: Sequence[str], compose: Callable[[list[str]], Any]) -> str:
    """One line for a Hydra composition error; ``compose(overrides)`` recomposes to list the valid keys."""
    from hydra.errors import MissingConfigException, OverrideParseException

    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, name = str(exc.missing_cfg_file).rpartition("/")
        options = list(exc.options or [])
        if not options:
            return f"no config '{exc.missing_cfg_file}' exists"
        return f"unknown {group} option '{name}' ({group}={name}); choose one of: {', '.join(options)}" + did_you_mean(
            name, options, f"{group}="
        )
    if isinstance(exc, OverrideParseException):
        detail = [line for line in exc.message.splitlines() if not line.startswith(("Error parsing", "See https"))]
        return f"cannot parse override '{exc.override}' ({'; '.join(detail)}); write key=value, e.g. train.max_steps=1000"
    match = _UNKNOWN_KEY.match(str(exc))
    if match:
        key = match["key"]
        culprit = next((o for o in overrides if o.lstrip("+~").split("=", 1)[0] == key), None)
        if culprit is not None:
            try:
                cfg = compose([o for o in overrides if o != culprit])
            except Exception:  # another override is broken too: report this one plainly
                cfg = None
            if cfg is not None:
                return _unknown_key(key, cfg)
    return " ".join(line.strip() for line in str(exc).split("Config search path:")[0].splitlines() if line.strip())


def did_you_mean(name: str, choices: Sequence[str], prefix: str = "") -> str:
    """``"; did you mean <prefix><closest>?"`` for the choice closest to ``name``, or ``""``."""
    close = difflib.get_close_matches(name, choices, n=1)
    return f"; did you mean {prefix}{close[0]}?" if close else ""


def _unknown_key(key: str, cfg) -> str:
    """Name the deepest existing node on ``key``'s path and the keys it does have."""
    from omegaconf import OmegaConf

    node: Any = OmegaConf.to_container(cfg, resolve=False)
    parts = key.split(".")
    depth = 0
    while depth < len(parts) and isinstance(node, dict) and parts[depth] in node:
        node = node[parts[depth]]
        depth += 1
    where = ".".join(parts[:depth])
    if depth == len(parts):  # the key exists: Hydra refused to merge new keys into its mapping
        return (f"cannot add keys to '{key}' with a plain override: write ++{key}=VALUE to replace it, "
                f"or +{key}.NAME=VALUE to add one key")
    if not isinstance(node, dict):
        return f"cannot set '{key}': '{where}' is a value, not a group of keys"
    label = f"'{where}'" + (f" ({node['name']})" if isinstance(node.get("name"), str) else "") if where else "the config"
    prefix = f"{where}." if where else ""
    keys = sorted(map(str, node))
    return f"unknown config key '{key}': {label} has no key '{parts[depth]}'; valid keys: {', '.join(keys)}" + (
        did_you_mean(parts[depth], keys, prefix)
    )


def flatten(tree, prefix: str = "") -> dict[str, Any]:
    """``{"a.b.c": leaf}`` for a nested dict such as a config as a container (a list is a leaf)."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    return {key: leaf for name, value in tree.items()
            for key, leaf in flatten(value, f"{prefix}.{name}" if prefix else str(name)).items()}
