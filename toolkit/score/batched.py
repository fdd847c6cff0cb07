"""Base class for embeddings whose network runs on batches of inputs gathered across many files."""
from __future__ import annotations

from abc import abstractmethod
from typing import Sequence

import numpy as np
import torch

from toolkit.score.abs_embedding import AbsEmbedding


class BatchedEmbedding(AbsEmbedding):
    """Reads each file into network inputs, runs them through the network in batches, splits the rows back.

    Subclasses set ``batch_size`` and ``device`` and implement :meth:`read_inputs` and :meth:`forward`.
    """

    batch_size: int = 64
    device: torch.device = torch.device("cpu")

    @abstractmethod
    def read_inputs(self, path: str) -> np.ndarray:
        """Network inputs of one file: ``[n_inputs, *input_shape]``."""

    @abstractmethod
    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """``[B, *input_shape]`` float32 -> ``[B, examples_per_input, dim]``."""

    def embed_file(self, path: str) -> np.ndarray:
        return self.embed_files([path])[0]

    def embed_files(self, paths: Sequence[str]) -> list[np.ndarray]:
        """``[n_examples, dim]`` float64 per file, computed with batches that span files."""
        inputs = [self.read_inputs(str(path)) for path in paths]
        if len({x.shape[1:] for x in inputs}) > 1:  # unequal input shapes cannot share a batch
            return [self.embed_files([path])[0] for path in paths]
        rows = np.concatenate(inputs)
        outputs = []
        with torch.inference_mode():
            for start in range(0, rows.shape[0], self.batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(rows[start : start + self.batch_size]))
                outputs.append(self.forward(batch.to(self.device, torch.float32)).double().cpu().numpy())
        stacked = np.concatenate(outputs) if outputs else np.zeros((0, 1, self.dim))
        bounds = np.cumsum([0] + [x.shape[0] for x in inputs])
        return [stacked[a:b].reshape(-1, self.dim) for a, b in zip(bounds[:-1], bounds[1:])]
