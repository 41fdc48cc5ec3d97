"""Segmentation: the heading tree (``segment``), sentences and jieba tokens (``tokenize``).

Importing the package registers both stages.
"""

from .headings import HeadingFinder, SectionSegmenter
from .sentences import sentence_spans
from .tokens import TokenSegmenter, jieba_tokenizer, token_spans

__all__ = [
    "HeadingFinder",
    "SectionSegmenter",
    "TokenSegmenter",
    "jieba_tokenizer",
    "sentence_spans",
    "token_spans",
]
