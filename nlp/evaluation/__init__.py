"""Scoring output against gold (docs/GOLD.md): scorers per task, gold loading, tables."""

from .gold import GoldError, evaluate, load_gold, predictions
from .report import LABELS, format_table
from .scorers import SCORERS, TASKS, Score, score_document

__all__ = [
    "LABELS",
    "SCORERS",
    "TASKS",
    "GoldError",
    "Score",
    "evaluate",
    "format_table",
    "load_gold",
    "predictions",
    "score_document",
]
