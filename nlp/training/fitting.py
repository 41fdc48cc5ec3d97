"""Fitting one shipped-model equivalent from examples: the classifier, its calibration.

Used by ``python -m nlp.train`` (on every example) and by the agency-grouped
cross-validation of ``nlp.evaluation.crossval`` (on the examples of the training
agencies of each fold), so that what is evaluated is made exactly as what is shipped.

A fitted sklearn-backend model carries ``meta_["calibration"]``: the temperature of its
probabilities (fitted out of fold, folds grouped by agency, on gold examples only) and
the reliability of each kind of rule decision (``calibration.rule_reliability`` on the
gold examples), which the stages use to compare rule and model on one scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from ..models.linear import softmax
from ..models.neural import SpacyTextClassifier, TransformersTextClassifier
from ..models.text_classifier import TextClassifier
from .calibration import fit_temperature, out_of_fold_scores, rule_reliability

BACKEND_NAMES = ("sklearn", "spacy", "transformers")


def make_model(
    backend: str, seed: int, params: dict[str, Any], checkpoint: str | None = None
):
    if backend == "sklearn":
        return TextClassifier(random_state=seed, **params)
    if backend == "spacy":
        return SpacyTextClassifier(seed=seed, **params)
    if backend == "transformers":
        return TransformersTextClassifier(checkpoint=checkpoint, seed=seed, **params)
    raise ModelError(
        f"Unknown backend {backend!r}; choose one of {', '.join(BACKEND_NAMES)}."
    )


def fit_calibrated(
    examples: Sequence[dict[str, Any]],
    config: dict[str, Any],
    backend: str = "sklearn",
    checkpoint: str | None = None,
    rule_outcomes: Callable[[Sequence[dict[str, Any]]], list[tuple[str, bool]]]
    | None = None,
    rule_prior: dict[str, float] | None = None,
):
    """A model fitted on ``examples`` (``text``, ``label``, ``source``, ``agency``),
    with ``meta_["calibration"]`` filled as the module docstring says."""
    seed = int(config.get("seed", 0))
    params = dict((config.get("backends") or {}).get(backend) or {})
    texts = [str(e["text"]) for e in examples]
    labels = [str(e["label"]) for e in examples]
    model = make_model(backend, seed, params, checkpoint).fit(texts, labels)
    calibration: dict[str, Any] = {}
    settings = config.get("calibration") or {}
    if backend == "sklearn" and settings.get("temperature", True):
        folds = int(settings.get("folds", 4))
        groups = [
            str(e.get("agency") or e.get("doc") or i) for i, e in enumerate(examples)
        ]
        gold = [e.get("source") == "gold" for e in examples]
        scores, gold_labels, classes = out_of_fold_scores(
            lambda t, y: make_model(backend, seed, params).fit(t, y),
            texts,
            labels,
            groups,
            gold,
            folds,
        )
        temperature = fit_temperature(scores, gold_labels, classes)
        model.set_temperature(temperature)
        calibration.update(
            temperature=temperature,
            fitted_on=len(gold_labels),
            folds=folds,
            out_of_fold=_summary(scores, gold_labels, classes, temperature),
        )
    if rule_outcomes is not None:
        gold_examples = [e for e in examples if e.get("source") == "gold"]
        calibration["rules"] = rule_reliability(
            rule_outcomes(gold_examples),
            rule_prior or {},
            float(settings.get("rule_prior_strength", 4.0)),
        )
    meta = dict(getattr(model, "meta_", None) or {})
    meta["calibration"] = calibration
    model.meta_ = meta
    return model


def _summary(
    scores: np.ndarray, labels: Sequence[str], classes: Sequence[str], t: float
) -> dict[str, Any]:
    """Out-of-fold accuracy, and the mean top probability before and after."""
    if not len(labels):
        return {"n": 0}
    index = {c: i for i, c in enumerate(classes)}
    truth = np.array([index.get(y, -1) for y in labels])
    raw, cal = softmax(scores.copy()), softmax(scores / t)
    return {
        "n": len(labels),
        "accuracy": round(float((raw.argmax(axis=1) == truth).mean()), 4),
        "mean_top_probability": round(float(raw.max(axis=1).mean()), 4),
        "mean_top_probability_calibrated": round(float(cal.max(axis=1).mean()), 4),
    }
