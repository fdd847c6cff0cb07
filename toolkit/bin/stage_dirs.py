"""``python -m toolkit.bin.stage_dirs``: print the folders that the generate and score stages write for the
composed config, without generating or scoring. The recipe names its folders and ``.done`` markers with them.

Line 1: the generated set, ``generate.out_dir`` or ``<exp_dir>/gen_<checkpoint stem>_<plan digest>`` (the
digest covers the generation settings only). Line 2: its scores, ``<generated set>/score_<digest of the
scoring settings>``, so that other scoring settings score the same clips again without generating them.
"""
from __future__ import annotations

import sys

from omegaconf import OmegaConf

from toolkit.bin.app import hydra_app
from toolkit.bin.score_stage import options_from_config
from toolkit.generate import GenerateOptions
from toolkit.generate.writer import AUDIO_DIR
from toolkit.score.layout import score_dir_for


def task(cfg) -> None:
    generate = GenerateOptions.from_mapping(OmegaConf.to_container(cfg.generate, resolve=True))
    gen_dir = generate.output_dir(cfg.exp_dir, generate.plan())
    OmegaConf.update(cfg, "score.generated_dir", str(gen_dir / AUDIO_DIR))
    OmegaConf.update(cfg, "score.out_dir", str(gen_dir))
    print(gen_dir)
    print(score_dir_for(gen_dir, options_from_config(cfg)))


main = hydra_app(task)

if __name__ == "__main__":
    sys.exit(main())
