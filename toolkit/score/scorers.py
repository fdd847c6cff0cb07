"""Metrics as scorers: a registry of named functions from embedded sets to per-category metrics.

A scorer is ``fn(data: ScoringData) -> dict[str, Metric]`` (one scorer may produce several metrics, e.g.
``prdc`` gives precision, recall, density and coverage). Built-ins: ``fad``, ``kad``, ``fit``, ``prdc``.
Third-party plugins add their own through the pluggy hook ``toolkit_register_scorers(registry)`` by
calling :meth:`ScorerRegistry.add`. A scorer that cannot run on the data raises :class:`ScorerSkipped`
with the reason, which the outputs record.

When the reference is a STATS_DIR (official Gaussians only), ``data.reference`` is None and only scorers
registered with ``needs_reference_audio=False`` (FAD) run; the others are reported as skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from toolkit.errors import ComponentError, ContractError, DataError
from toolkit.score.fit import CategoryClassifier
from toolkit.score.frechet import frechet_distance
from toolkit.score.kernel import kernel_distance
from toolkit.score.prdc import DEFAULT_K, prdc
from toolkit.score.stats import Gaussian


class ScorerSkipped(Exception):
    """Raised by a scorer that cannot run on the given data; the message says why."""


@dataclass
class CategoryEmbeddings:
    """The embeddings of one category of one set.

    ``examples``: every embedding row of every clip [n_examples, dim] (FAD, KAD);
    ``clips``: one descriptor per clip, the mean and standard deviation of its rows [n_clips, 2 * dim]
    (category fit, precision/recall/density/coverage).
    """

    examples: np.ndarray
    clips: np.ndarray

    @classmethod
    def from_clips(cls, per_clip: Sequence[np.ndarray]) -> "CategoryEmbeddings":
        if not per_clip or any(rows.ndim != 2 or rows.shape[0] == 0 for rows in per_clip):
            raise DataError("every clip must give at least one embedding row")
        descriptors = np.stack([np.concatenate([rows.mean(axis=0), rows.std(axis=0)]) for rows in per_clip])
        return cls(np.concatenate(per_clip), descriptors)


@dataclass
class ScoringData:
    """Everything a scorer may use. Category names are CamelCase; ``generated`` defines which are scored."""

    generated: dict[str, CategoryEmbeddings]
    reference: dict[str, CategoryEmbeddings] | None
    reference_stats: dict[str, Gaussian]
    k: int = DEFAULT_K
    seed: int = 0

    @property
    def categories(self) -> list[str]:
        return list(self.generated)


@dataclass
class Metric:
    """One metric per category; ``average`` is the mean over the categories that have a value."""

    per_category: dict[str, float | None]
    higher_is_better: bool
    description: str
    details: dict = field(default_factory=dict)

    @property
    def average(self) -> float | None:
        values = [v for v in self.per_category.values() if v is not None]
        return float(np.mean(values)) if values else None

    def as_dict(self) -> dict:
        return {
            "per_category": self.per_category,
            "average": self.average,
            "higher_is_better": self.higher_is_better,
            "description": self.description,
            "details": self.details,
        }


ScorerFn = Callable[[ScoringData], dict[str, Metric]]


@dataclass(frozen=True)
class Scorer:
    name: str
    fn: ScorerFn
    needs_reference_audio: bool


class ScorerRegistry:
    """Named scorers; built-ins first, then whatever plugins add through ``toolkit_register_scorers``."""

    def __init__(self):
        self._scorers: dict[str, Scorer] = {}

    def add(self, name: str, fn: ScorerFn, needs_reference_audio: bool = True) -> None:
        """Register ``fn`` as scorer ``name``; ``needs_reference_audio=False`` if Gaussian stats suffice."""
        if name in self._scorers:
            raise ComponentError(f"scorer '{name}' is registered twice; rename one of them")
        if not callable(fn):
            raise ComponentError(f"scorer '{name}' is not callable")
        self._scorers[name] = Scorer(name, fn, needs_reference_audio)

    def names(self) -> list[str]:
        return list(self._scorers)

    def get(self, name: str) -> Scorer:
        try:
            return self._scorers[name]
        except KeyError:
            raise ComponentError(f"unknown scorer '{name}'; available: {', '.join(self._scorers)}") from None


def run_scorers(scorers: Sequence[Scorer], data: ScoringData) -> tuple[dict[str, dict], dict[str, str]]:
    """``(metrics as dicts by metric name, {scorer name: reason})`` for the scorers that can run on ``data``."""
    metrics: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for scorer in scorers:
        if scorer.needs_reference_audio and data.reference is None:
            skipped[scorer.name] = "needs reference audio; the reference is a statistics folder (only FAD can be computed)"
            continue
        try:
            results = scorer.fn(data)
        except ScorerSkipped as exc:
            skipped[scorer.name] = str(exc)
            continue
        if not isinstance(results, dict) or not all(isinstance(m, Metric) for m in results.values()):
            raise ContractError(f"scorer '{scorer.name}' must return a dict of Metric, got {type(results).__name__}")
        for name, metric in results.items():
            if name in metrics:
                raise ContractError(f"scorer '{scorer.name}' returns metric '{name}', which another scorer already returned")
            metrics[name] = metric.as_dict()
    return metrics, skipped


# -- built-in scorers ------------------------------------------------------------------------------------
def fad_scorer(data: ScoringData) -> dict[str, Metric]:
    values = {}
    for name, generated in data.generated.items():
        reference = data.reference_stats[name]
        mine = Gaussian.of(generated.examples)
        values[name] = frechet_distance(reference.mu, reference.sigma, mine.mu, mine.sigma)
    counts = {name: {"reference": data.reference_stats[name].count, "generated": len(g.examples)}
              for name, g in data.generated.items()}
    return {"fad": Metric(values, False, "Fréchet distance between Gaussians of the embedding rows", {"rows": counts})}


def kad_scorer(data: ScoringData) -> dict[str, Metric]:
    values = {name: kernel_distance(data.reference[name].examples, g.examples) for name, g in data.generated.items()}
    return {"kad": Metric(values, False, "100 x unbiased MMD^2, RBF kernel, median-distance bandwidth of the reference")}


def fit_scorer(data: ScoringData) -> dict[str, Metric]:
    try:
        classifier = CategoryClassifier.train({n: e.clips for n, e in data.reference.items()}, seed=data.seed)
    except DataError as exc:
        raise ScorerSkipped(str(exc)) from None
    values = {name: classifier.accuracy(name, g.clips) for name, g in data.generated.items()}
    details = {
        "classifier": "logistic regression on standardised clip descriptors, balanced class weights",
        "classifier_categories": classifier.labels,
        "classifier_cv_balanced_accuracy": classifier.cv_balanced_accuracy,
        "classifier_cv_folds": classifier.cv_folds,
    }
    return {"fit_accuracy": Metric(values, True, "share of generated clips classified as their category", details)}


def prdc_scorer(data: ScoringData) -> dict[str, Metric]:
    names = ("precision", "recall", "density", "coverage")
    values: dict[str, dict[str, float | None]] = {n: {} for n in names}
    too_small = []
    for category, generated in data.generated.items():
        real = data.reference[category].clips
        if min(len(real), len(generated.clips)) <= data.k:
            too_small.append(category)
            result = dict.fromkeys(names)
        else:
            result = prdc(real, generated.clips, data.k)
        for n in names:
            values[n][category] = result[n]
    details = {"k": data.k, "rows": "clip descriptors"}
    if too_small:
        details["not_computed"] = f"{', '.join(too_small)}: need more than k={data.k} clips in both sets"
    descriptions = {
        "precision": "share of generated clips inside the real k-NN manifold (fidelity)",
        "recall": "share of real clips inside the generated k-NN manifold (diversity)",
        "density": "real k-NN balls per generated clip / k (fidelity, ~1 for matching sets)",
        "coverage": "share of real clips with a generated clip in their k-NN ball (diversity)",
    }
    return {n: Metric(values[n], True, descriptions[n], details) for n in names}


def builtin_scorers() -> ScorerRegistry:
    """A registry holding only the built-in scorers."""
    registry = ScorerRegistry()
    registry.add("fad", fad_scorer, needs_reference_audio=False)
    registry.add("kad", kad_scorer)
    registry.add("fit", fit_scorer)
    registry.add("prdc", prdc_scorer)
    return registry


def scorer_registry() -> ScorerRegistry:
    """Built-in scorers plus those registered by plugins through ``toolkit_register_scorers``."""
    from toolkit.plugins import get_plugin_manager

    registry = builtin_scorers()
    get_plugin_manager().hook.toolkit_register_scorers(registry=registry)
    return registry
