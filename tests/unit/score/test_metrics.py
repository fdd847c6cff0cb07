"""KAD, precision/recall/density/coverage and the category-fit classifier on controlled data."""
import numpy as np
import pytest

from toolkit.errors import DataError
from toolkit.score.fit import CategoryClassifier
from toolkit.score.kernel import kernel_distance, median_pairwise_distance
from toolkit.score.prdc import prdc


def naive_unbiased_mmd2(x, y, bandwidth):
    def k(a, b):
        return np.exp(-np.sum((a - b) ** 2) / (2 * bandwidth**2))
    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2 * xy


def test_kad_matches_a_naive_double_loop():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((30, 4)), rng.standard_normal((25, 4)) + 0.5
    bandwidth = median_pairwise_distance(x)
    expected = naive_unbiased_mmd2(x, y, bandwidth)
    assert kernel_distance(x, y) == pytest.approx(100 * expected, rel=1e-10)


def test_kad_is_near_zero_for_one_distribution_and_grows_with_shift():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400, 8))
    same = kernel_distance(x, rng.standard_normal((400, 8)))
    shifted = kernel_distance(x, rng.standard_normal((400, 8)) + 0.5)
    assert abs(same) < 0.2 < shifted < kernel_distance(x, rng.standard_normal((400, 8)) + 1.0)


def test_median_bandwidth_of_known_points():
    points = np.array([[0.0], [1.0], [3.0]])  # distances 1, 2, 3
    assert median_pairwise_distance(points) == 2.0


def test_prdc_on_hand_built_sets():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k=1 radii: 1, 1, 1, 1
    inside = np.array([[0.5], [2.5], [2.6]])  # generated radii (k=1): 2.0, 0.1, 0.1
    result = prdc(real, inside, k=1)
    assert result["precision"] == 1.0
    # reals 0, 1, 2 lie within 2.0 of 0.5; real 3 is 2.5 from 0.5 and 0.4 from 2.6 (radius 0.1)
    assert result["recall"] == 0.75
    # real balls (radius 1, strict) containing 0.5: {0, 1}; 2.5: {2, 3}; 2.6: {2, 3} -> 6 / 3 / k
    assert result["density"] == 2.0
    # nearest generated point is closer than 1 for every real point
    assert result["coverage"] == 1.0
    far = prdc(real, np.array([[10.0], [11.0], [12.0]]), k=1)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_prdc_needs_more_rows_than_k():
    with pytest.raises(DataError, match="more than k=5"):
        prdc(np.zeros((5, 2)), np.zeros((10, 2)), k=5)


def test_classifier_on_separable_categories():
    rng = np.random.default_rng(0)
    clips = {name: rng.standard_normal((12, 6)) + 4 * i for i, name in enumerate(("DogBark", "Rain", "GunShot"))}
    classifier = CategoryClassifier.train(clips)
    assert classifier.cv_balanced_accuracy == 1.0 and classifier.cv_folds == 4
    assert classifier.accuracy("Rain", rng.standard_normal((5, 6)) + 4) == 1.0
    assert classifier.accuracy("Rain", rng.standard_normal((5, 6))) == 0.0
    with pytest.raises(DataError, match="at least two categories"):
        CategoryClassifier.train({"Rain": clips["Rain"]})
