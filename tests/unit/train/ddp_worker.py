"""One rank of the DDP test, launched by ``torchrun``: train the tiny model, save this rank's weights.

Usage: ``torchrun --nproc_per_node 2 ddp_worker.py OUT_DIR HYDRA_OVERRIDES...``
"""
import sys
from pathlib import Path

import torch

from toolkit.hookspecs import hookimpl
from toolkit.models.presets import compose_tiny
from toolkit.plugins import get_plugin_manager
from toolkit.train.distributed import init_distributed, shutdown_distributed
from toolkit.train.trainer import Trainer


class HookCalls:
    """A logger plugin writing each start and close call it receives to ``<out_dir>/hooks_rank<r>.txt``."""

    def __init__(self, path: Path):
        self.path = path

    @hookimpl
    def toolkit_log_start(self, rank, world_size, step):
        with open(self.path, "a") as handle:
            handle.write(f"start rank={rank} world_size={world_size} step={step}\n")

    @hookimpl
    def toolkit_log_close(self, step, status):
        with open(self.path, "a") as handle:
            handle.write(f"close step={step} status={status}\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    out_dir, overrides = Path(sys.argv[1]), sys.argv[2:]
    context = init_distributed("cpu")
    get_plugin_manager().register(HookCalls(out_dir / f"hooks_rank{context.rank}.txt"))
    trainer = Trainer(compose_tiny(overrides), context)
    trainer.fit()
    torch.save(
        {"generator": trainer.generator.state_dict(), "discriminator": trainer.discriminator.state_dict(),
         "step": trainer.step, "world_size": context.world_size},
        out_dir / f"rank{context.rank}.pt",
    )
    shutdown_distributed()
