"""Classification metrics for the model cards: accuracy, macro-F1, per-label scores,
the confusion matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def classification_metrics(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    if not gold:
        return {
            "accuracy": None,
            "macro_f1": None,
            "n": 0,
            "per_label": {},
            "confusion": {},
        }
    present = sorted(set(gold) | set(predicted))
    p, r, f, support = precision_recall_fscore_support(
        gold, predicted, labels=present, zero_division=0
    )
    matrix = confusion_matrix(gold, predicted, labels=present)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        # Macro over the labels that occur in the test set (gold or predicted).
        "macro_f1": round(
            float(
                f1_score(
                    gold, predicted, labels=present, average="macro", zero_division=0
                )
            ),
            4,
        ),
        "per_label": {
            label: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(present)
        },
        "confusion": {
            "labels": present,
            "matrix": [[int(v) for v in row] for row in matrix],
        },
    }


def majority_baseline(train_labels: Sequence[str], n: int) -> list[str]:
    top = Counter(train_labels).most_common(1)[0][0] if train_labels else "other"
    return [top] * n
