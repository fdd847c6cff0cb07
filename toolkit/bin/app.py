"""Shared plumbing of the command-line entry points: plain-text help, Hydra apps and one-line user errors."""
from __future__ import annotations

import argparse
import functools
import logging
import re
import sys
from pathlib import Path
from typing import Callable, Sequence

from toolkit.config import CONFIG_MODULE, check_component_overrides, compose_config
from toolkit.config_schema import check_keys
from toolkit.errors import ComponentError, ConfigError, ToolkitError
from toolkit.log import stage_log_file

logger = logging.getLogger("toolkit")


def plain_text(doc: str) -> str:
    """A docstring as --help shows it: reST roles (:mod:, :func: ...) and double-backquoted literals lose their
    markup."""
    text = re.sub(r":[\w:.-]+:`~?([^`]+)`", r"\1", doc)
    return re.sub(r"``([^`]+)``", r"\1", text).strip()


def command_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """The argument parser of a command: ``doc`` (its module docstring) as plain text, line breaks kept."""
    return argparse.ArgumentParser(prog=prog, description=plain_text(doc),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def command_name(module: str) -> str:
    """How a user runs ``toolkit.bin.<module>``: ``toolkit <command>``, or ``python -m`` for internal stages."""
    from toolkit.bin.cli import COMMANDS

    short = module.rpartition(".")[2]
    names = [name for name, (target, _) in COMMANDS.items() if target == short]
    return f"toolkit {names[0]}" if names else f"python -m {module}"


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


def experiment_logs(cfg) -> Path:
    """The default log folder of an experiment's stages: ``<exp_dir>/logs``."""
    return Path(cfg.exp_dir) / "logs"


def dataset_logs(cfg) -> Path:
    """The default log folder of a dataset's stages: ``<data.data_dir>/logs``."""
    return Path(cfg.data.data_dir) / "logs"


def hydra_app(task: Callable, stage: str | None = None, log_dir: Callable = experiment_logs,
              config_name: str = "config") -> Callable[[Sequence[str] | None], int]:
    """Wrap ``task(cfg)`` as a Hydra 1.3 app on the packaged config; returns ``main(argv) -> exit code``.

    A ``stage`` appends its log to ``<$TOOLKIT_LOG_DIR or log_dir(cfg)>/<stage>.log`` (toolkit.log).
    """
    import hydra

    @hydra.main(config_path="pkg://" + CONFIG_MODULE, config_name=config_name, version_base="1.3")
    def _run(cfg):
        with stage_log_file(stage, log_dir(cfg)):
            try:
                check_keys(cfg, sys.argv[1:])
                task(cfg)
            except ToolkitError as exc:
                logger.error("%s", exc)
                sys.exit(1)

    def main(argv: Sequence[str] | None = None) -> int:
        from toolkit.plugins import bootstrap

        argv = list(sys.argv[1:] if argv is None else argv)
        if "--help" in argv or "-h" in argv:  # the command's own text above Hydra's list of groups and keys
            print(f"usage: {command_name(task.__module__)} [OVERRIDES...]  (Hydra: key=value, group=option)\n")
            print(plain_text(sys.modules[task.__module__].__doc__ or ""))
            argv.append("hydra.help.header=")
        try:
            bootstrap()
            check_component_overrides(argv)
            check_composition(argv, config_name)
        except (ComponentError, ConfigError) as exc:
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


def check_composition(argv: Sequence[str], config_name: str = "config") -> None:
    """Compose ``argv``'s overrides (and ``--config-dir``) once before Hydra does, so that an unknown key or
    option is one :class:`ConfigError` line naming the valid ones, not Hydra's report. Other Hydra flags
    (``--cfg``, ``--help``, ...) are left to Hydra."""
    overrides: list[str] = []
    config_dir = None
    args = iter(argv)
    for arg in args:
        if arg in ("--config-dir", "-cd"):
            config_dir = next(args, None)
        elif arg.startswith("--config-dir="):
            config_dir = arg.partition("=")[2]
        elif arg.startswith("-"):
            return
        else:
            overrides.append(arg)
    compose_config(overrides, config_name, config_dir)


if __name__ == "__main__":
    sys.exit("toolkit.bin.app is the commands' shared plumbing, not a command; run: toolkit --help")
