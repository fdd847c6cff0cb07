"""A tiny experiment folder (initial, two step checkpoints, last) for the packaging and API tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf

from toolkit.models.builder import build_generator
from toolkit.models.presets import compose_tiny
from toolkit.pretrained import pack_experiment
from toolkit.train.checkpoint import CheckpointManager

#: A tiny VIFS decoding 8 frames (2,048 samples, zero-padded to 88,200): fast.
SHORT = ["model.num_frames=8"]


def write_experiment(exp_dir: Path, overrides=()) -> Path:
    """``initial.pt`` (step 0), ``step_00000002.pt``, ``step_00000004.pt`` = ``last.pt``: different random weights."""
    cfg = compose_tiny([*SHORT, *overrides, f"exp_dir={exp_dir}"])
    manager = CheckpointManager(exp_dir)
    for step in (0, 2, 4):
        torch.manual_seed(step)
        generator = build_generator(cfg.model)
        state = {"generator": generator.state_dict(), "discriminator": {"w": torch.zeros(3)}, "step": step,
                 "optim_g": {"lr": 0.1}, "config": OmegaConf.to_yaml(cfg)}
        if step == 0:
            manager.save_initial(state)
        else:
            manager.save(state, periodic=True)
    return exp_dir


@pytest.fixture(scope="session")
def experiment(tmp_path_factory) -> Path:
    """A read-only experiment folder; copy it before changing anything."""
    return write_experiment(tmp_path_factory.mktemp("pretrained") / "exp" / "tiny")


@pytest.fixture(scope="session")
def package(experiment, tmp_path_factory) -> Path:
    """The package of ``last`` (read only)."""
    return pack_experiment(experiment, tmp_path_factory.mktemp("packages") / "tiny-last")


@pytest.fixture
def package_copy(package, tmp_path) -> Path:
    """A private copy of the package that a test may damage."""
    return Path(shutil.copytree(package, tmp_path / package.name))


@pytest.fixture
def audition_server(package, tmp_path):
    """The audition app of the tiny package, served on a free local port in a background thread."""
    from toolkit.audition import Audition, AuditionServer
    from toolkit.pretrained import FoleyModel

    server = AuditionServer(Audition(FoleyModel.from_pretrained(package, device="cpu"), tmp_path / "takes"), port=0)
    server.start()
    yield server
    server.stop()
