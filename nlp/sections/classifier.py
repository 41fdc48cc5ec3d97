"""Section labelling: heading rules first, a trained text classifier where they are silent.

``SectionTextClassifier`` (TF-IDF character n-grams + logistic regression) follows the
scikit-learn contract; the second backend, spaCy textcat on ``spacy.blank("zh")`` with
the jieba segmenter (``SpacySectionClassifier``), is the shared one of
``nlp.training.backends`` with the same interface. The ``label_sections`` stage
(``SectionClassifier``) combines the rules of ``configs/sections.yaml`` with the model
shipped in ``models/sections/``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..config import CONFIG_DIR, load_config
from ..errors import Errors, ModelError, NotFittedError
from ..pipeline import Stage, register_stage
from ..records import Report, Section
from ..training.backends import SpacyTextClassifier as SpacySectionClassifier
from .rules import HeadingRules

REPO_DIR = CONFIG_DIR.parent
MODEL_FILE = "model.skops"
META_FILE = "meta.json"
TASK = "sections"
# Labels given by structure, not by the text classifier.
STRUCTURAL_LABELS = ("preamble", "stat_table")
_SPACE = re.compile(r"\s+")
_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's char analyzer
# Type-name prefixes a shipped scikit-learn model may contain.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def own_span(sections: Sequence[Section], index: int) -> tuple[int, int]:
    """The section's own text: after its title, before its first sub-section."""
    section = sections[index]
    end = section.end
    for later in sections[index + 1 :]:
        if later.parent == section.id:
            end = later.start
            break
    start = section.title_end if section.title_end is not None else section.start
    return start, end


def section_text(
    text: str, sections: Sequence[Section], index: int, body_chars: int
) -> str:
    """What the model reads: the title and the start of the section's own text."""
    start, end = own_span(sections, index)
    return f"{sections[index].title}\n{_SPACE.sub('', text[start:end])[:body_chars]}"


def own_text_length(text: str, sections: Sequence[Section], index: int) -> int:
    start, end = own_span(sections, index)
    return len(_SPACE.sub("", text[start:end]))


