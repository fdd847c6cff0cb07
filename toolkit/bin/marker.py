"""``python -m toolkit.bin.marker STAGE MARKER FORCE [ARGS...]``: whether a recipe stage must run.

Prints two lines: ``run`` or ``skip``, then the settings that MARKER records once the stage has run (one
line of JSON). FORCE is ``true`` or ``false`` (run.sh's ``--force``). For ``obtain`` ARGS are the recipe's
``KEY=VALUE`` settings of stage 0; for the other stages they are the stage's own Hydra arguments, and the
composed config gives the settings (:data:`toolkit.markers.POLICIES`). A refused change is one line of error.
"""
from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from omegaconf import OmegaConf

from toolkit.bin.app import fail, hydra_app, plain_text
from toolkit.errors import ConfigError
from toolkit.markers import POLICIES, encode, must_run


def decide(stage: str, marker: Path, force: bool, settings: dict) -> None:
    print("run" if must_run(stage, marker, settings, force) else "skip")
    print(encode(settings))


def from_config(stage: str, marker: Path, force: bool, cfg) -> None:
    groups = POLICIES[stage][0]
    decide(stage, marker, force, {group: OmegaConf.to_container(cfg[group], resolve=True) for group in groups})


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--help"], ["-h"]):
        print(f"usage: python -m toolkit.bin.marker {{{','.join(POLICIES)}}} MARKER true|false [ARGS...]\n")
        print(plain_text(__doc__))
        return 0
    if len(argv) < 3 or argv[0] not in POLICIES or argv[2] not in ("true", "false"):
        return fail(f"usage: marker {{{','.join(POLICIES)}}} MARKER true|false [ARGS...]")
    stage, marker, force, args = argv[0], Path(argv[1]), argv[2] == "true", argv[3:]
    if stage != "obtain":
        return hydra_app(partial(from_config, stage, marker, force))(args)
    pairs = [arg.partition("=") for arg in args]
    if any(not sep for _, sep, _ in pairs):
        return fail(f"obtain settings are KEY=VALUE, got {' '.join(args)}")
    try:
        decide(stage, marker, force, {"obtain": {key: value for key, _, value in pairs}})
    except ConfigError as exc:
        return fail(str(exc), 1)
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
