"""Per-character folding that keeps the text's length (offsets stay valid)."""

from __future__ import annotations

import re

# Full-width ASCII forms and the ideographic space, for text that skipped NFKC.
_FULL_WIDTH = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)} | {0x3000: " "}


class Fold:
    """Per-character folding that keeps the length: full-width forms, then ``chars``
    (traditional -> simplified). Text with nothing to fold is returned as is."""

    def __init__(self, chars: dict[str, str] | None = None):
        self.table = {**_FULL_WIDTH, **str.maketrans(chars or {})}
        keys = "".join(re.escape(chr(cp)) for cp in self.table)
        self._needed = re.compile(f"[{keys}]")

    def __call__(self, text: str) -> str:
        if not self._needed.search(text):
            return text  # most text is simplified Chinese after NFKC
        return text.translate(self.table)
