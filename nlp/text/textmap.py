"""Text transformed step by step while keeping a map back to the raw characters.

The map is a list of runs ``(start, raw_start, length)``: ``text[start:start+length]``
came one to one from ``raw[raw_start:raw_start+length]``. Deleting spans and replacing
characters compose with the map, so offsets in the final text always lead back to the
raw input.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable


class MappedText:
    def __init__(self, raw: str):
        self.text = raw
        self.runs: list[tuple[int, int, int]] = [(0, 0, len(raw))] if raw else []

    def raw_offset(self, offset: int) -> int | None:
        starts = [run[0] for run in self.runs]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return None
        start, raw_start, length = self.runs[i]
        return raw_start + offset - start if offset < start + length else None

    def delete(self, spans: Iterable[tuple[int, int]]) -> None:
        """Remove the characters of ``spans`` (offsets into the current text)."""
        spans = _merge(spans)
        if not spans:
            return
        keep: list[tuple[int, int]] = []
        pos = 0
        for s, e in spans:
            if s > pos:
                keep.append((pos, s))
            pos = max(pos, e)
        if pos < len(self.text):
            keep.append((pos, len(self.text)))
        self._select(keep)

    def _select(self, keep: list[tuple[int, int]]) -> None:
        pieces: list[str] = []
        runs: list[tuple[int, int, int]] = []
        out = 0
        i = 0
        for ks, ke in keep:
            pieces.append(self.text[ks:ke])
            # Walk the runs overlapping [ks, ke).
            while i < len(self.runs) and self.runs[i][0] + self.runs[i][2] <= ks:
                i += 1
            j = i
            while j < len(self.runs) and self.runs[j][0] < ke:
                rs, rraw, rlen = self.runs[j]
                s = max(rs, ks)
                e = min(rs + rlen, ke)
                if e > s:
                    runs.append((out + s - ks, rraw + s - rs, e - s))
                j += 1
            out += ke - ks
        self.text = "".join(pieces)
        self.runs = _coalesce(runs)

    def replace_chars(
        self, pattern: re.Pattern[str], func: Callable[[str], str]
    ) -> None:
        """Replace each match of ``pattern`` by ``func(match)``.

        Equal-length replacements keep the map one to one; a replacement of another
        length maps all its characters to the start of the replaced text.
        """
        edits = []
        for m in pattern.finditer(self.text):
            new = func(m.group())
            if new != m.group():
                edits.append((m.start(), m.end(), new))
        if not edits:
            return
        if all(len(new) == e - s for s, e, new in edits):
            # The map stays as it is; the text is joined from slices (a list of
            # every character cost more than the edits).
            text = self.text
            parts: list[str] = []
            pos = 0
            for s, e, new in edits:
                parts.append(text[pos:s])
                parts.append(new)
                pos = e
            parts.append(text[pos:])
            self.text = "".join(parts)
            return
        pieces: list[str] = []
        runs: list[tuple[int, int, int]] = []
        pos = 0
        out = 0
        cursor = _RunCursor(self.runs)
        for s, e, new in edits:
            pieces.append(self.text[pos:s])
            runs.extend(cursor.slice(pos, s, out))
            out += s - pos
            if len(new) == e - s:
                runs.extend(cursor.slice(s, e, out))
            else:
                raw = self.raw_offset(s)
                if raw is not None:
                    runs.extend((out + k, raw, 1) for k in range(len(new)))
            pieces.append(new)
            out += len(new)
            pos = e
        pieces.append(self.text[pos:])
        runs.extend(cursor.slice(pos, len(self.text), out))
        self.text = "".join(pieces)
        self.runs = _coalesce(runs)

    def replace_same_length(self, new_text: str) -> None:
        if len(new_text) != len(self.text):
            raise ValueError("replacement must keep the length")
        self.text = new_text


class _RunCursor:
    """Slices of a run list for increasing, non-overlapping ranges, in one pass."""

    def __init__(self, runs: list[tuple[int, int, int]]):
        self.runs = runs
        self.i = 0

    def slice(self, s: int, e: int, out: int) -> list[tuple[int, int, int]]:
        runs = self.runs
        while self.i < len(runs) and runs[self.i][0] + runs[self.i][2] <= s:
            self.i += 1
        result = []
        j = self.i
        while j < len(runs) and runs[j][0] < e:
            rs, rraw, rlen = runs[j]
            a, b = max(rs, s), min(rs + rlen, e)
            if b > a:
                result.append((out + a - s, rraw + a - rs, b - a))
            j += 1
        return result


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _coalesce(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for start, raw, length in runs:
        if out:
            ps, pr, pl = out[-1]
            if ps + pl == start and pr + pl == raw:
                out[-1] = (ps, pr, pl + length)
                continue
        out.append((start, raw, length))
    return out
