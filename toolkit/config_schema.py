"""The valid config keys, derived from the packaged config files (their one source of truth), and the check
that refuses any other key a composed config holds, whether an experiment preset or a ``+key`` override
added it.

Under a key whose packaged value is a mapping, only its keys are valid; a packaged empty mapping (e.g.
``score.embedding_options``) or a non-mapping value (e.g. ``generate.noise_scale``) takes any value. The
model's slot nodes are left to the registry, which checks them against the component's constructor.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from omegaconf import DictConfig, OmegaConf

from toolkit.config import did_you_mean
from toolkit.errors import ConfigError
from toolkit.registry import MODEL_SLOTS

#: Config groups whose options (packaged files and stored nodes) define the valid keys below them.
CHECKED_GROUPS = ("model", "data", "train", "generate", "score", "select")
#: A key that takes any value (the packaged value is not a mapping with keys, or a slot node).
ANY = None


def _merge(into: dict, node: Mapping) -> dict:
    """Add ``node``'s keys to the tree ``into``: a key stays a checked mapping only while every option
    gives it one."""
    for key, value in node.items():
        nested = isinstance(value, Mapping) and bool(value)
        if key not in into:
            into[key] = _merge({}, value) if nested else ANY
        elif isinstance(into[key], dict) and nested:
            _merge(into[key], value)
        else:
            into[key] = ANY
    return into


def _group_options(group: str) -> Iterator[Mapping]:
    """The content of every option of ``group``: the packaged YAML files and the nodes plugins stored."""
    from hydra.core.config_store import ConfigNode, ConfigStore

    import toolkit.conf

    for path in sorted((Path(toolkit.conf.__file__).parent / group).glob("*.yaml")):
        yield OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    for name, node in ConfigStore.instance().repo.get(group, {}).items():
        if name.endswith(".yaml") and isinstance(node, ConfigNode):
            yield OmegaConf.to_container(node.node, resolve=False)


def valid_keys() -> dict[str, Any]:
    """The tree of valid keys (a mapping of checked keys, or :data:`ANY`): the primary config's own keys, and
    the keys of every option of each checked group."""
    import toolkit.conf

    primary = OmegaConf.to_container(OmegaConf.load(Path(toolkit.conf.__file__).parent / "config.yaml"), resolve=False)
    schema = _merge({}, {key: value for key, value in primary.items() if key not in ("defaults", "hydra")})
    for group in CHECKED_GROUPS:
        schema[group] = {}
        for option in _group_options(group):
            _merge(schema[group], {key: value for key, value in option.items() if key != "defaults"})
    schema["model"].update(dict.fromkeys([*MODEL_SLOTS, "size"], ANY))  # slots: the registry checks them
    return schema


def unknown_keys(node: Mapping, schema: Mapping, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """``(dotted key, valid keys at its level)`` for each key of ``node`` that ``schema`` does not have."""
    for key, value in node.items():
        if key not in schema:
            yield f"{prefix}{key}", sorted(map(str, schema))
        elif isinstance(schema[key], dict) and isinstance(value, Mapping):
            yield from unknown_keys(value, schema[key], f"{prefix}{key}.")


def _source(key: str, overrides: Sequence[str]) -> str:
    """Where ``key`` came from: its ``+`` override, else a config file (the experiment preset, if any)."""
    for override in overrides:
        name, _, _ = override.partition("=")
        if name.startswith("+") and name.lstrip("+") == key:
            return f"from the override '{override}'"
    experiments = [o.partition("=")[2] for o in overrides if o.lstrip("+").startswith("experiment=")]
    if experiments:
        return f"in the experiment preset '{experiments[-1]}' (or another config file)"
    return "in a config file"


def check_keys(cfg: DictConfig, overrides: Sequence[str] = ()) -> None:
    """Raise one :class:`ConfigError` line for the first key of ``cfg`` that the packaged configs do not define,
    naming where it came from and the valid keys at its level."""
    if any(o.lstrip("+~").partition("=")[0] == "model.size" for o in overrides):
        raise ConfigError("model.size only records the size; choose one with model/size=NAME (e.g. model/size=tiny)")
    found = list(unknown_keys(OmegaConf.to_container(cfg, resolve=False), valid_keys()))
    if not found:
        return
    key, valid = found[0]
    if key == "experiment":  # Hydra found no experiment group and added a plain key instead
        raise ConfigError(f"+experiment={cfg.experiment} selects a preset of a recipe's conf/experiment/ folder: "
                          "add --config-dir <recipe>/conf (run.sh does)")
    where, _, leaf = key.rpartition(".")
    level = f"'{where}'" if where else "the config"
    hint = did_you_mean(leaf, valid, f"{where}." if where else "")
    more = f" (also unknown: {', '.join(k for k, _ in found[1:])})" if len(found) > 1 else ""
    raise ConfigError(
        f"unknown config key '{key}' {_source(key, overrides)}: {level} has no key '{leaf}'; "
        f"valid keys: {', '.join(valid)}{hint}{more}"
    )
