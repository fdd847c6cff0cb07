"""Fréchet distance: eigh route vs the sqrtm formula, official anchors, symmetry, self-distance."""
import numpy as np
import pytest
import scipy.linalg

from toolkit.errors import DataError
from toolkit.score.frechet import frechet_distance
from toolkit.score.stats import read_stats_dir


@pytest.fixture(scope="module")
def official(official_stats_dir):
    return read_stats_dir(official_stats_dir)


def sqrtm_formula(mu1, sigma1, mu2, sigma2):
    diff = mu1 - mu2
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(scipy.linalg.sqrtm((sigma1 @ sigma2).astype(complex))).real


@pytest.mark.parametrize("a, b, expected", [
    ("Footstep", "Keyboard", 8.6814), ("DogBark", "MovingMotorVehicle", 49.1219), ("Rain", "Sneeze_Cough", 28.4491),
])
def test_official_anchors_agree_with_sqrtm_and_are_symmetric(official, a, b, expected):
    forward = frechet_distance(official[a].mu, official[a].sigma, official[b].mu, official[b].sigma)
    backward = frechet_distance(official[b].mu, official[b].sigma, official[a].mu, official[a].sigma)
    assert round(forward, 4) == expected
    assert forward == pytest.approx(sqrtm_formula(official[a].mu, official[a].sigma, official[b].mu, official[b].sigma), abs=1e-6)
    assert forward == pytest.approx(backward, rel=1e-10)


def test_self_distance_is_zero(official):
    for gaussian in official.values():
        assert abs(frechet_distance(gaussian.mu, gaussian.sigma, gaussian.mu, gaussian.sigma)) < 1e-8


def test_random_well_conditioned_matches_sqrtm():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 200, 16))
    s1, s2 = np.cov(a, rowvar=False), np.cov(b @ rng.standard_normal((16, 16)), rowvar=False)
    m1, m2 = a.mean(0), b.mean(0) + 1
    assert frechet_distance(m1, s1, m2, s2) == pytest.approx(sqrtm_formula(m1, s1, m2, s2), abs=1e-9)


def test_rank_deficient_covariance_stays_finite_and_non_negative():
    rows = np.random.default_rng(2).standard_normal((5, 20))  # 5 rows in 20-D: rank 4
    sigma = np.cov(rows, rowvar=False)
    value = frechet_distance(rows.mean(0), sigma, rows.mean(0) + 0.1, sigma * 2)
    assert np.isfinite(value) and value > 0


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(DataError, match="matching shapes"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
