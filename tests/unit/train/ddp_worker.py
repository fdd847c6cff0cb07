"""One rank of the DDP test, launched by ``torchrun``: train the tiny model, save this rank's weights.

Usage: ``torchrun --nproc_per_node 2 ddp_worker.py OUT_DIR HYDRA_OVERRIDES...``
"""
import sys
from pathlib import Path

import torch

from toolkit.models.presets import compose_tiny
from toolkit.train.distributed import init_distributed, shutdown_distributed
from toolkit.train.trainer import Trainer

if __name__ == "__main__":
    torch.set_num_threads(1)
    out_dir, overrides = Path(sys.argv[1]), sys.argv[2:]
    context = init_distributed("cpu")
    trainer = Trainer(compose_tiny(overrides), context)
    trainer.fit()
    torch.save(
        {"generator": trainer.generator.state_dict(), "discriminator": trainer.discriminator.state_dict(),
         "step": trainer.step, "world_size": context.world_size},
        out_dir / f"rank{context.rank}.pt",
    )
    shutdown_distributed()
