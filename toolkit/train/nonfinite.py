"""The guard against non-finite losses: skip and count such steps, stop after too many in a row.

A step is applied whole or not at all. The discriminator steps before the generator's loss is known (the
generator trains against the updated discriminator), so an :class:`UpdateSnapshot` taken before the
discriminator's step undoes it when the generator's loss turns out non-finite.
"""
from __future__ import annotations

import logging

import torch
from torch import Tensor, nn

from toolkit.errors import ToolkitError

logger = logging.getLogger(__name__)


class TrainingDiverged(ToolkitError):
    """Too many consecutive steps had a non-finite loss; training stops without writing a checkpoint."""


class NonFiniteGuard:
    """Counts skipped steps; ``record(finite, step)`` raises :class:`TrainingDiverged` past ``max_consecutive``.

    ``advice`` ends the divergence message: how to resume (the trainer names the exact command).
    """

    def __init__(self, max_consecutive: int, advice: str = "resume from the last checkpoint with a lower "
                 "learning rate or train.precision=fp32"):
        if max_consecutive < 1:
            raise ToolkitError(f"train.max_nonfinite_steps must be >= 1, got {max_consecutive}")
        self.max_consecutive = max_consecutive
        self.advice = advice
        self.total = 0
        self.consecutive = 0

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
                f"(train.max_nonfinite_steps={self.max_consecutive}); {self.advice}"
            )
        return False

    def state_dict(self) -> dict:
        return {"total": self.total, "consecutive": self.consecutive}

    def load_state_dict(self, state: dict) -> None:
        self.total = int(state["total"])
        self.consecutive = int(state["consecutive"])


class UpdateSnapshot:
    """A copy of a module's parameters and buffers, its optimiser's state and its GradScaler's state.

    :meth:`take` before an update and :meth:`restore` undo the update exactly. The copies are allocated by the
    first :meth:`take` (again when the optimiser's state gains entries) and reused: a snapshot is one copy.
    """

    def __init__(self, module: nn.Module, optimiser: torch.optim.Optimizer, scaler: torch.amp.GradScaler):
        self.module = module
        self.optimiser = optimiser
        self.scaler = scaler
        self._keys: list[tuple] = []
        self._tensors: list[Tensor] = []
        self._values: dict[tuple, object] = {}
        self._scaler_state: dict = {}

    @property
    def nbytes(self) -> int:
        """Memory held by the copies."""
        return sum(tensor.numel() * tensor.element_size() for tensor in self._tensors)

    def _params(self) -> list[Tensor]:
        return [param for group in self.optimiser.param_groups for param in group["params"]]

    def _entries(self) -> list[tuple[tuple, object]]:
        """``(key, value)`` for everything covered: parameters and buffers, then each optimiser state entry."""
        entries = [(("module", index), tensor)
                   for index, tensor in enumerate([*self.module.parameters(), *self.module.buffers()])]
        for index, param in enumerate(self._params()):
            entries += [((index, name), value) for name, value in self.optimiser.state.get(param, {}).items()]
        return entries

    @torch.no_grad()
    def take(self) -> None:
        entries = self._entries()
        keys = [key for key, _ in entries]
        tensors = [value for _, value in entries if isinstance(value, Tensor)]
        if keys != self._keys:
            self._keys = keys
            self._tensors = [tensor.clone() for tensor in tensors]
        else:
            torch._foreach_copy_(self._tensors, tensors)
        self._values = {key: value for key, value in entries if not isinstance(value, Tensor)}
        self._scaler_state = self.scaler.state_dict() if self.scaler.is_enabled() else {}

    @torch.no_grad()
    def restore(self) -> None:
        """Put back what :meth:`take` saw; optimiser state entries created since are removed."""
        taken = set(self._keys)
        state = self.optimiser.state
        for index, param in enumerate(self._params()):
            if param not in state:
                continue
            for name in [name for name in state[param] if (index, name) not in taken]:
                del state[param][name]
            if not state[param]:
                del state[param]
        params = self._params()
        for (index, name), value in self._values.items():
            state[params[index]][name] = value
        torch._foreach_copy_([value for _, value in self._entries() if isinstance(value, Tensor)], self._tensors)
        if self._scaler_state:
            self.scaler.load_state_dict(self._scaler_state)
