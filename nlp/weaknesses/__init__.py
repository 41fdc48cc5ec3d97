"""Weaknesses: problem statements, their categories and measures, and recurrence.

Importing the package registers the ``weaknesses`` stage.
"""

from .categorize import (
    CueCategorizer,
    Example,
    WeaknessClassifier,
    build_weakness_examples,
    statement_text,
)
from .extract import StatementSplitter, WeaknessExtractor, problem_regions
from .recurring import find_recurring

__all__ = [
    "CueCategorizer",
    "Example",
    "StatementSplitter",
    "WeaknessClassifier",
    "WeaknessExtractor",
    "build_weakness_examples",
    "find_recurring",
    "problem_regions",
    "statement_text",
]
