"""Mixed precision: ``train.precision`` = fp32 | bf16 | auto | fp16 (see :mod:`toolkit.numerics`).

bf16 runs the forward passes under autocast on the CPU or a GPU; ``auto`` is bf16 where the device has native
bf16, else fp32; fp16 (GPU only) adds a GradScaler. Augmentation, STFTs and losses on spectrograms run in
fp32 (callers leave autocast with :meth:`fp32`).
"""
from __future__ import annotations

import contextlib
import logging

import torch

from toolkit.numerics import DTYPES, autocast, native_bf16, resolve_precision

logger = logging.getLogger(__name__)


class Precision:
    """The autocast dtype for one device, and a GradScaler per optimiser when fp16 needs one."""

    def __init__(self, name: str, device: torch.device):
        self.name = resolve_precision(name, device, "train.precision")
        self.device = device
        self.dtype = DTYPES[self.name]
        logger.info("training precision: %s on %s", self.name, device)
        if self.name == "bf16" and not native_bf16(device):
            logger.warning("%s has no native bf16: it is emulated and slower than fp32", device)

    def autocast(self):
        return autocast(self.device, self.name)

    def fp32(self):
        """A region that runs in full precision even inside :meth:`autocast`."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, enabled=False)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A GradScaler, enabled only for fp16 (disabled it is a pass-through with an empty state)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.name == "fp16")
