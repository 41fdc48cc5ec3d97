"""A table's text as the readers see it, and the tokens of a row.

``TextView`` is a compacted, folded copy of a stretch of ``report.text``: white space
between two non-digits is dropped (PDF extraction breaks labels over lines: "(三)不\\n予
公开"), traditional characters and full-width forms are folded, and every character
keeps its offset in the report text. ``LabelMatcher`` finds row labels in a view (one
regex, longest label first, punctuation optional). ``ZoneReader`` turns the stretch
after a label into value tokens, in pipe rows ("| 条 | 1050 |") or in running text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...text.fold import Fold
from ...text.markers import numbering

# Punctuation that labels may carry or drop (compared after NFKC).
PUNCT = "、,，;；:：.。．“”\"'‘’《》<>〈〉()（）[]【】·/／"
_PUNCT_CLASS = "[" + re.escape(PUNCT) + "]"
# Labels are matched where every punctuation mark of a view stands as one character
# (a noncharacter): each optional mark in a label pattern is then one literal, not a
# class of 40 characters. Compiling the seven matchers took 0.18 s, most of it
# building those classes again and again; the matches are the same.
_STAND_IN = "\uffff"
_PUNCT_RE = re.compile(_PUNCT_CLASS)
_COMPACT = re.compile(r"(?<=[^\d\s|])[ \t\r\n\u3000\xa0]+(?=[^\d\s|])")
_RULE_CELL = re.compile(r":?-{3,}:?")
# Ordinals and "其中:" written in front of a label (stripped back from a label hit).
_PREFIX = numbering().label_ordinals


class TextView:
    """``text[start:end]`` compacted and folded; ``offset(i)`` maps back to ``text``."""

    def __init__(self, text: str, start: int, end: int, fold: Fold):
        self.start = start
        self.end = end
        pieces: list[str] = []
        offsets: list[int] = []
        cursor = start
        chunk = text[start:end]
        for match in _COMPACT.finditer(chunk):
            a, b = start + match.start(), start + match.end()
            if "\n" in match.group() and "|" in text[text.rfind("\n", 0, a) + 1 : a]:
                continue  # a pipe row's line ends here: its last cell ends with it

            pieces.append(text[cursor:a])
            offsets.extend(range(cursor, a))
            cursor = b
        pieces.append(text[cursor:end])
        offsets.extend(range(cursor, end))
        self.s = fold("".join(pieces))
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self.s)

    @property
    def marked(self) -> str:
        """``s`` with every punctuation mark replaced by one stand-in character."""
        marked = self.__dict__.get("_marked")
        if marked is None:
            marked = self._marked = _PUNCT_RE.sub(_STAND_IN, self.s)
        return marked

    def offset(self, i: int) -> int:
        """Text offset of view position ``i`` (``len(view)`` maps to the end)."""
        if i >= len(self._offsets):
            return self.end
        return self._offsets[i]

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Text span of view slice ``[i, j)`` (end exclusive)."""
        if j <= i:
            at = self.offset(i)
            return at, at
        return self.offset(i), self.offset(j - 1) + 1


def label_key(label: str, fold: Fold) -> str:
    """A label without white space and punctuation: the key hits are looked up by."""
    folded = fold(unicodedata.normalize("NFKC", label))
    return "".join(ch for ch in folded if not ch.isspace() and ch not in PUNCT)


@dataclass
class Hit:
    start: int  # view index, ordinal prefix included
    end: int
    core_start: int  # view index where the matched label itself starts
    key: str
    payloads: list[Any]


class LabelMatcher:
    """Finds labels in a view: longest label first, punctuation optional."""

    def __init__(self, entries: Iterable[tuple[str, Any]], fold: Fold):
        self.fold = fold
        self.payloads: dict[str, list[Any]] = {}
        for label, payload in entries:
            key = label_key(label, fold)
            if key:
                self.payloads.setdefault(key, []).append(payload)
        keys = sorted(self.payloads, key=len, reverse=True)
        self._keys = keys
        patterns = [(_STAND_IN + "?").join(re.escape(ch) for ch in key) for key in keys]
        self.regex = re.compile("|".join(patterns)) if patterns else None
        # The same pattern over the text as it is, for a view holding the stand-in
        # itself (built only then).
        self._plain: re.Pattern[str] | None = None
        if any(_STAND_IN in key for key in keys):
            self.regex = self._literal_regex()

    def _literal_regex(self) -> re.Pattern[str]:
        """Every label with a punctuation mark allowed between its characters."""
        if self._plain is None:
            self._plain = re.compile(
                "|".join(
                    (_PUNCT_CLASS + "?").join(re.escape(ch) for ch in key)
                    for key in self._keys
                )
            )
        return self._plain

    def find(self, view: TextView, start: int = 0, end: int | None = None) -> list[Hit]:
        if self.regex is None:
            return []
        hits = []
        s = view.s
        if self.regex is self._plain or _STAND_IN in s:
            regex, searched = self._literal_regex(), s
        else:
            marked = getattr(view, "marked", None)
            searched = marked if marked is not None else _PUNCT_RE.sub(_STAND_IN, s)
            regex = self.regex
        for match in regex.finditer(searched, start, len(s) if end is None else end):
            key = "".join(
                ch for ch in s[match.start() : match.end()] if ch not in PUNCT
            )
            payloads = self.payloads.get(key)
            if payloads is None:
                continue
            prefix = _PREFIX.search(s, max(0, match.start() - 12), match.start())
            # ("$" also matches before a final newline: such a prefix is no prefix.)
            ok = prefix is not None and prefix.end() == match.start()
            hit_start = prefix.start() if ok else match.start()
            hits.append(Hit(hit_start, match.end(), match.start(), key, payloads))
        return hits

    def search(
        self, view: TextView, start: int = 0, end: int | None = None
    ) -> Hit | None:
        hits = self.find(view, start, end)
        return hits[0] if hits else None


