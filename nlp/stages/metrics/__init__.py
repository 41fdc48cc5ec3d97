"""Figures stated in prose (stage ``metrics.v1``): found, read, mapped to indicators.

The check of prose figures against the tables is ``nlp.stages.checks.text_table``.
"""

from .extract import MetricExtractor
from .mapping import IndicatorMapper, MappingInput
from .numbers import Quantity, bounds, parse_quantity

__all__ = [
    "IndicatorMapper",
    "MappingInput",
    "MetricExtractor",
    "Quantity",
    "bounds",
    "parse_quantity",
]
