"""A fitted linear text classifier applied with numpy alone: what the pipeline loads.

``LinearTextModel`` holds what a TF-IDF character n-gram logistic regression learned
(vocabulary, idf, coefficients, intercepts) and a calibration temperature, and
computes class probabilities from them without scikit-learn. It is saved as plain
files: ``vocabulary.json`` (the n-grams in column order), ``weights.npz`` (numpy
arrays, read with ``allow_pickle=False``) and ``meta.json``. Training
(``text_classifier.TextClassifier``) makes one from a fitted scikit-learn pipeline;
the test suite checks both give the same labels and probabilities.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Errors, ModelError
from .persistence import read_meta, write_meta

FORMAT = "linear-text-v1"
VOCABULARY_FILE = "vocabulary.json"
WEIGHTS_FILE = "weights.npz"
_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's char analyzer


class LinearTextModel:
    """Softmax over linear scores of sublinear, l2-normalised TF-IDF char n-grams.

    ``coef_`` is (n_features, n_classes) and ``intercept_`` (n_classes,); a binary
    logistic regression is stored as two columns, the first all zero, which gives the
    same probabilities. ``temperature_`` divides the scores before the softmax
    (calibration; 1.0 leaves them as fitted).
    """

    def __init__(
        self,
        classes: Sequence[str],
        vocabulary: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        ngram_range: tuple[int, int] = (1, 2),
        lowercase: bool = False,
        temperature: float = 1.0,
    ):
        self.classes_ = np.array([str(c) for c in classes])
        self.vocabulary_ = vocabulary
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.grams_ = (int(ngram_range[0]), int(ngram_range[1]))
        self.lowercase_ = bool(lowercase)
        self.temperature_ = float(temperature)
        self.meta_: dict[str, Any] = {}
        if self.coef_.shape != (len(self.idf_), len(self.classes_)) or len(
            self.intercept_
        ) != len(self.classes_):
            raise ModelError(
                Errors.E201.format(
                    path="<in memory>",
                    detail=f"weights of shape {self.coef_.shape} for "
                    f"{len(self.idf_)} features and {len(self.classes_)} labels",
                    task="<task>",
                )
            )

    # -- applying ---------------------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """The linear scores (before temperature and softmax), one row per text."""
        texts = list(texts)
        scores = np.tile(self.intercept_, (len(texts), 1))
        for row, (indices, values) in enumerate(map(self._tfidf, texts)):
            if len(indices):
                scores[row] += values @ self.coef_[indices]
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        return softmax(self.decision_function(texts) / self.temperature_)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

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

    # -- saving and loading -----------------------------------------------------------
    def to_disk(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        terms = [""] * len(self.vocabulary_)
        for term, index in self.vocabulary_.items():
            terms[index] = term
        (path / VOCABULARY_FILE).write_text(
            json.dumps(terms, ensure_ascii=False), encoding="utf-8"
        )
        np.savez_compressed(
            path / WEIGHTS_FILE,
            idf=self.idf_,
            coef=self.coef_,
            intercept=self.intercept_,
        )
        info = {
            "backend": "sklearn",
            **(meta or {}),
            "format": FORMAT,
            "labels": [str(c) for c in self.classes_],
            "ngram_range": list(self.grams_),
            "lowercase": self.lowercase_,
            "temperature": self.temperature_,
        }
        write_meta(path, info)
        self.meta_ = info

    @classmethod
    def from_disk(cls, path: str | Path, task: str = "<task>") -> LinearTextModel:
        path = Path(path)
        meta = read_meta(path, task)
        if meta.get("format") != FORMAT:
            raise ModelError(
                Errors.E201.format(
                    path=path,
                    detail=f"format {meta.get('format')!r}, expected {FORMAT!r}",
                    task=task,
                )
            )
        try:
            terms = json.loads((path / VOCABULARY_FILE).read_text(encoding="utf-8"))
            with np.load(path / WEIGHTS_FILE, allow_pickle=False) as weights:
                idf, coef = weights["idf"], weights["coef"]
                intercept = weights["intercept"]
            model = cls(
                meta["labels"],
                {term: i for i, term in enumerate(terms)},
                idf,
                coef,
                intercept,
                tuple(meta.get("ngram_range") or (1, 2)),
                bool(meta.get("lowercase", False)),
                float(meta.get("temperature", 1.0)),
            )
        except ModelError as e:
            raise ModelError(Errors.E201.format(path=path, detail=e, task=task)) from e
        except (OSError, ValueError, KeyError, TypeError, EOFError) as e:
            raise ModelError(Errors.E201.format(path=path, detail=e, task=task)) from e
        if len(terms) != len(idf):
            raise ModelError(
                Errors.E201.format(
                    path=path, detail="vocabulary and weights differ in size", task=task
                )
            )
        model.meta_ = meta
        return model


def softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores
