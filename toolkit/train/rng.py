"""Random-number-generator state as plain types and tensors, so checkpoints load with ``weights_only=True``.

Covers torch's CPU and CUDA generators, Python's ``random`` and a ``np.random.Generator`` owned by the
caller (numpy's global state is never used).
"""
from __future__ import annotations

import random

import numpy as np
import torch


def capture_rng(numpy_rng: np.random.Generator) -> dict:
    """The current state of every generator the training loop draws from."""
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": [version, list(internal), gauss_next],
        "numpy": numpy_rng.bit_generator.state,
    }


def restore_rng(state: dict, numpy_rng: np.random.Generator) -> None:
    """Put every generator back to ``state`` (as returned by :func:`capture_rng`)."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    numpy_rng.bit_generator.state = state["numpy"]
