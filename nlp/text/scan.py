"""A pattern's matches found faster where re cannot skip ahead by itself.

A pattern that opens with a lazy prefix (``[^\\W\\d_]{0,20}?政府信息公开…``) gives re no
first character to look for: it tries every length of the prefix at every position of
the text. When every match holds a known literal at most ``reach`` characters after
its start, ``finditer_near`` tries the pattern only in the window before each
occurrence of that literal, and finds the same matches in the same order.
"""

from __future__ import annotations

import re

# ``[class]{0,K}?`` then a run of Chinese characters, at the start of a pattern.
_LAZY_PREFIX = re.compile(r"\[\^?\]?(?:\\.|[^\]\\])*\]\{0,(\d+)\}\?([\u4e00-\u9fff]+)")


def lazy_prefix_anchor(pattern: str) -> tuple[str, int] | None:
    """``(literal, reach)`` when ``pattern`` is ``[class]{0,K}?LITERAL…`` without an
    alternation outside groups: every match then holds LITERAL at most K characters
    after its start. None for any other pattern."""
    m = _LAZY_PREFIX.match(pattern)
    if m is None or _has_top_level_bar(pattern):
        return None
    literal = m.group(2)
    if pattern[m.end() : m.end() + 1] in ("?", "*", "+", "{"):
        literal = literal[:-1]  # a quantifier makes the last character optional
    return (literal, int(m.group(1))) if literal else None


def _has_top_level_bar(pattern: str) -> bool:
    depth = 0
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1  # a ] first in a class is a character
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def finditer_near(
    pattern: re.Pattern[str], text: str, literal: str, reach: int
) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` for a pattern whose every match holds
    ``literal`` at most ``reach`` characters after its start (``lazy_prefix_anchor``).
    """
    found: list[re.Match[str]] = []
    pos = tried = 0  # tried: positions below it are known not to start a match
    while True:
        q = text.find(literal, max(pos, tried))
        if q < 0:
            return found
        # A match holding a later occurrence starts after this window begins, so the
        # windows, taken in order, see every start in order.
        m = None
        for start in range(max(pos, tried, q - reach), q + 1):
            m = pattern.match(text, start)
            if m is not None:
                break
        tried = q + 1
        if m is not None:
            found.append(m)
            pos = tried = max(m.end(), tried)
