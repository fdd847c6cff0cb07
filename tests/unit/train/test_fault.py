"""A checkpoint writer killed half-way through leaves the previous checkpoints intact and resumable."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.train.checkpoint import load_checkpoint
from toolkit.train.trainer import Trainer

from .conftest import cli_overrides
from .killed_writer import EXIT_CODE


@pytest.mark.slow
def test_killed_checkpoint_write_resumes_from_the_previous_one(tiny_config, data_dir, tmp_path):
    checkpoints = tmp_path / "exp" / "checkpoints"
    Trainer(tiny_config("train.max_steps=2", "train.checkpoint_interval=1")).fit()
    assert load_checkpoint(checkpoints / "last.pt")["step"] == 2

    command = [sys.executable, str(Path(__file__).with_name("killed_writer.py")),
               *cli_overrides(data_dir, tmp_path / "exp", "train.max_steps=3", "train.checkpoint_interval=1")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == EXIT_CODE, result.stderr[-2000:]
    partial = [p.name for p in checkpoints.iterdir() if p.name.endswith(".tmp")]
    assert len(partial) == 1 and partial[0].startswith(".step_00000003.pt.")
    assert not (checkpoints / "step_00000003.pt").exists()
    assert load_checkpoint(checkpoints / "last.pt")["step"] == 2  # the good one is untouched

    resumed = Trainer(tiny_config("train.max_steps=3", "train.checkpoint_interval=1"))
    assert resumed.step == 2
    resumed.fit()
    assert sorted(p.name for p in checkpoints.iterdir()) == [
        "initial.pt", "last.pt", "step_00000001.pt", "step_00000002.pt", "step_00000003.pt"]
    assert load_checkpoint(checkpoints / "last.pt")["step"] == 3
