"""Two processes on the CPU (gloo) under torchrun stay in sync; rank 0 alone writes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from .conftest import TRAIN_OVERRIDES, data_overrides


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.ddp
def test_two_gloo_ranks_keep_identical_parameters(data_dir, tmp_path):
    exp = tmp_path / "exp"
    overrides = data_overrides(data_dir) + TRAIN_OVERRIDES + [
        f"exp_dir={exp}", "train.max_steps=3", "train.batch_size=1", "train.checkpoint_interval=2"]
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
               "--master_addr=127.0.0.1", f"--master_port={_free_port()}",
               str(Path(__file__).with_name("ddp_worker.py")), str(tmp_path), *overrides]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert [state["world_size"] for state in ranks] == [2, 2]
    assert [state["step"] for state in ranks] == [3, 3]
    for module in ("generator", "discriminator"):
        first, second = ranks[0][module], ranks[1][module]
        assert all(torch.equal(first[name], second[name]) for name in first), module

    checkpoint = torch.load(exp / "checkpoints" / "last.pt", weights_only=True)
    assert checkpoint["step"] == 3 and len(checkpoint["rng"]) == 2  # every rank's RNG state is kept
    assert all(torch.equal(checkpoint["generator"][n], t) for n, t in ranks[0]["generator"].items())
    assert len(list((exp / "tensorboard").iterdir())) == 1  # one writer: rank 0
    # the logger hooks are called on rank 0 only, with the number of processes
    assert (tmp_path / "hooks_rank0.txt").read_text() == "start rank=0 world_size=2 step=0\nclose step=3 status=finished\n"
    assert not (tmp_path / "hooks_rank1.txt").exists()
