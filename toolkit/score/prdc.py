"""Precision, recall, density and coverage (Naeem et al., ICML 2020) with k-nearest-neighbour balls.

Each real row gets a ball whose radius is the distance to its k-th nearest other real row (likewise for
generated rows, used by recall). With Euclidean distances d:
precision = share of generated rows inside at least one real ball (fidelity);
recall = share of real rows inside at least one generated ball (diversity);
density = mean number of real balls containing a generated row, divided by k (fidelity, ~1 when the
sets match, can exceed 1);
coverage = share of real rows whose ball contains at least one generated row (diversity).
Comparisons are strict (<) as in the authors' reference code.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from toolkit.errors import DataError

DEFAULT_K = 5


def _kth_neighbour_distance(rows: np.ndarray, k: int) -> np.ndarray:
    distances = cdist(rows, rows)
    return np.partition(distances, k, axis=1)[:, k]  # index 0 is the row itself


def prdc(real: np.ndarray, generated: np.ndarray, k: int = DEFAULT_K) -> dict[str, float]:
    """``{precision, recall, density, coverage}`` of ``generated`` [m, d] against ``real`` [n, d]."""
    real = np.asarray(real, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if k < 1 or real.shape[0] <= k or generated.shape[0] <= k:
        raise DataError(
            f"precision/recall need more than k={k} rows per set, got {real.shape[0]} real and {generated.shape[0]} generated"
        )
    real_radius = _kth_neighbour_distance(real, k)
    generated_radius = _kth_neighbour_distance(generated, k)
    distances = cdist(real, generated)  # [n, m]
    inside_real = distances < real_radius[:, None]
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((distances < generated_radius[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((distances.min(axis=1) < real_radius).mean()),
    }
