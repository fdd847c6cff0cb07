"""Spectrogram pictures for the logger hooks (HxWx3 uint8, low frequencies at the bottom)."""
from __future__ import annotations

import matplotlib
import numpy as np
from torch import Tensor


def mel_images(mels: dict[str, Tensor], colormap: str = "magma") -> dict[str, np.ndarray]:
    """Log-mels [n_mels, frames] coloured with ``colormap`` on one shared scale: the lowest and highest value
    over all of them, so that equal colours mean equal levels in every picture."""
    values = {tag: mel.detach().float().cpu().numpy() for tag, mel in mels.items()}
    low = min(v.min() for v in values.values())
    high = max(v.max() for v in values.values())
    colour = matplotlib.colormaps[colormap]
    return {tag: (colour((v[::-1] - low) / max(high - low, 1e-8))[..., :3] * 255).round().astype(np.uint8)
            for tag, v in values.items()}
