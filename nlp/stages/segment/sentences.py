"""Sentence spans: text split after 。！？; (full- or half-width) and at line breaks."""

from __future__ import annotations

import functools
import re

# Closing quotes and brackets that stay with the sentence they end.
_CLOSERS = "”’」』)》】"


@functools.lru_cache(maxsize=8)
def _sentence_pattern(enders: str) -> re.Pattern[str]:
    body = re.escape(enders)
    return re.compile(f"[^{body}\\n]+(?:[{body}]+[{re.escape(_CLOSERS)}]*)?|[{body}]+")


def sentence_spans(text: str, enders: str = "。！？；!?;") -> list[list[int]]:
    """``[start, end]`` of each sentence, white space at either edge left out."""
    spans = []
    for m in _sentence_pattern(enders).finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append([start, end])
    return spans
