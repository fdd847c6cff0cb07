"""Checkpoints: atomic writes, rotation, resume with fallback past corrupt files, and generator loading.

Layout: ``<exp_dir>/checkpoints/last.pt`` (the newest state) and ``step_{step:08d}.pt`` (every
``train.checkpoint_interval`` steps, the newest ``train.keep_checkpoints`` kept). A checkpoint is a dict of
tensors and plain Python values (state dicts, counters, RNG states, the resolved config as YAML), so it
loads with ``torch.load(..., weights_only=True)``.
"""
from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

import toolkit.conf  # noqa: F401  (registers the resolvers a saved, unresolved config may use)
from toolkit.categories import CategorySet
from toolkit.errors import ToolkitError
from toolkit.fileio import atomic_write_bytes, load_refusal_reason

logger = logging.getLogger(__name__)

LAST = "last.pt"
INITIAL = "initial.pt"  # the untrained model of a fresh run: the step-0 baseline of comparisons
STEP_PATTERN = re.compile(r"^step_(\d{8,})\.pt$")
REQUIRED_KEYS = ("generator", "discriminator", "step", "config")


class CheckpointError(ToolkitError):
    """A checkpoint cannot be read (missing, truncated, corrupt or not a toolkit checkpoint)."""


def step_name(step: int) -> str:
    return f"step_{step:08d}.pt"


def serialize(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def load_checkpoint(path: str | Path, mmap: bool = False) -> dict:
    """A checkpoint's contents, or one :class:`CheckpointError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except Exception as exc:  # torch raises several types for truncated or foreign files
        raise CheckpointError(f"checkpoint {path} is corrupt or truncated ({load_refusal_reason(exc)})") from None
    missing = [key for key in REQUIRED_KEYS if not isinstance(state, dict) or key not in state]
    if missing:
        raise CheckpointError(f"{path} is not a toolkit training checkpoint (missing {', '.join(missing)})")
    return state


def saved_config(state: dict) -> DictConfig:
    """The resolved config a checkpoint was trained with."""
    return OmegaConf.create(state["config"])


@dataclass(frozen=True)
class TrainedOn:
    """What a model was trained on: the category set (class-id order) and the clip format."""

    categories: CategorySet
    sample_rate: int
    clip_samples: int

    @classmethod
    def from_config(cls, cfg: DictConfig, where: str = "checkpoint") -> "TrainedOn":
        """From a saved config. A config without ``data.categories`` predates category sets: the toolkit
        could then learn only the DCASE 2023 Task 7 set, so that is the set."""
        names = OmegaConf.select(cfg, "data.categories")
        if names is None:
            from toolkit.dcase import CATEGORIES as categories
        else:
            categories = CategorySet(tuple(names))
        n_categories = OmegaConf.select(cfg, "model.n_categories")
        if n_categories is not None and int(n_categories) != len(categories):
            raise CheckpointError(f"{where}: model.n_categories={n_categories} but {len(categories)} categories "
                                  f"are recorded ({', '.join(categories)})")
        return cls(categories, int(cfg.data.sample_rate), int(cfg.data.clip_samples))


def checkpoint_trained_on(path: str | Path) -> TrainedOn:
    """The category set and clip format a checkpoint's saved config records."""
    return TrainedOn.from_config(saved_config(load_checkpoint(path, mmap=True)), str(path))


def load_generator(path: str | Path):
    """``(Synthesizer, cfg)``: the generator rebuilt from the checkpoint's own config, weights loaded, in eval mode."""
    from toolkit.models.builder import build_generator

    state = load_checkpoint(path, mmap=True)
    cfg = saved_config(state)
    generator = build_generator(cfg.model)
    try:
        generator.load_state_dict(state["generator"])
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not match the model in its saved config ({exc})") from None
    return generator.eval(), cfg


class CheckpointManager:
    """Writes, rotates and finds the checkpoints of one experiment (only rank 0 writes)."""

    def __init__(self, exp_dir: str | Path, keep: int | None = None):
        self.directory = Path(exp_dir) / "checkpoints"
        if keep is not None and keep < 1:
            raise ToolkitError(f"train.keep_checkpoints must be >= 1 or null (keep all), got {keep}")
        self.keep = keep

    @property
    def last(self) -> Path:
        return self.directory / LAST

    def save_initial(self, state: dict) -> None:
        """Write ``initial.pt`` once (never rotated): the model before its first step, for baselines."""
        path = self.directory / INITIAL
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, serialize(state))

    def step_checkpoints(self) -> list[Path]:
        """``step_*.pt`` files, oldest first."""
        if not self.directory.is_dir():
            return []
        found = [(int(m[1]), p) for p in self.directory.iterdir() if (m := STEP_PATTERN.match(p.name))]
        return [path for _, path in sorted(found)]

    def remove_partial_writes(self) -> None:
        """Delete temporary files left by a writer that died mid-write."""
        if self.directory.is_dir():
            for path in self.directory.glob(".*.tmp"):
                logger.warning("removing %s left by an interrupted checkpoint write", path)
                path.unlink()

    def save(self, state: dict, periodic: bool) -> None:
        """Write ``last.pt``; when ``periodic`` also ``step_<step>.pt`` (then rotate old ones)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = serialize(state)
        if periodic:
            path = self.directory / step_name(state["step"])
            atomic_write_bytes(path, data)
            self._link_or_write(path, self.last, data)
            self._rotate()
        else:
            atomic_write_bytes(self.last, data)
        logger.info("saved checkpoint at step %d%s", state["step"], " (periodic)" if periodic else "")

    @staticmethod
    def _link_or_write(source: Path, target: Path, data: bytes) -> None:
        """Point ``target`` at ``source``'s bytes: a hard link renamed into place, or a second write."""
        temporary = target.with_name(f".{target.name}.link.tmp")
        try:
            temporary.unlink(missing_ok=True)
            os.link(source, temporary)
        except OSError:
            atomic_write_bytes(target, data)
            return
        os.replace(temporary, target)

    def _rotate(self) -> None:
        if self.keep is None:
            return
        for path in self.step_checkpoints()[: -self.keep]:
            path.unlink()

    def load_latest(self) -> tuple[dict, Path] | None:
        """The newest readable checkpoint (``last.pt``, else the newest step file), or None if there is none.

        A corrupt or truncated file is reported and skipped in favour of the previous one.
        """
        candidates = [self.last] if self.last.is_file() else []
        candidates += list(reversed(self.step_checkpoints()))
        errors = []
        for path in candidates:
            try:
                return load_checkpoint(path), path
            except CheckpointError as exc:
                errors.append(str(exc))
                logger.error("%s; trying the previous checkpoint", exc)
        if errors:
            raise CheckpointError(
                f"no readable checkpoint in {self.directory} ({errors[-1]}); "
                "move the folder away to start afresh"
            )
        return None
