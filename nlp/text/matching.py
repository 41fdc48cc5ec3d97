"""How two texts or numbers are judged the same (docs/GOLD.md "Scoring").

Used by evaluation to match output against gold, and by training to leave a statement
that overlaps a gold one to the gold: both must apply the same rule.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher
from typing import Any


def norm(text: str | None) -> str:
    """docs/GOLD.md: NFKC with all white space removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def overlap_ok(a: str, b: str) -> bool:
    """True when the texts share a common stretch of at least half the shorter."""
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(
        0, len(a), 0, len(b)
    )
    return match.size * 2 >= min(len(a), len(b))


def same_number(a: Any, b: Any) -> bool:
    """Both are numbers and equal (to 1e-6)."""
    try:
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return False
