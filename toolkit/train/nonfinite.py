"""The guard against non-finite losses: skip and count such steps, stop after too many in a row."""
from __future__ import annotations

import logging

from toolkit.errors import ToolkitError

logger = logging.getLogger(__name__)


class TrainingDiverged(ToolkitError):
    """Too many consecutive steps had a non-finite loss; training stops without writing a checkpoint."""


class NonFiniteGuard:
    """Counts skipped steps; ``record(finite, step)`` raises :class:`TrainingDiverged` past ``max_consecutive``."""

    def __init__(self, max_consecutive: int, total: int = 0, consecutive: int = 0):
        if max_consecutive < 1:
            raise ToolkitError(f"train.max_nonfinite_steps must be >= 1, got {max_consecutive}")
        self.max_consecutive = max_consecutive
        self.total = total
        self.consecutive = consecutive

    def record(self, finite: bool, step: int, what: str = "loss") -> bool:
        """Note one step's outcome; returns ``finite`` (False means: skip the update)."""
        if finite:
            self.consecutive = 0
            return True
        self.total += 1
        self.consecutive += 1
        logger.warning(
            "step %d: non-finite %s, update skipped (%d in a row, %d in total)",
            step, what, self.consecutive, self.total,
        )
        if self.consecutive >= self.max_consecutive:
            raise TrainingDiverged(
                f"training stopped at step {step}: {self.consecutive} consecutive steps had a non-finite loss "
                f"(train.max_nonfinite_steps={self.max_consecutive}); resume from the last checkpoint with a "
                "lower learning rate or train.precision=fp32"
            )
        return False

    def state_dict(self) -> dict:
        return {"total": self.total, "consecutive": self.consecutive}

    def load_state_dict(self, state: dict) -> None:
        self.total = int(state["total"])
        self.consecutive = int(state["consecutive"])
