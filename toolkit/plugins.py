"""The pluggy plugin manager (entry-point group ``foley_toolkit.plugins``) and start-up bootstrap."""
from __future__ import annotations

import importlib.metadata as metadata
import logging
from dataclasses import dataclass

import pluggy

from toolkit import hookspecs
from toolkit.registry import canonical_distribution, disabled_distributions, get_registry, load_isolated

logger = logging.getLogger(__name__)

PLUGIN_GROUP = "foley_toolkit.plugins"


@dataclass
class PluginLoadFailure:
    """A hook plugin that failed to import or register, kept for ``toolkit list``."""

    name: str
    distribution: str
    error: str


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)  # specs first, so registration validates implementations
    return pm


def load_plugin_manager(environ=None) -> tuple[pluggy.PluginManager, list[PluginLoadFailure]]:
    """A manager with every ``foley_toolkit.plugins`` entry point registered, each in its own try/except."""
    pm = _new_manager()
    failures: list[PluginLoadFailure] = []
    disabled = disabled_distributions(environ)
    seen: set[tuple[str, str]] = set()
    for ep in metadata.entry_points(group=PLUGIN_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown"
        if canonical_distribution(dist) in disabled or (ep.name, ep.value) in seen:
            continue
        seen.add((ep.name, ep.value))
        _, error = load_isolated(lambda: pm.register(ep.load(), name=f"{dist}:{ep.name}"), f"hook plugin '{ep.name}'")
        if error is not None:
            failures.append(PluginLoadFailure(ep.name, dist, error))
            logger.warning("hook plugin '%s' from %s failed to load: %s", ep.name, dist, error)
    return pm, failures


_MANAGER: pluggy.PluginManager | None = None
_FAILURES: list[PluginLoadFailure] = []


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded on first use."""
    global _MANAGER, _FAILURES
    if _MANAGER is None:
        _MANAGER, _FAILURES = load_plugin_manager()
    return _MANAGER


def plugin_failures() -> list[PluginLoadFailure]:
    get_plugin_manager()
    return list(_FAILURES)


def bootstrap() -> None:
    """Make every component and preset selectable from Hydra (idempotent; discovery runs once per process).

    Nodes are stored on every call because Hydra's test fixtures restore the ConfigStore between tests.
    """
    from hydra.core.config_store import ConfigStore

    from toolkit.models.sizes import size_table, store_sizes

    config_store = ConfigStore.instance()
    get_registry().store_plugin_configs(config_store)
    store_sizes(config_store, size_table())
    get_plugin_manager().hook.toolkit_register_configs(config_store=config_store)
