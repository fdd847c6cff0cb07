"""Model sizes (``model/size=NAME``): the packaged table ``sizes.yaml`` plus the entries plugins add for their
own components (hook ``toolkit_model_sizes``), stored as the Hydra config nodes the bundles' defaults lists
pick per chosen component."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from omegaconf import OmegaConf

from toolkit.registry import MODEL_SLOTS

logger = logging.getLogger(__name__)

SIZE_TABLE = Path(__file__).with_name("sizes.yaml")
#: The published sizes: the components' own configs, nothing merged (toolkit/conf/model/size/full.yaml).
FULL = "full"

#: size -> {"shared": {...}, slot: {component: {key: value}}}
SizeTable = dict[str, dict[str, Any]]


def packaged_sizes() -> SizeTable:
    """The toolkit's sizes from ``sizes.yaml``."""
    return OmegaConf.to_container(OmegaConf.load(SIZE_TABLE), resolve=True)


def add_plugin_sizes(table: SizeTable, contribution: Any, plugin: str) -> None:
    """Merge one plugin's ``{size: {slot: {component: {key: value}}}}`` into ``table`` (a bad entry is a
    warning: the other sizes still load)."""
    if not isinstance(contribution, Mapping):
        logger.warning("plugin %s: toolkit_model_sizes returned %r, not {size: {slot: {component: {...}}}}",
                       plugin, contribution)
        return
    for size, slots in contribution.items():
        if size not in table or not isinstance(slots, Mapping):
            logger.warning("plugin %s: ignoring its sizes for '%s' (sizes: %s)", plugin, size, ", ".join(table))
            continue
        for slot, components in slots.items():
            if slot not in MODEL_SLOTS or not isinstance(components, Mapping):
                logger.warning("plugin %s: ignoring its '%s' sizes for '%s' (slots: %s)",
                               plugin, size, slot, ", ".join(MODEL_SLOTS))
                continue
            table[size].setdefault(slot, {}).update({name: dict(entry) for name, entry in components.items()})


def size_table() -> SizeTable:
    """Every size: the packaged table with each plugin's entries merged in."""
    from toolkit.plugins import get_plugin_manager

    table = packaged_sizes()
    manager = get_plugin_manager()
    for impl in manager.hook.toolkit_model_sizes.get_hookimpls():
        plugin = manager.get_name(impl.plugin) or str(impl.plugin)
        try:
            contribution = impl.function()
        except Exception as exc:  # a broken plugin must not stop the toolkit's own sizes
            logger.warning("plugin %s: toolkit_model_sizes failed: %s", plugin, exc)
            continue
        add_plugin_sizes(table, contribution, plugin)
    return table


def store_sizes(config_store, table: SizeTable) -> None:
    """Store ``model/size/<size>`` (the shared dimensions) and ``model/size/<slot>/<size>_<component>``."""
    for size, entry in table.items():
        node = {"size": size, **entry.get("shared", {})}
        config_store.store(group="model/size", name=size, node=node, package="model")
        for slot in MODEL_SLOTS:
            for component, values in entry.get(slot, {}).items():
                config_store.store(group=f"model/size/{slot}", name=f"{size}_{component}", node=values)


def log_unsized_components(model_cfg: Mapping[str, Any], table: SizeTable | None = None) -> list[tuple[str, str]]:
    """Log, and return as ``(slot, component)``, each chosen component without an entry for ``model_cfg``'s
    size: it keeps its defaults."""
    size = model_cfg.get("size", FULL)
    if size == FULL:
        return []
    entry = (table if table is not None else size_table()).get(size, {})
    chosen = [(slot, str(model_cfg[slot]["name"])) for slot in MODEL_SLOTS if model_cfg.get(slot) is not None]
    unsized = [(slot, name) for slot, name in chosen if name not in entry.get(slot, {})]
    for slot, name in unsized:
        logger.info("%s '%s' has no '%s' size (its plugin registers none): it keeps its default size", slot, name, size)
    return unsized
