"""Fréchet distance between two Gaussians (the FAD formula), computed stably in float64.

FD = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr sqrt(S1 S2). The trace term uses the symmetric form
Tr sqrt(S1^1/2 S2 S1^1/2), whose eigenvalues are those of S1 S2; both square roots come from ``eigh``
of symmetric positive semi-definite matrices (tiny negative eigenvalues from rounding are clipped to
zero), so no ``scipy.linalg.sqrtm`` (whose ``disp`` argument SciPy 1.17 deprecates) and no eps
fallback are needed. On the official DCASE statistics this agrees with the sqrtm formula to ~1e-12.
"""
from __future__ import annotations

import numpy as np

from toolkit.errors import DataError


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr sqrt(S1 S2) for symmetric positive semi-definite S1, S2."""
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    values = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    return float(np.sqrt(np.clip(values, 0.0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2); symmetric in its two Gaussians."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    dim = mu1.shape[0]
    if mu1.shape != (dim,) or mu2.shape != (dim,) or sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise DataError(
            f"Fréchet distance needs matching shapes, got mu {mu1.shape} / {mu2.shape} and "
            f"sigma {sigma1.shape} / {sigma2.shape} (were both sets embedded with the same embedding?)"
        )
    if not all(np.isfinite(a).all() for a in (mu1, mu2, sigma1, sigma2)):
        raise DataError("Fréchet distance got non-finite statistics (NaN or inf in the embeddings)")
    sigma1 = (sigma1 + sigma1.T) / 2.0
    sigma2 = (sigma2 + sigma2.T) / 2.0
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2))
