"""Pseudo-QMF filter bank (Kaiser-windowed prototype, cosine-modulated), as used by Avocodo."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal.windows import kaiser
from torch import Tensor, nn


def prototype_filter(taps: int, cutoff_ratio: float, beta: float) -> np.ndarray:
    """Kaiser-windowed ideal low-pass of ``taps + 1`` coefficients with cutoff ``cutoff_ratio * pi``."""
    if taps % 2 != 0:
        raise ValueError(f"PQMF taps must be even, got {taps}")
    n = np.arange(taps + 1) - 0.5 * taps
    omega_c = math.pi * cutoff_ratio
    with np.errstate(invalid="ignore", divide="ignore"):
        ideal = np.sin(omega_c * n) / (math.pi * n)
    ideal[taps // 2] = cutoff_ratio
    return ideal * kaiser(taps + 1, beta)


class PQMF(nn.Module):
    """``subbands``-band analysis [B,1,N] -> [B,subbands,N/subbands] and synthesis (the inverse map).

    The filters are non-persistent buffers: they follow the module's device but are not parameters and
    are not saved in checkpoints (they are a function of the four constructor arguments).
    """

    def __init__(self, subbands: int, taps: int, cutoff_ratio: float, beta: float):
        super().__init__()
        self.subbands = subbands
        self.taps = taps
        proto = prototype_filter(taps, cutoff_ratio, beta)
        n = np.arange(taps + 1) - 0.5 * taps
        k = np.arange(subbands)[:, None]
        phase = (2 * k + 1) * (math.pi / (2 * subbands)) * n[None, :]
        offset = (-1.0) ** k * (math.pi / 4)
        analysis = 2 * proto * np.cos(phase + offset)
        synthesis = 2 * proto * np.cos(phase - offset)
        self.register_buffer("analysis_filter", torch.from_numpy(analysis).float().unsqueeze(1), persistent=False)
        self.register_buffer("synthesis_filter", torch.from_numpy(synthesis).float().unsqueeze(0), persistent=False)
        # picks (analysis) or places (synthesis) one sample in every ``subbands``
        updown = torch.zeros(subbands, subbands, subbands)
        updown[range(subbands), range(subbands), 0] = 1.0
        self.register_buffer("updown_filter", updown, persistent=False)

    def analysis(self, x: Tensor) -> Tensor:
        x = F.conv1d(F.pad(x, (self.taps // 2, self.taps // 2)), self.analysis_filter)
        return F.conv1d(x, self.updown_filter, stride=self.subbands)

    def synthesis(self, x: Tensor) -> Tensor:
        x = F.conv_transpose1d(x, self.updown_filter * self.subbands, stride=self.subbands)
        return F.conv1d(F.pad(x, (self.taps // 2, self.taps // 2)), self.synthesis_filter)
