"""Calibration: putting model scores and rule scores on one probability scale.

A model's probabilities are calibrated by temperature scaling (one scalar dividing
its scores before the softmax, chosen to minimise the log loss on predictions for
examples it was not fitted to: out-of-fold, folds grouped by agency). A rule's
confidence is calibrated per kind of rule decision as its rate of being right on the
gold it is fitted to, smoothed towards a prior (a Beta prior: a kind seen twice does
not get 1.0). Both are fitted at training time and stored in the model's meta.json;
the stages apply them with plain arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..models.linear import softmax

# Temperatures tried (log-spaced); the fit is a grid search, so it is deterministic.
TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(20.0), 161))


def fit_temperature(
    scores: np.ndarray, labels: Sequence[str], classes: Sequence[str]
) -> float:
    """The temperature minimising the log loss of ``softmax(scores / T)``.

    ``scores`` are out-of-fold linear scores (rows: examples, columns: ``classes``);
    an example whose label is not among the classes counts with a small floor."""
    if not len(labels):
        return 1.0
    index = {c: i for i, c in enumerate(classes)}
    rows = np.arange(len(labels))
    cols = np.array([index.get(label, -1) for label in labels])
    known = cols >= 0
    best, best_loss = 1.0, np.inf
    for t in TEMPERATURES:
        proba = softmax(scores / t)
        p = np.full(len(labels), 1e-6)
        p[known] = np.maximum(proba[rows[known], cols[known]], 1e-6)
        loss = float(-np.log(p).mean())
        if loss < best_loss - 1e-12:
            best, best_loss = float(t), loss
    return round(best, 4)


def out_of_fold_scores(
    fit: Callable[[list[str], list[str]], Any],
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str],
    evaluate: Sequence[bool],
    folds: int,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Scores of the ``evaluate`` examples by models fitted without their group.

    ``fit(texts, labels)`` returns a fitted model with ``classes_`` and
    ``decision_function``. Groups are dealt to ``folds`` folds in a fixed order.
    Returns (scores over the union of classes, their labels, the classes)."""
    order = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(order)}
    classes = sorted(set(labels))
    col = {c: i for i, c in enumerate(classes)}
    rows: list[np.ndarray] = []
    gold: list[str] = []
    for k in range(min(folds, len(order))):
        test = [i for i, g in enumerate(groups) if fold_of[g] == k and evaluate[i]]
        train = [i for i, g in enumerate(groups) if fold_of[g] != k]
        if not test or len({labels[i] for i in train}) < 2:
            continue
        model = fit([texts[i] for i in train], [labels[i] for i in train])
        raw = model.decision_function([texts[i] for i in test])
        # Classes the fold's model never saw get a score far below the others.
        full = np.full((len(test), len(classes)), -30.0)
        for j, c in enumerate(model.classes_):
            full[:, col[str(c)]] = raw[:, j]
        rows.append(full)
        gold.extend(labels[i] for i in test)
    scores = np.vstack(rows) if rows else np.zeros((0, len(classes)))
    return scores, gold, classes


def rule_reliability(
    outcomes: Sequence[tuple[str, bool]],
    prior: dict[str, float],
    strength: float = 4.0,
) -> dict[str, float]:
    """For each kind of rule decision, the rate of being right, smoothed towards
    ``prior[kind]`` as ``strength`` pseudo-observations (kinds never seen keep their
    prior)."""
    right: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    for kind, ok in outcomes:
        seen[kind] += 1
        right[kind] += int(ok)
    result = {}
    for kind in sorted(set(prior) | set(seen)):
        p0 = prior.get(kind, 0.5)
        result[kind] = round((right[kind] + strength * p0) / (seen[kind] + strength), 4)
    return result