# ---------------------------------------------------------------------------------------
# Trainable classifiers
# ---------------------------------------------------------------------------------------
class SectionTextClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF character n-grams and logistic regression over section title + text."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        max_features: int | None = 50000,
        C: float = 10.0,
        class_weight: str | None = "balanced",
        random_state: int = 0,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SectionTextClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

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
                        lowercase=False,
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
                        max_iter=5000,
                        random_state=self.random_state,
                    ),
                ),
            ]
        )
        pipeline.fit(list(texts), list(labels))
        self._set_pipeline(pipeline)
        return self

    def _set_pipeline(self, pipeline) -> None:
        self.pipeline_ = pipeline
        self.classes_ = pipeline.classes_
        tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
        # Python ints, not numpy ones: skops then stores the vocabulary inline instead
        # of one .npy file per entry.
        tfidf.vocabulary_ = {term: int(i) for term, i in tfidf.vocabulary_.items()}
        # Plain copies for the fast path of ``predict_proba``.
        self.vocabulary_ = tfidf.vocabulary_
        self.idf_ = tfidf.idf_.astype(np.float64)
        self.coef_ = clf.coef_.T.astype(np.float64)
        self.intercept_ = clf.intercept_.astype(np.float64)

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
        if len(self.classes_) < 3:
            return self.pipeline_.predict_proba(list(texts))
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
        low, high = self.ngram_range
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
        import skops.io as sio

        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sio.dump(
            self.pipeline_, path / MODEL_FILE, compression=ZIP_DEFLATED, compresslevel=9
        )
        info = {
            "backend": "sklearn",
            "labels": [str(c) for c in self.classes_],
            "params": _json_ready(self.get_params()),
            **(meta or {}),
        }
        (path / META_FILE).write_text(
            json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    @classmethod
    def from_disk(cls, path: str | Path) -> SectionTextClassifier:
        import skops.io as sio

        path = Path(path)
        meta = _read_meta(path)
        model_file = path / MODEL_FILE
        if not model_file.is_file():
            raise ModelError(Errors.E200.format(path=model_file, task=TASK))
        try:
            untrusted = sio.get_untrusted_types(file=model_file)
            unexpected = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
            if unexpected:
                raise ModelError(
                    Errors.E201.format(
                        path=model_file,
                        detail=f"unexpected types {unexpected}",
                        task=TASK,
                    )
                )
            pipeline = sio.load(model_file, trusted=untrusted)
        except ModelError:
            raise
        except Exception as e:  # a corrupt or foreign file
            raise ModelError(
                Errors.E201.format(path=model_file, detail=e, task=TASK)
            ) from e
        params = meta.get("params", {})
        if "ngram_range" in params:
            params["ngram_range"] = tuple(params["ngram_range"])
        model = cls(**{k: v for k, v in params.items() if k in cls().get_params()})
        model._set_pipeline(pipeline)
        if [str(c) for c in model.classes_] != meta.get("labels"):
            raise ModelError(
                Errors.E201.format(
                    path=path, detail="labels differ from meta.json", task=TASK
                )
            )
        return model


BACKENDS = {"sklearn": SectionTextClassifier, "spacy": SpacySectionClassifier}


def load_model(path: str | Path) -> SectionTextClassifier | SpacySectionClassifier:
    """The classifier saved in ``path`` (its backend is read from meta.json)."""
    meta = _read_meta(Path(path))
    backend = meta.get("backend", "sklearn")
    if backend not in BACKENDS:
        raise ModelError(Errors.E603.format(backend=backend))
    return BACKENDS[backend].from_disk(path)


def _read_meta(path: Path) -> dict[str, Any]:
    meta_file = path / META_FILE
    if not meta_file.is_file():
        raise ModelError(Errors.E200.format(path=path, task=TASK))
    try:
        return json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(Errors.E201.format(path=meta_file, detail=e, task=TASK)) from e


def _json_ready(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


# ---------------------------------------------------------------------------------------
# Rules and model combined
# ---------------------------------------------------------------------------------------
@dataclass
class Decision:
    label: str
    confidence: float
    method: str  # rule | inherit | model | structure


class LabelPolicy:
    """How heading rules, the parent's label and the model's scores decide a label."""

    def __init__(self, config: dict[str, Any]):
        self.rules = HeadingRules(config)
        settings = config["classifier"]
        self.short_body_chars = int(settings["short_body_chars"])
        self.parent_prior = float(settings["parent_prior"])
        self.conflict_margin = float(settings["conflict_margin"])
        self.confidence = {k: float(v) for k, v in settings["confidence"].items()}

    def decide(
        self,
        section: Section,
        parent_label: str | None,
        own_chars: int,
        scores: dict[str, float] | None,
    ) -> Decision | None:
        """The label of ``section``; None where only the model could tell and
        ``scores`` is None (rules alone are silent)."""
        rule = self.rules.match(section.title)
        conf = self.confidence
        if parent_label in self.rules.inherit_from_parent:
            strong = self.rules.strong_label(section.title)
            if strong and strong != parent_label and strong != "stat_table":
                return Decision(strong, conf["strong_child"], "rule")
            return Decision(parent_label, conf["inherit"], "inherit")
        if rule.label and not rule.weak:
            if (
                rule.conflict
                and scores is not None
                and own_chars >= self.short_body_chars
            ):
                # Only a section with text of its own gives the model more to go on.
                best = max(rule.candidates, key=lambda c: scores.get(c, 0.0))
                if (
                    scores.get(best, 0.0) - scores.get(rule.label, 0.0)
                    > self.conflict_margin
                ):
                    return Decision(best, scores[best], "model")
            return Decision(
                rule.label, conf["conflict"] if rule.conflict else conf["rule"], "rule"
            )
        if parent_label is None and rule.label:
            return Decision(rule.label, conf["rule"], "rule")  # 一、概述 and the like
        if parent_label is not None and own_chars < self.short_body_chars:
            return Decision(parent_label, conf["inherit"], "inherit")
        if scores is None:
            return None
        if parent_label is not None:
            scores = dict(scores)
            scores[parent_label] = scores.get(parent_label, 0.0) + self.parent_prior
        best = max(scores, key=scores.get)
        return Decision(best, min(scores[best], 1.0), "model")


@register_stage("label_sections")
class SectionClassifier(Stage):
    """Give every section a label (SPEC.md §1).

    Needs ``sections`` and ``text``. Fills, on each section, ``label``, ``confidence``
    and ``method`` (rule | inherit | model | structure), and ``model_label`` where the
    model reads the text as another label than a confident rule gave.
    """

    needs = ("sections", "text")
    fills = ("sections",)

    def __init__(
        self, model: str | None = None, config: str = "sections", _loaded=None
    ):
        self.config_name = config
        settings = load_config(config)
        self.policy = LabelPolicy(settings)
        self.body_chars = int(settings["classifier"]["body_chars"])
        model_path = (
            Path(model) if model else REPO_DIR / settings["classifier"]["model"]
        )
        self.model = _loaded if _loaded is not None else load_model(model_path)
        self.model_path = None if _loaded is not None else str(model_path)

    @classmethod
    def with_model(cls, model, config: str = "sections") -> SectionClassifier:
        """The stage around an in-memory fitted classifier (training, evaluation)."""
        return cls(config=config, _loaded=model)

    def __call__(self, report: Report) -> Report:
        sections = report.sections
        if not sections:
            return report
        own = [own_text_length(report.text, sections, i) for i in range(len(sections))]
        scored = self._needs_scores(sections, own)
        classes = [str(c) for c in self.model.classes_]
        scores = dict(zip(scored, self._scores(report.text, sections, scored, classes)))
        labels: dict[str, str] = {}
        for i, section in enumerate(sections):
            if section.method == "structure" and section.label in STRUCTURAL_LABELS:
                decision = Decision(section.label, 1.0, "structure")
            else:
                parent_label = labels.get(section.parent) if section.parent else None
                decision = self.policy.decide(
                    section, parent_label, own[i], scores.get(i)
                )
                if decision is None:  # the model was not consulted where it must be
                    scores[i] = self._scores(report.text, sections, [i], classes)[0]
                    decision = self.policy.decide(
                        section, parent_label, own[i], scores[i]
                    )
            model_best = max(scores[i], key=scores[i].get) if i in scores else None
            section.label = decision.label
            section.confidence = round(decision.confidence, 4)
            section.method = decision.method
            section.model_label = (
                model_best
                if decision.method == "rule"
                and model_best not in (None, decision.label)
                else None
            )
            labels[section.id] = decision.label
        return report

    def _needs_scores(
        self, sections: Sequence[Section], own: Sequence[int]
    ) -> list[int]:
        """Sections the model reads: all but the structural ones and those whose label
        the rules take from their parent (by a rules-only pass)."""
        labels: dict[str, str | None] = {}
        needed = []
        for i, section in enumerate(sections):
            if section.method == "structure" and section.label in STRUCTURAL_LABELS:
                labels[section.id] = section.label
                continue
            parent_label = labels.get(section.parent) if section.parent else None
            decision = self.policy.decide(section, parent_label, own[i], None)
            labels[section.id] = decision.label if decision else None
            if decision is None or decision.method != "inherit":
                needed.append(i)
        return needed

    def _scores(
        self,
        text: str,
        sections: Sequence[Section],
        indices: list[int],
        classes: list[str],
    ) -> list[dict[str, float]]:
        if not indices:
            return []
        texts = [section_text(text, sections, i, self.body_chars) for i in indices]
        return [
            dict(zip(classes, row.tolist())) for row in self.model.predict_proba(texts)
        ]