# ------------------------------------------------------------------------ row tokens


@dataclass
class Token:
    """A value-like token of a zone: a number, an empty marker or a blank pipe cell."""

    kind: str  # "num" | "empty" | "blank"
    start: int  # view indexes
    end: int
    raw: str
    unit: str | None = None
    # For numbers: sign, integer digits and the rest (".52"), for stream splitting.
    sign: str = ""
    digits: str = ""
    tail: str = ""
    atomic: bool = False  # thousands separators: never split
    own_cell: bool = False  # printed in a cell of its own: never split

    @property
    def splittable(self) -> bool:
        return (
            self.kind == "num"
            and not self.atomic
            and not self.own_cell
            and len(self.digits) > 1
        )


@dataclass
class Zone:
    """The values found after one label, and the unit column if there was one."""

    tokens: list[Token] = field(default_factory=list)
    unit: str | None = None
    pipe: bool = False
    end: int = 0  # view index just after the last value token
    stopped: bool = False  # running text resumed after the values


class ZoneReader:
    """Tokenises the text between a label and the next one."""

    def __init__(self, units: Iterable[str]):
        units_re = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
        number = r"(?P<sign>[+\-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
        self.units_re = units_re
        self.token = re.compile(
            # A note in brackets: on one line, or wrapped once with no number before
            # the break ("(…计\n1条)"); one that wraps over a value is no note.
            r"(?P<paren>[(（](?:[^()（）|\n]{0,160}|[^()（）|\n\d]{0,160}\n[^()（）|\n]{0,12})[)）])"
            r"|(?P<pipe>\|)"
            r"|(?P<nl>\n)"
            r"|(?P<ws>[ \t\r\u3000\xa0]+)"
            r"|(?P<ordinal>\d{1,2}[.、．](?=[^\d\s|]))"
            rf"|(?P<num>{number})(?:[ \t]?(?P<unit>{units_re}))?"
            rf"|(?P<unitonly>{units_re})(?![^\s|\d])"
            r"|(?P<empty>[/／×]|[—–\-]{1,4}|无|空|&nbsp;)(?![^\s|\d])"
            r"|(?P<text>[^\s|\d(（]+|[(（])"
        )
        self.cell = re.compile(
            rf"\s*(?:(?P<num>{number})\s*(?P<unit>{units_re})?"
            rf"|(?P<unitonly>{units_re})"
            r"|(?P<empty>[/／×]|[—–\-]{1,4}|无|空|&nbsp;)"
            r"|(?P<blank>))\s*"
        )

    def _number(self, match: re.Match, start: int, end: int, raw: str) -> Token:
        integer = match.group("int")
        return Token(
            kind="num",
            start=start,
            end=end,
            raw=raw,
            unit=match.group("unit"),
            sign=match.group("sign") or "",
            digits=integer.replace(",", ""),
            tail=match.group("frac") or "",
            atomic="," in integer,
        )

    def cell_tokens(self, s: str, lo: int, hi: int) -> list[Token]:
        """The tokens of one pipe cell ``s[lo:hi]``: a number, an empty marker, a
        blank, several numbers printed apart, or label text (a unit alone: none)."""
        match = self.cell.fullmatch(s, lo, hi)
        inner = s[lo:hi]
        if _RULE_CELL.fullmatch(inner.strip()):
            return []  # a Markdown header separator cell (---, :---:)
        a = lo + len(inner) - len(inner.lstrip())
        b = hi - (len(inner) - len(inner.rstrip()))
        if match is not None:
            if match.group("unitonly"):
                return []
            if match.group("num"):
                token = self._number(match, a, b, s[a:b])
                token.own_cell = True
                return [token]
            if match.group("empty"):
                return [Token("empty", a, b, s[a:b])]
            return [Token("blank", a, a, "")]
        parts = self.run_tokens(s, a, b)
        if parts and all(t.kind == "num" for t in parts):
            for token in parts:
                token.own_cell = True
            return parts
        return [Token("text", a, b, s[a:b])]

    def run_tokens(self, s: str, a: int, b: int) -> list[Token]:
        """Numbers, empty markers and label text of running text ``s[a:b]``."""
        out: list[Token] = []
        for match in self.token.finditer(s, a, b):
            lo, hi = match.start(), match.end()
            if match.start("num") >= 0:
                out.append(self._number(match, lo, hi, s[lo:hi]))
            elif match.start("empty") >= 0:
                out.append(Token("empty", lo, hi, s[lo:hi]))
            elif (
                match.start("text") >= 0
                or match.start("ordinal") >= 0
                or match.start("paren") >= 0
            ):
                if out and out[-1].kind == "text" and out[-1].end == lo:
                    last = out[-1]
                    out[-1] = Token("text", last.start, hi, last.raw + s[lo:hi])
                else:
                    out.append(Token("text", lo, hi, s[lo:hi]))
        return out

    def read(self, view: TextView, start: int, end: int) -> Zone:
        s = view.s
        line_end = s.find("\n", start, end)
        line_end = end if line_end < 0 else line_end
        if "|" not in s[start:line_end]:
            zone = self._read_run(view, start, line_end)
            if zone.tokens or zone.unit:
                return self._read_run(view, start, end)
            # Nothing on the label's line but its note: a pipe row below it holds the
            # values (a converter lifted the label out of its table row).
            below = self._pipe_below(view, line_end, end)
            return below if below is not None else self._read_run(view, start, end)
        # Pipe rows: the cells of the label's line; when that line holds no cell but
        # bars (a header row split over lines), the next line with cells.
        zone = self._read_pipe(view, start, line_end)
        while not zone.tokens and not zone.unit and line_end < end:
            line_start = line_end + 1
            line_end = s.find("\n", line_start, end)
            line_end = end if line_end < 0 else line_end
            if "|" not in s[line_start:line_end]:
                break
            zone = self._read_pipe(view, line_start, line_end, label_cell=False)
        return zone

    def _pipe_below(self, view: TextView, start: int, end: int) -> Zone | None:
        """The first pipe row with values after ``start``, if only text comes before."""
        s = view.s
        a = start
        while a < end:
            b = s.find("\n", a + 1, end)
            b = end if b < 0 else b
            line = s[a:b].strip("\n")
            if "|" in line:
                zone = self._read_pipe(view, a + (s[a] == "\n"), b, label_cell=False)
                if any(t.kind in ("num", "empty") for t in zone.tokens):
                    return zone
            elif self._read_run(view, a, b).tokens:
                return None
            a = b
        return None

    def _read_pipe(
        self, view: TextView, start: int, end: int, label_cell: bool = True
    ) -> Zone:
        s = view.s
        zone = Zone(pipe=True, end=start)
        bars = [i for i in range(start, end) if s[i] == "|"]
        # Cells lie between bars; on the label's line, text before the first bar is
        # the rest of the label; on a line of its own, text before it is a cell.
        bounds = list(zip(bars, bars[1:] + [end]))
        if not label_cell and bars and s[start : bars[0]].strip():
            bounds.insert(0, (start - 1, bars[0]))
        if bounds and not s[bounds[-1][0] + 1 : end].strip():
            bounds = bounds[:-1]  # the line ends with a bar
        for a, b in bounds:
            a += 1
            match = self.cell.fullmatch(s, a, b)
            if match is None:
                zone.tokens.append(Token("text", a, b, s[a:b].strip()))
                continue
            if match.group("unitonly"):
                zone.unit = match.group("unitonly")
                continue
            lo, hi = (
                a + len(s[a:b]) - len(s[a:b].lstrip()),
                b - (len(s[a:b]) - len(s[a:b].rstrip())),
            )
            raw = s[lo:hi]
            if match.group("num"):
                token = self._number(match, lo, hi, raw)
                token.own_cell = True  # printed in a cell of its own: never split
                zone.tokens.append(token)
            elif match.group("empty"):
                zone.tokens.append(Token("empty", lo, hi, raw))
            else:
                zone.tokens.append(Token("blank", lo, lo, ""))
            zone.end = hi
        return zone

    def _read_run(self, view: TextView, start: int, end: int) -> Zone:
        """Values in running text: the first run of values not broken by text."""
        s = view.s
        zone = Zone(end=start)
        run: list[Token] = []
        unit = None
        for match in self.token.finditer(s, start, end):
            a, b = match.start(), match.end()
            if match.start("num") >= 0:
                run.append(self._number(match, a, b, s[a:b]))
                zone.end = b
            elif match.start("empty") >= 0:
                run.append(Token("empty", a, b, s[a:b]))
                zone.end = b
            elif match.start("unitonly") >= 0:
                unit = match.group()
            elif (
                match.start("text") >= 0
                or match.start("ordinal") >= 0
                or match.start("paren") >= 0  # before values: a note; after: a label
            ):
                if run:
                    zone.stopped = True
                    break
                unit = None
        zone.tokens = run
        zone.unit = unit
        return zone


def parse_number(text: str) -> int | float | None:
    """'1,628' -> 1628, '+5' -> 5, '7730.28' -> 7730.28; None when not a number."""
    text = text.replace(",", "").strip()
    if not text:
        return None
    try:
        if "." in text:
            return float(text)
        return int(text)
    except ValueError:
        return None
