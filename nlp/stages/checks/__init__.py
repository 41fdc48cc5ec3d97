"""Checks (docs/SPEC.md §4) inside one report: table sums, the template, prose against table.

Cross-year checks run over the corpus (``nlp.corpus_steps.cross_year``).
"""

from .table_sums import TableChecker
from .template import TemplateChecker
from .text_table import TextTableChecker

__all__ = ["TableChecker", "TemplateChecker", "TextTableChecker"]
