"""The score stage as a Hydra app (used by the recipe): ``python -m toolkit.bin.score_stage score.generated_dir=...``.

Reads the ``score`` config group (toolkit/conf/score/default.yaml) and runs the same pipeline as
``toolkit score``.
"""
from __future__ import annotations

import sys

from omegaconf import OmegaConf

from toolkit.bin.app import hydra_app
from toolkit.errors import ConfigError
from toolkit.score.pipeline import ScoreOptions, run_scoring, use_all_cores


def options_from_config(cfg) -> ScoreOptions:
    """:class:`ScoreOptions` from the composed config's ``score`` node (required keys checked)."""
    node = OmegaConf.to_container(cfg.score, resolve=True)
    for key in ("generated_dir", "reference_dir", "out_dir"):
        if not node.get(key):
            raise ConfigError(f"score.{key} is not set; pass score.{key}=DIR")
    node.pop("num_threads", None)
    try:
        return ScoreOptions(**node)
    except TypeError as exc:
        raise ConfigError(f"score config: {exc}") from None


def task(cfg) -> None:
    use_all_cores(cfg.score.get("num_threads"))
    run_scoring(options_from_config(cfg))


main = hydra_app(task, "score")

if __name__ == "__main__":
    sys.exit(main())
