"""Weaknesses (docs/SPEC.md §2): problem statements, their categories and measures
(stage ``weaknesses.v1``). Recurrence across a corpus is ``nlp.corpus_steps.recurring``.
"""

from .cues import CueCategorizer, CueResult, Decision, decide, statement_text
from .regions import fallback_regions, problem_regions
from .split import Region, Statement, StatementSplitter
from .stage import WeaknessExtractor

__all__ = [
    "CueCategorizer",
    "CueResult",
    "Decision",
    "Region",
    "Statement",
    "StatementSplitter",
    "WeaknessExtractor",
    "decide",
    "fallback_regions",
    "problem_regions",
    "statement_text",
]
