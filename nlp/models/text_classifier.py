"""One TF-IDF character n-gram logistic regression for section labels and weaknesses.

``TextClassifier`` is the trainable estimator (scikit-learn, used by training only).
It follows the scikit-learn contract: parameters stored as given in ``__init__``,
``fit(texts, labels) -> self``, learned state in attributes ending in ``_``,
``predict``/``predict_proba``, ``to_disk``/``from_disk``; used before ``fit`` it
raises ``NotFittedError``. What it learned is kept as a ``linear.LinearTextModel``,
which applies it with numpy and is what the pipeline loads (``loading.load_model``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..errors import Errors, ModelError, NotFittedError
from .linear import LinearTextModel
from .loading import load_model
from .persistence import json_ready

__all__ = ["TextClassifier", "load_model", "linear_from_pipeline"]


class TextClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF character n-grams (sublinear tf, l2 norm) and logistic regression."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        max_features: int | None = 50000,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        max_iter: int = 5000,
        lowercase: bool = False,
        random_state: int = 0,
        solver: str = "newton-cg",
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.lowercase = lowercase
        self.random_state = random_state
        self.solver = solver

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        texts, labels = list(texts), list(labels)
        if len(texts) != len(labels) or len(set(labels)) < 2:
            raise ModelError(
                Errors.E602.format(
                    detail="need texts and labels of equal length, 2+ labels"
                )
            )
        pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char",
                        lowercase=self.lowercase,
                        ngram_range=tuple(self.ngram_range),
                        min_df=self.min_df,
                        max_features=self.max_features,
                        sublinear_tf=True,
                    ),
                ),
                (
                    "clf",
                    LogisticRegression(
                        C=self.C,
                        class_weight=self.class_weight,
                        max_iter=self.max_iter,
                        random_state=self.random_state,
                        solver=self.solver,
                    ),
                ),
            ]
        )
        # One BLAS thread: these problems are small, and threads fighting over shared
        # cores made fitting four times slower.
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            pipeline.fit(texts, labels)
        self.pipeline_ = pipeline
        self.linear_ = linear_from_pipeline(pipeline)
        self.classes_ = self.linear_.classes_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "linear_"):
            raise NotFittedError(Errors.E202.format(name=type(self).__name__))

    def set_temperature(self, temperature: float) -> TextClassifier:
        """Calibrate: scores are divided by ``temperature`` before the softmax."""
        self._check_fitted()
        self.linear_.temperature_ = float(temperature)
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        return self.linear_.decision_function(texts)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order (with numpy: what
        ``pipeline_.predict_proba`` computes, at temperature 1)."""
        self._check_fitted()
        return self.linear_.predict_proba(texts)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        return self.linear_.predict(texts)

    def to_disk(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        self._check_fitted()
        info = {"params": json_ready(self.get_params()), **(meta or {})}
        self.linear_.to_disk(path, info)

    @classmethod
    def from_disk(cls, path: str | Path, task: str = "<task>") -> TextClassifier:
        """The estimator around a saved model (``pipeline_`` is not restored: the
        saved arrays are all that predicting needs)."""
        linear = LinearTextModel.from_disk(path, task)
        params = dict(linear.meta_.get("params") or {})
        if "ngram_range" in params:
            params["ngram_range"] = tuple(params["ngram_range"])
        known = cls().get_params()
        model = cls(**{k: v for k, v in params.items() if k in known})
        model.linear_ = linear
        model.classes_ = linear.classes_
        model.meta_ = linear.meta_
        return model


def linear_from_pipeline(pipeline) -> LinearTextModel:
    """The arrays of a fitted TF-IDF + logistic regression pipeline."""
    tfidf, clf = pipeline.steps[0][1], pipeline.steps[-1][1]
    coef = clf.coef_.T.astype(np.float64)
    intercept = clf.intercept_.astype(np.float64)
    if len(clf.classes_) == 2:
        # sklearn's binary model scores the second class against the first.
        coef = np.hstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    return LinearTextModel(
        [str(c) for c in clf.classes_],
        {term: int(i) for term, i in tfidf.vocabulary_.items()},
        tfidf.idf_.astype(np.float64),
        coef,
        intercept,
        tuple(tfidf.ngram_range),
        bool(tfidf.lowercase),
    )
