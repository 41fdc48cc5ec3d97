"""One TF-IDF character n-gram logistic regression for section labels and weaknesses.

``TextClassifier`` follows the scikit-learn contract: parameters stored as given in
``__init__``, ``fit(texts, labels) -> self``, learned state in attributes ending in
``_``, ``predict``/``predict_proba``, ``to_disk``/``from_disk`` (skops); used before
``fit`` it raises ``NotFittedError``. ``load_model`` reads any backend's folder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..errors import Errors, ModelError, NotFittedError
from .neural import SpacyTextClassifier, TransformersTextClassifier
from .persistence import dump_skops, json_ready, load_skops, read_meta, write_meta

_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's char analyzer


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
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.lowercase = lowercase
        self.random_state = random_state

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
                    ),
                ),
            ]
        )
        pipeline.fit(texts, labels)
        self._set_pipeline(pipeline)
        return self

    def _set_pipeline(self, pipeline) -> None:
        self.pipeline_ = pipeline
        self.classes_ = pipeline.classes_
        tfidf, clf = pipeline.steps[0][1], pipeline.steps[-1][1]
        # Python ints, not numpy ones: skops then stores the vocabulary inline instead
        # of one .npy file per entry.
        tfidf.vocabulary_ = {term: int(i) for term, i in tfidf.vocabulary_.items()}
        # Plain copies for the fast path of ``predict_proba``.
        self.vocabulary_ = tfidf.vocabulary_
        self.idf_ = tfidf.idf_.astype(np.float64)
        self.coef_ = clf.coef_.T.astype(np.float64)
        self.intercept_ = clf.intercept_.astype(np.float64)
        self.grams_ = tuple(tfidf.ngram_range)
        self.lowercase_ = bool(tfidf.lowercase)

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(Errors.E202.format(name=type(self).__name__))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order.

        Computes what ``pipeline_.predict_proba`` computes (TF-IDF with sublinear tf
        and l2 norm, then a softmax over the linear scores) without sklearn's
        per-call validation and its KeyError per unseen n-gram: this runs on every
        section of every report.
        """
        self._check_fitted()
        texts = list(texts)
        if len(self.classes_) < 3:
            return self.pipeline_.predict_proba(texts)
        scores = np.tile(self.intercept_, (len(texts), 1))
        for row, (indices, values) in enumerate(map(self._tfidf, texts)):
            if len(indices):
                scores[row] += values @ self.coef_[indices]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def _tfidf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero TF-IDF features of one text: column indices and values."""
        lookup = self.vocabulary_.get
        low, high = self.grams_
        if self.lowercase_:
            text = text.lower()
        text = _WHITE_SPACES.sub(" ", text)
        # n-grams built and looked up by map (C loops, not Python ones)
        grams: list[str] = list(text)
        counts: Counter[int | None] = Counter()
        for n in range(1, high + 1):
            if n > 1:
                grams = list(map(str.__add__, grams[:-1], text[n - 1 :]))
            if n >= low:
                counts.update(map(lookup, grams))
        counts.pop(None, None)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf_[indices]
        if len(values):
            values /= np.sqrt(values @ values)
        return indices, values

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)]

    def to_disk(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        dump_skops(self.pipeline_, path)
        info = {
            "backend": "sklearn",
            "labels": [str(c) for c in self.classes_],
            "params": json_ready(self.get_params()),
            **(meta or {}),
        }
        write_meta(path, info)

    @classmethod
    def from_disk(cls, path: str | Path, task: str = "<task>") -> TextClassifier:
        path = Path(path)
        meta = read_meta(path, task)
        pipeline = load_skops(path, task)
        params = dict(meta.get("params") or {})
        if "ngram_range" in params:
            params["ngram_range"] = tuple(params["ngram_range"])
        known = cls().get_params()
        model = cls(**{k: v for k, v in params.items() if k in known})
        model._set_pipeline(pipeline)
        if [str(c) for c in model.classes_] != meta.get("labels"):
            raise ModelError(
                Errors.E201.format(
                    path=path, detail="labels differ from meta.json", task=task
                )
            )
        model.meta_ = meta
        return model


def load_model(path: str | Path, task: str = "<task>") -> Any:
    """The classifier saved in ``path``; its backend is read from meta.json."""
    backends = {
        "sklearn": TextClassifier,
        "spacy": SpacyTextClassifier,
        "transformers": TransformersTextClassifier,
    }
    meta = read_meta(Path(path), task)
    backend = meta.get("backend", "sklearn")
    if backend not in backends:
        raise ModelError(Errors.E603.format(backend=backend))
    if backend == "sklearn":
        return TextClassifier.from_disk(path, task)
    return backends[backend].from_disk(path)
