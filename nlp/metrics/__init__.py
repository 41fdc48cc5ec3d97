"""Metrics stated in prose: numerals, extraction, indicator mapping, text-table checks.

Importing the package registers its stages: ``metrics`` (``MetricExtractor``) and
``text_table_checks`` (``TableLinker``).
"""

from .extract import MetricExtractor
from .link import TableLinker

__all__ = ["MetricExtractor", "TableLinker"]
