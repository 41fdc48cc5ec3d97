"""Weakness categories (SPEC.md §2): cue-word rules and a trained classifier.

``CueCategorizer`` reads the cue words of ``configs/weaknesses.yaml``; the head of a
problem statement comes first, so earlier cues weigh more. ``WeaknessClassifier`` is a
TF-IDF character n-gram logistic regression trained on gold weaknesses plus confident
rule labels (``build_weakness_examples``); it decides where the cues are silent
or split.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ..errors import ConfigError, Errors, ModelError, NotFittedError
from ..records import Report

_SPACE = re.compile(r"\s+")
# Enumeration markers gold texts sometimes keep (1. 一是 (一)); not part of the problem.
_LEADING_MARKER = re.compile(
    r"^(?:\(?[一二三四五六七八九十\d]{1,2}[)、.]|[一二三四五六七八九十]{1,2}是|[①-⑩])"
)


def statement_text(text: str) -> str:
    """The form categorisers read: white space removed, leading marker dropped."""
    return _LEADING_MARKER.sub("", _SPACE.sub("", text))


@dataclass(frozen=True)
class CueResult:
    """What the cue words say about one statement."""

    label: str | None
    confidence: float
    scores: dict[str, float]


class CueCategorizer:
    """Leftmost-longest cue matching; the k-th cue found weighs 1/(k+1)."""

    def __init__(self, config: Mapping[str, Any]):
        categories = config.get("categories")
        cues = config.get("cues")
        if not isinstance(categories, list) or not isinstance(cues, dict):
            raise ConfigError(
                Errors.E700.format(detail="'categories' list and 'cues' map needed")
            )
        self.categories = list(categories)
        self.lookup: dict[str, str] = {}
        for label, words in cues.items():
            if label not in self.categories:
                raise ConfigError(Errors.E702.format(label=label))
            for word in words or []:
                if word in self.lookup and self.lookup[word] != label:
                    raise ConfigError(
                        Errors.E700.format(
                            detail=f"cue {word!r} is listed under two categories"
                        )
                    )
                self.lookup[word] = label
        if not self.lookup:
            raise ConfigError(Errors.E700.format(detail="no cue words"))
        ordered = sorted(self.lookup, key=len, reverse=True)
        self.regex = re.compile("|".join(map(re.escape, ordered)))
        confidence = config.get("rule_confidence") or {}
        self.single = float(confidence.get("single", 0.9))
        self.floor = float(confidence.get("floor", 0.45))

    def __call__(self, text: str) -> CueResult:
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        for k, m in enumerate(self.regex.finditer(statement_text(text))):
            label = self.lookup[m.group()]
            scores[label] = scores.get(label, 0.0) + 1.0 / (k + 1)
            first.setdefault(label, k)
        if not scores:
            return CueResult(None, 0.0, {})
        label = max(scores, key=lambda c: (scores[c], -first[c]))
        share = scores[label] / sum(scores.values())
        confidence = (
            self.single if len(scores) == 1 else max(self.floor, self.single * share)
        )
        return CueResult(label, round(confidence, 4), scores)


class WeaknessClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF character n-grams and logistic regression over problem statements.

    Follows the scikit-learn contract: parameters kept as given, ``fit`` returns self,
    learned state ends in ``_``; ``to_disk``/``from_disk`` persist it with skops.
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        C: float = 4.0,
        min_df: int = 1,
        class_weight: str | None = "balanced",
        max_iter: int = 2000,
        random_state: int = 0,
    ):
        self.ngram_range = ngram_range
        self.C = C
        self.min_df = min_df
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Iterable[str], y: Iterable[str]) -> WeaknessClassifier:
        texts = [statement_text(x) for x in X]
        labels = list(y)
        if len(texts) != len(labels) or len(set(labels)) < 2:
            raise ModelError(
                Errors.E704.format(
                    detail="need as many labels as texts, of two classes at least"
                )
            )
        self.pipeline_ = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char",
                        ngram_range=tuple(self.ngram_range),
                        min_df=self.min_df,
                        sublinear_tf=True,
                    ),
                ),
                (
                    "logreg",
                    LogisticRegression(
                        C=self.C,
                        class_weight=self.class_weight,
                        max_iter=self.max_iter,
                        random_state=self.random_state,
                    ),
                ),
            ]
        )
        self.pipeline_.fit(texts, labels)
        self.classes_ = self.pipeline_.classes_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(Errors.E202.format(name=type(self).__name__))

    def predict_proba(self, X: Iterable[str]):
        self._check_fitted()
        return self.pipeline_.predict_proba([statement_text(x) for x in X])

    def predict(self, X: Iterable[str]):
        self._check_fitted()
        return self.pipeline_.predict([statement_text(x) for x in X])

    def to_disk(self, path: str | Path, meta: Mapping[str, Any] | None = None) -> None:
        """Write ``model.skops`` and ``meta.json`` (labels, params, and ``meta``)."""
        import skops.io as sio

        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sio.dump(self.pipeline_, path / "model.skops")
        info = {
            "name": "weaknesses",
            "labels": [str(c) for c in self.classes_],
            "params": {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in self.get_params().items()
            },
            **(dict(meta) if meta else {}),
        }
        (path / "meta.json").write_text(
            json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    @classmethod
    def from_disk(cls, path: str | Path) -> WeaknessClassifier:
        import skops.io as sio

        path = Path(path)
        model_file, meta_file = path / "model.skops", path / "meta.json"
        if not model_file.is_file() or not meta_file.is_file():
            raise ModelError(Errors.E705.format(path=path))
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        untrusted = sio.get_untrusted_types(file=model_file)
        # Only scikit-learn and numpy types are expected in a model we wrote.
        unexpected = [t for t in untrusted if not t.startswith(("sklearn.", "numpy."))]
        if unexpected:
            raise ModelError(
                Errors.E201.format(
                    path=path,
                    detail=f"unexpected types {unexpected}",
                    task="weaknesses",
                )
            )
        params = dict(meta.get("params") or {})
        if "ngram_range" in params:
            params["ngram_range"] = tuple(params["ngram_range"])
        model = cls(**params)
        model.pipeline_ = sio.load(model_file, trusted=untrusted)
        model.classes_ = model.pipeline_.classes_
        model.meta_ = meta
        return model


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float
    method: str


def decide(
    cue: CueResult,
    model: tuple[str, float] | None,
    override_below: float,
) -> Decision:
    """One category: the cue rule's when it is sure, else the model's when the model is
    surer (or the cues are silent); ``other`` only when neither says anything."""
    if cue.label is not None and (cue.confidence >= override_below or model is None):
        return Decision(cue.label, cue.confidence, "rule")
    if model is not None:
        label, prob = model
        if cue.label is None or prob > cue.confidence:
            return Decision(label, round(float(prob), 4), "model")
        return Decision(cue.label, cue.confidence, "rule")
    return Decision("other", 0.3, "rule")


@dataclass(frozen=True)
class Example:
    """One training example: a problem statement and its category."""

    text: str
    label: str
    source: str  # gold | weak
    doc_id: str


def build_weakness_examples(
    reports: Iterable[Report],
    golds: Mapping[str, Mapping[str, Any]] | None = None,
    extractor: Any = None,
    min_confidence: float | None = None,
) -> list[Example]:
    """Training examples: every gold weakness (``golds`` maps a report's file name to
    its gold dict), plus the problem statements ``extractor`` finds in ``reports`` whose
    cue rule is at least ``min_confidence`` sure (weak labels). A statement overlapping
    a gold weakness of its report is left to the gold; repeated texts are kept once."""
    from ..evaluate import overlap_ok
    from .extract import WeaknessExtractor

    extractor = extractor or WeaknessExtractor(model=None)
    if min_confidence is None:
        min_confidence = float(extractor.config.get("weak_label_min_confidence", 0.9))
    golds = golds or {}
    examples: list[Example] = []
    seen: set[str] = set()

    def add(text: str, label: str, source: str, doc_id: str) -> None:
        key = statement_text(text)
        if key and key not in seen:
            seen.add(key)
            examples.append(Example(text, label, source, doc_id))

    reports = list(reports)
    for report in reports:
        gold = golds.get(Path(report.doc_id).name) or golds.get(report.doc_id) or {}
        for weakness in gold.get("weaknesses", []):
            add(weakness["text"], weakness["category"], "gold", report.doc_id)
    for report in reports:
        gold = golds.get(Path(report.doc_id).name) or golds.get(report.doc_id) or {}
        gold_texts = [w["text"] for w in gold.get("weaknesses", [])]
        for text in extractor.statement_texts(report):
            if any(overlap_ok(text, g) for g in gold_texts):
                continue
            cue = extractor.cues(text)
            if cue.label is not None and cue.confidence >= min_confidence:
                add(text, cue.label, "weak", report.doc_id)
    return examples
