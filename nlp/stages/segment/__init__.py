"""Segmentation: the heading tree (``segment.v1``), sentences and jieba tokens
(``tokenize.v1``), and what a heading title names (``title_rules``).

Importing the package registers both stages.
"""

from .headings import HeadingFinder, SectionSegmenter
from .sentences import sentence_spans
from .title_rules import HeadingRules, RuleResult
from .tokenize import TokenSegmenter, token_spans

__all__ = [
    "HeadingFinder",
    "HeadingRules",
    "RuleResult",
    "SectionSegmenter",
    "TokenSegmenter",
    "sentence_spans",
    "token_spans",
]
