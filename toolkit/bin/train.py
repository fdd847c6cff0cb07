"""``toolkit train [OVERRIDES...]``: train the configured model into ``exp_dir`` (resumes from its last.pt).

Several GPUs or nodes: ``torchrun --nproc_per_node=N -m toolkit.bin.train exp_dir=... [OVERRIDES...]``
(docs/training.md). Every rank runs this same entry point; rank 0 alone writes.
"""
from __future__ import annotations

import logging
import os
import shlex
import sys

from toolkit.bin.app import hydra_app

#: A launcher that wraps this entry point (the recipe's run.sh) puts here the shell command that reruns the
#: training it started; advice that ends with overrides appends them to it.
RERUN_ENV = "TOOLKIT_RERUN"


def rerun_command(args: list[str]) -> str:
    """The shell command that reruns this training with ``args`` (Hydra's arguments), minus any learning rate."""
    if os.environ.get(RERUN_ENV):
        return os.environ[RERUN_ENV]
    kept = [arg for arg in args if arg.split("=", 1)[0].lstrip("+~") != "model.optim.learning_rate"]
    module = ["-m", "toolkit.bin.train", *kept]
    if "LOCAL_WORLD_SIZE" not in os.environ:  # not under torchrun
        return shlex.join([sys.executable, *module])
    processes = f"--nproc_per_node={os.environ['LOCAL_WORLD_SIZE']}"
    nodes = int(os.environ.get("GROUP_WORLD_SIZE", "1"))
    if nodes == 1:
        return shlex.join(["torchrun", "--standalone", processes, *module])
    return (f"on each node: torchrun --nnodes={nodes} {processes} --node_rank=<node> <rendezvous options> "
            + shlex.join(module))


def train(cfg) -> None:
    from toolkit.train.distributed import init_distributed, shutdown_distributed
    from toolkit.train.trainer import Trainer

    context = init_distributed(cfg.train.device)
    if not context.is_main:  # one copy of the console log is enough
        logging.getLogger().setLevel(logging.WARNING)
    try:
        Trainer(cfg, context, rerun=rerun_command(sys.argv[1:])).fit()  # hydra_app puts Hydra's arguments there
    finally:
        shutdown_distributed()


main = hydra_app(train, "train")

if __name__ == "__main__":
    sys.exit(main())
