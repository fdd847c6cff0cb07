"""Spectrogram pictures for the logger hooks (HxWx3 uint8, low frequencies at the bottom)."""
from __future__ import annotations

import matplotlib
import numpy as np
from torch import Tensor


def mel_image(mel: Tensor, colormap: str = "magma") -> np.ndarray:
    """A log-mel [n_mels, frames] scaled to its own range and coloured with ``colormap``."""
    values = mel.detach().float().cpu().numpy()
    low, high = values.min(), values.max()
    scaled = (values - low) / max(high - low, 1e-8)
    rgba = matplotlib.colormaps[colormap](scaled[::-1])
    return (rgba[..., :3] * 255).round().astype(np.uint8)
