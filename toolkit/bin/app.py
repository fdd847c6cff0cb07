"""Shared plumbing of the command-line entry points: config composition and one-line user errors."""
from __future__ import annotations

import functools
import logging
import re
import sys
from pathlib import Path
from typing import Callable, Sequence

from toolkit.errors import ComponentError, ToolkitError
from toolkit.registry import MODEL_SLOTS, get_registry

logger = logging.getLogger("toolkit")

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


def fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def user_errors(fn: Callable[..., int]) -> Callable[..., int]:
    """Turn :class:`ToolkitError` into one line on stderr and a non-zero exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ToolkitError as exc:
            return fail(str(exc))

    return wrapper


def hydra_app(task: Callable, config_name: str = "config") -> Callable[[Sequence[str] | None], int]:
    """Wrap ``task(cfg)`` as a Hydra 1.3 app on the packaged config; returns ``main(argv) -> exit code``."""
    import hydra

    @hydra.main(config_path="pkg://" + CONFIG_MODULE, config_name=config_name, version_base="1.3")
    def _run(cfg):
        try:
            task(cfg)
        except ToolkitError as exc:
            logger.error("%s", exc)
            sys.exit(1)

    def main(argv: Sequence[str] | None = None) -> int:
        from toolkit.plugins import bootstrap

        argv = list(sys.argv[1:] if argv is None else argv)
        try:
            bootstrap()
            check_component_overrides(argv)
        except ComponentError as exc:
            return fail(str(exc))
        saved = sys.argv
        sys.argv = [saved[0] if saved else "toolkit"] + argv
        try:
            _run()
        except SystemExit as exc:
            return int(exc.code or 0) if not isinstance(exc.code, str) else fail(exc.code, 1)
        finally:
            sys.argv = saved
        return 0

    return main
