"""Mixed precision: ``train.precision`` = fp32 | bf16 | fp16 (autocast on GPU; fp16 adds a GradScaler).

On the CPU a bf16/fp16 request is downgraded to fp32 with a warning, so one config serves both machines.
Augmentation, STFTs and losses on spectrograms run in fp32 (callers leave autocast with :meth:`fp32`).
"""
from __future__ import annotations

import contextlib
import logging

import torch

from toolkit.errors import ConfigError

logger = logging.getLogger(__name__)

DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


class Precision:
    """The autocast dtype for one device, and a GradScaler per optimiser when fp16 needs one."""

    def __init__(self, name: str, device: torch.device):
        if name not in DTYPES:
            raise ConfigError(f"train.precision must be one of {', '.join(DTYPES)}, got '{name}'")
        if name != "fp32" and device.type != "cuda":
            logger.warning("train.precision=%s needs a GPU; training on %s in fp32", name, device)
            name = "fp32"
        self.name = name
        self.device = device
        self.dtype = DTYPES[name]

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def fp32(self):
        """A region that runs in full precision even inside :meth:`autocast`."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, enabled=False)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A GradScaler, enabled only for fp16 (disabled it is a pass-through with an empty state)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.name == "fp16")
