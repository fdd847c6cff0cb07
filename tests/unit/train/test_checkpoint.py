"""Checkpoint files: atomic writes, rotation, fallback past corrupt files, RNG states, generator loading."""
from __future__ import annotations

import logging
import os
import random

import numpy as np
import pytest
import torch

from toolkit.train.checkpoint import CheckpointError, CheckpointManager, load_checkpoint, load_generator
from toolkit.train.rng import capture_rng, restore_rng


def _state(step: int) -> dict:
    return {"generator": {"w": torch.full((3,), float(step))}, "discriminator": {}, "step": step, "config": "{}"}


def test_rotation_keeps_the_newest_and_last_points_at_the_newest(tmp_path):
    manager = CheckpointManager(tmp_path, keep=2)
    for step in (10, 20, 30):
        manager.save(_state(step), periodic=True)
    manager.save(_state(35), periodic=False)
    names = sorted(p.name for p in manager.directory.iterdir())
    assert names == ["last.pt", "step_00000020.pt", "step_00000030.pt"]
    assert load_checkpoint(manager.directory / "step_00000030.pt")["step"] == 30
    state, path = manager.load_latest()
    assert (state["step"], path.name) == (35, "last.pt")


def test_corrupt_last_falls_back_to_the_previous_good_checkpoint(tmp_path, caplog):
    manager = CheckpointManager(tmp_path, keep=None)
    manager.save(_state(10), periodic=True)
    manager.save(_state(20), periodic=True)
    data = manager.last.read_bytes()
    manager.last.unlink()  # last.pt is a hard link of step 20: replace it by a truncated copy
    manager.last.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.ERROR):
        state, path = manager.load_latest()
    assert (state["step"], path.name) == (20, "step_00000020.pt")
    assert "last.pt is corrupt or truncated" in caplog.text


def test_nothing_readable_is_one_clear_error(tmp_path):
    manager = CheckpointManager(tmp_path)
    assert manager.load_latest() is None
    manager.directory.mkdir(parents=True)
    manager.last.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="no readable checkpoint in .*checkpoints"):
        manager.load_latest()
    torch.save({"step": 1}, manager.last)
    with pytest.raises(CheckpointError, match="not a toolkit training checkpoint"):
        load_checkpoint(manager.last)


@pytest.mark.parametrize("content", [b"not a checkpoint", "pickled object"])
def test_a_refused_file_is_never_advised_to_be_unpickled(tmp_path, content):
    path = tmp_path / "last.pt"
    if content == "pickled object":
        torch.save({"generator": {}, "discriminator": {}, "step": 1, "config": "{}", "hook": os.system}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert message.startswith(f"checkpoint {path} is corrupt or truncated (")
    assert ("GLOBAL posix.system" if content == "pickled object" else "Unsupported operand") in message
    for advice in ("weights_only", "can still be loaded", "safe_globals", "trust"):
        assert advice not in message
    assert "\n" not in message


def test_rng_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    rng = np.random.default_rng(5)
    state = capture_rng(rng)
    torch.save(state, tmp_path / "rng.pt")
    expected = (torch.rand(3), random.random(), rng.random())
    fresh = np.random.default_rng(99)
    restore_rng(torch.load(tmp_path / "rng.pt", weights_only=True), fresh)
    again = (torch.rand(3), random.random(), fresh.random())
    assert torch.equal(expected[0], again[0]) and expected[1:] == again[1:]


def test_load_generator_uses_the_saved_config(tiny_config, tmp_path):
    from toolkit.train.trainer import Trainer

    trainer = Trainer(tiny_config("train.max_steps=1", "model.inter_channels=8", "model.hidden_channels=8"))
    trainer.fit()
    generator, cfg = load_generator(tmp_path / "exp" / "checkpoints" / "last.pt")
    assert cfg.model.inter_channels == 8 and generator.inter_channels == 8  # not the default 192
    assert not generator.training
    for name, tensor in trainer.generator.state_dict().items():
        assert torch.equal(generator.state_dict()[name], tensor), name
    assert (tmp_path / "exp" / "config.yaml").read_text() == cfg_yaml(cfg)


def cfg_yaml(cfg) -> str:
    from omegaconf import OmegaConf

    return OmegaConf.to_yaml(cfg)
