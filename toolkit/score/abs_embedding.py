"""Contract of kind ``embedding``: audio clips -> embedding examples for distribution metrics."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class AbsEmbedding(ABC):
    """Embeds one clip into ``[n_examples, dim]`` float64 rows.

    ``embed_file`` reads a file the way the embedding's mode needs (e.g. raw int16 for VGGish in
    ``dcase2023`` mode). ``settings`` identifies everything that changes the numbers (used in cache keys
    and written into results).
    """

    name: str = ""
    dim: int = 0

    @abstractmethod
    def embed_file(self, path: str) -> np.ndarray:
        """Return [n_examples, dim] float64 for the audio file at ``path``."""

    @property
    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """Everything that determines the embedding values (name, mode, layer, weights hash ...)."""
