"""Tiny generators and checkpoints for the generation tests."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from toolkit.models.builder import build_generator
from toolkit.models.presets import compose_tiny
from toolkit.train.checkpoint import CheckpointManager

#: A tiny VIFS decoding 8 frames (2,048 samples, zero-padded to 88,200): fast enough for 700 clips.
SHORT = ["model.num_frames=8"]


@functools.lru_cache(maxsize=None)
def tiny_config(overrides: tuple[str, ...] = ()):
    return compose_tiny(list(overrides))


def tiny_pair(overrides=(), seed: int = 0):
    """Two independent tiny generators with the same random weights (eval mode), and their config."""
    cfg = tiny_config(tuple(overrides))
    torch.manual_seed(seed)
    first = build_generator(cfg.model).eval()
    second = build_generator(cfg.model).eval()
    second.load_state_dict(first.state_dict())
    return first, second, cfg


def save_checkpoint(exp_dir: Path, overrides=(), seed: int = 0) -> Path:
    """A training checkpoint (``last.pt``) of a tiny generator, written by the trainer's checkpoint manager."""
    cfg = tiny_config(tuple(overrides))
    torch.manual_seed(seed)
    generator = build_generator(cfg.model)
    manager = CheckpointManager(exp_dir)
    state = {"generator": generator.state_dict(), "discriminator": {}, "step": 0, "config": OmegaConf.to_yaml(cfg)}
    manager.save(state, periodic=False)
    return manager.last


@pytest.fixture(scope="session")
def short_checkpoint(tmp_path_factory) -> Path:
    return save_checkpoint(tmp_path_factory.mktemp("exp_short"), SHORT)
