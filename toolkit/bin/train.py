"""``toolkit train [OVERRIDES...]``: train the configured model into ``exp_dir`` (resumes from its last.pt).

Several GPUs or nodes: ``torchrun --nproc_per_node=N -m toolkit.bin.train exp_dir=... [OVERRIDES...]``
(docs/training.md). Every rank runs this same entry point; rank 0 alone writes.
"""
from __future__ import annotations

import logging
import sys

from toolkit.bin.app import hydra_app


def train(cfg) -> None:
    from toolkit.train.distributed import init_distributed, shutdown_distributed
    from toolkit.train.trainer import Trainer

    context = init_distributed(cfg.train.device)
    if not context.is_main:  # one copy of the console log is enough
        logging.getLogger().setLevel(logging.WARNING)
    try:
        Trainer(cfg, context).fit()
    finally:
        shutdown_distributed()


main = hydra_app(train)

if __name__ == "__main__":
    sys.exit(main())
