"""Snippets over the original text: where FTS5 matched, and a window around it.

FTS5's ``highlight()`` marks the matched words in the stored word column; the words are
found again, in order, in the section's own text, so the marks and the offsets point
into the record text, not into the space-joined words.
"""

from __future__ import annotations

from typing import Any

OPEN, CLOSE = "\x01", "\x02"  # marks asked of highlight(); never in report text


def highlighted(text: str, marked: str) -> list[tuple[int, int]]:
    """Offsets in ``text`` of the words FTS5 marked in ``marked`` (space-joined words)."""
    if not marked:
        return []
    found: list[tuple[int, int]] = []
    position = 0
    inside = False
    for chunk in marked.split(" "):
        hit = inside or OPEN in chunk
        if OPEN in chunk or CLOSE in chunk:
            inside = chunk.rfind(OPEN) > chunk.rfind(CLOSE)
        word = chunk.replace(OPEN, "").replace(CLOSE, "")
        if not word:
            continue
        at = text.find(word, position)
        if at < 0:
            continue
        position = at + len(word)
        if hit:
            if found and found[-1][1] == at:
                found[-1] = (found[-1][0], position)
            else:
                found.append((at, position))
    return found


def make_snippet(
    text: str,
    highlights: list[tuple[int, int]],
    settings: dict[str, Any],
    marks: tuple[str, str],
) -> str:
    """A window of ``text`` starting a little before the first highlight, marked."""
    width = int(settings.get("width", 110))
    before = int(settings.get("before", 24))
    first = highlights[0][0] if highlights else 0
    start = max(0, first - before) if highlights else 0
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    parts = []
    cursor = start
    for a, b in highlights[: int(settings.get("max_highlights", 12))]:
        if a < start or b > end:
            continue
        parts += [text[cursor:a], marks[0], text[a:b], marks[1]]
        cursor = b
    parts.append(text[cursor:end])
    body = " ".join("".join(parts).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def to_record(spans: list[tuple[int, int]], local: int) -> int:
    """Record offset of a character of a section's own text (its spans concatenated)."""
    for a, b in spans:
        if local < b - a:
            return a + local
        local -= b - a
    return spans[-1][1] if spans else local
