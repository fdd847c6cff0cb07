"""``toolkit generate``: N clips per category from a checkpoint (Hydra app, config group ``generate``)."""
from __future__ import annotations

import logging
import sys
from typing import Sequence

from omegaconf import OmegaConf

from toolkit.bin.app import fail, hydra_app
from toolkit.generate import GenerateOptions, generate_clips

logger = logging.getLogger("toolkit.generate")


def run(cfg) -> None:
    options = GenerateOptions.from_mapping(OmegaConf.to_container(cfg.generate, resolve=True))
    out_dir = generate_clips(cfg.exp_dir, options)
    logger.info("generated audio: %s", out_dir)
    print(out_dir)


_hydra_main = hydra_app(run, "generate")


def main(argv: Sequence[str] | None = None) -> int:
    """Generation rebuilds the model from the checkpoint's saved config: ``model`` overrides are refused."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for arg in argv:
        key = arg.lstrip("+~").split("=", 1)[0]
        if key == "model" or key.startswith(("model.", "model/")):
            return fail(f"'{arg}': generate rebuilds the model from the checkpoint's saved config; drop the model override")
    return _hydra_main(argv)


if __name__ == "__main__":
    sys.exit(main())
