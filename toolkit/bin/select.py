"""``toolkit select`` (stage 6): choose per category the best checkpoint and noise scale (Hydra app).

Writes ``<select.out_dir>/ensemble.yaml`` for ``generate.ensemble`` and the grid as ``selection.{md,json}``.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

from omegaconf import OmegaConf

from toolkit.bin.app import hydra_app
from toolkit.errors import ConfigError
from toolkit.generate import GenerateOptions
from toolkit.score.pipeline import ScoreOptions, use_all_cores
from toolkit.select import SELECTION_MD, grid_checkpoints, select_ensemble

logger = logging.getLogger("toolkit.select")


def task(cfg) -> None:
    select = OmegaConf.to_container(cfg.select, resolve=True)
    score = OmegaConf.to_container(cfg.score, resolve=True)
    if not score.get("reference_dir"):
        raise ConfigError("score.reference_dir is not set; selection scores every grid point against it")
    use_all_cores(score.pop("num_threads", None))
    score.update(generated_dir="", out_dir="", scorers=select["scorers"])
    generate = GenerateOptions.from_mapping(OmegaConf.to_container(cfg.generate, resolve=True))
    if select["clips_per_category"] is not None:
        generate = replace(generate, clips_per_category=int(select["clips_per_category"]))
    checkpoints = grid_checkpoints(cfg.exp_dir, select["checkpoints"], int(select["last_checkpoints"]))
    select_ensemble(cfg.exp_dir, select["out_dir"], checkpoints, select["noise_scales"], generate,
                    ScoreOptions(**score), metric=select["metric"])
    print(Path(select["out_dir"], SELECTION_MD).read_text(encoding="utf-8"))


main = hydra_app(task, "select")

if __name__ == "__main__":
    sys.exit(main())
