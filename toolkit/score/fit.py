"""Category fit: a classifier trained on real reference clips judges whether generated clips sound like
their intended category.

Features: one descriptor per clip (mean and standard deviation of its embedding rows, see
:class:`toolkit.score.scorers.CategoryEmbeddings`), standardised; classifier: multinomial logistic
regression with balanced class weights (the reference categories are often unequal in size). Its own
quality is reported as the balanced accuracy of stratified k-fold cross-validation on the real clips
(k = min(4, smallest class size)); a category-fit accuracy is only as trustworthy as that number.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from toolkit.errors import DataError

MAX_FOLDS = 4


def _classifier() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000))


@dataclass
class CategoryClassifier:
    """A classifier of clip descriptors into categories, with its cross-validated balanced accuracy."""

    model: Pipeline
    labels: list[str]
    cv_balanced_accuracy: float | None
    cv_folds: int

    @classmethod
    def train(cls, clips: dict[str, np.ndarray], seed: int = 0) -> "CategoryClassifier":
        """Train on ``{category: [n_clips, d]}`` (at least two categories)."""
        labels = list(clips)
        if len(labels) < 2:
            raise DataError("category fit needs reference clips of at least two categories")
        features = np.concatenate([clips[name] for name in labels])
        targets = np.concatenate([np.full(len(clips[name]), i) for i, name in enumerate(labels)])
        folds = min(MAX_FOLDS, min(len(clips[name]) for name in labels))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            cv = None
            if folds >= 2:
                splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
                scores = cross_val_score(_classifier(), features, targets, cv=splitter, scoring="balanced_accuracy")
                cv = float(scores.mean())
            model = _classifier().fit(features, targets)
        return cls(model, labels, cv, folds if cv is not None else 0)

    def accuracy(self, category: str, clips: np.ndarray) -> float:
        """Share of ``clips`` classified as ``category``."""
        predicted = self.model.predict(np.asarray(clips, dtype=np.float64))
        return float(np.mean(predicted == self.labels.index(category)))
