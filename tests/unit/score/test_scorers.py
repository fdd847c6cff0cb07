"""The scorer registry, the plugin hook, and scoring against official statistics (FAD only)."""
import numpy as np
import pytest

from toolkit.errors import ComponentError
from toolkit.hookspecs import hookimpl
from toolkit.plugins import get_plugin_manager
from toolkit.score.scorers import (
    CategoryEmbeddings, Metric, ScorerRegistry, ScoringData, builtin_scorers, run_scorers, scorer_registry,
)
from toolkit.score.stats import Gaussian, read_stats_dir


def _embeddings(rng, shift, clips=10, rows=4, dim=3):
    return CategoryEmbeddings.from_clips([rng.standard_normal((rows, dim)) + shift for _ in range(clips)])


def test_clip_descriptors_are_mean_and_std_of_rows():
    a, b = np.array([[0.0, 2.0], [2.0, 2.0]]), np.array([[1.0, 1.0]])
    embeddings = CategoryEmbeddings.from_clips([a, b])
    assert embeddings.examples.shape == (3, 2)
    np.testing.assert_array_equal(embeddings.clips, [[1.0, 2.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])


def test_registry_rejects_duplicates_and_unknown_names():
    registry = builtin_scorers()
    assert registry.names() == ["fad", "kad", "fit", "prdc"]
    with pytest.raises(ComponentError, match="scorer 'fad' is registered twice"):
        registry.add("fad", lambda data: {})
    with pytest.raises(ComponentError, match="unknown scorer 'bleu'; available: fad, kad, fit, prdc"):
        registry.get("bleu")


class RowCountPlugin:
    @hookimpl
    def toolkit_register_scorers(self, registry):
        registry.add(
            "row_count",
            lambda data: {"rows": Metric({c: float(len(e.examples)) for c, e in data.generated.items()}, True, "rows")},
            needs_reference_audio=False,
        )


def test_plugins_add_scorers_through_the_hook():
    manager = get_plugin_manager()
    plugin = RowCountPlugin()
    manager.register(plugin, name="test-row-count")
    try:
        registry = scorer_registry()
    finally:
        manager.unregister(plugin)
    assert "row_count" in registry.names() and "fad" in registry.names()
    rng = np.random.default_rng(0)
    data = ScoringData({"Rain": _embeddings(rng, 0)}, None, {"Rain": Gaussian.of(rng.standard_normal((20, 3)))})
    metrics, _ = run_scorers([registry.get("row_count")], data)
    assert metrics["rows"]["per_category"] == {"Rain": 40.0}


def test_builtin_scorers_on_audio_like_reference():
    rng = np.random.default_rng(0)
    reference = {"Rain": _embeddings(rng, 0), "GunShot": _embeddings(rng, 3)}
    generated = {"Rain": _embeddings(rng, 0), "GunShot": _embeddings(rng, 0)}  # GunShot sounds like Rain
    data = ScoringData(generated, reference, {n: Gaussian.of(e.examples) for n, e in reference.items()}, k=3)
    metrics, skipped = run_scorers([builtin_scorers().get(n) for n in ("fad", "kad", "fit", "prdc")], data)
    assert skipped == {}
    assert set(metrics) == {"fad", "kad", "fit_accuracy", "precision", "recall", "density", "coverage"}
    assert metrics["fad"]["per_category"]["GunShot"] > 10 * metrics["fad"]["per_category"]["Rain"]
    assert metrics["kad"]["per_category"]["GunShot"] > metrics["kad"]["per_category"]["Rain"]
    assert metrics["fit_accuracy"]["per_category"] == {"Rain": 1.0, "GunShot": 0.0}
    assert metrics["fit_accuracy"]["details"]["classifier_cv_balanced_accuracy"] == 1.0
    assert metrics["precision"]["per_category"]["GunShot"] == 0.0 < metrics["precision"]["per_category"]["Rain"]
    assert metrics["fad"]["average"] == pytest.approx(np.mean(list(metrics["fad"]["per_category"].values())))


def test_statistics_reference_gives_fad_only(official_stats_dir):
    official = read_stats_dir(official_stats_dir)
    rng = np.random.default_rng(0)
    footstep = official["Footstep"]
    samples = rng.multivariate_normal(footstep.mu, footstep.sigma, size=1000)
    generated = {"Footstep": CategoryEmbeddings.from_clips(np.split(samples, 100)),
                 "Keyboard": CategoryEmbeddings.from_clips(np.split(samples, 100))}
    data = ScoringData(generated, None, official)
    metrics, skipped = run_scorers([builtin_scorers().get(n) for n in builtin_scorers().names()], data)
    assert list(metrics) == ["fad"]
    assert set(skipped) == {"kad", "fit", "prdc"} and all("only FAD" in reason for reason in skipped.values())
    fad = metrics["fad"]["per_category"]
    assert fad["Footstep"] < 2.0 < 8.0 < fad["Keyboard"]  # official footstep-keyboard distance is 8.68


def test_scorer_returning_garbage_is_a_contract_error():
    registry = ScorerRegistry()
    registry.add("broken", lambda data: [1, 2, 3], needs_reference_audio=False)
    rng = np.random.default_rng(0)
    data = ScoringData({"Rain": _embeddings(rng, 0)}, None, {})
    with pytest.raises(ComponentError, match="scorer 'broken' must return a dict of Metric"):
        run_scorers([registry.get("broken")], data)
