"""Stage ``normalize.v1``: raw extracted text to the text every offset points into.

Removes web furniture, injected spam, crawler headers and PDF page numbers (each
removal recorded with its raw offsets), normalises characters (NFKC; traditional to
simplified where the report is written in traditional characters), removes the spaces
PDF justification puts between Chinese characters, and joins PDF lines back into
paragraphs. The offset map (``Report.offset_map``) leads every character back to the raw
text.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from typing import Any

from ..errors import Errors, NlpError
from ..pipeline.registry import Stage, stage
from ..records import OffsetSpan, Page, Removal, Report
from ..text.markers import numbering
from ..text.textmap import MappedText

# Characters whose NFKC form differs (full-width forms, ideographic space, circled
# numbers, ...). Basic CJK ideographs and ASCII never change, so they are skipped.
_NFKC_CANDIDATES = re.compile(r"[^\x00-\x7f\u4e00-\u9fff、。“”‘’《》〔〕【】…—·]+")
_CJK = r"\u4e00-\u9fff"
_CJK_PUNCT = "、。“”‘’《》〔〕【】…,:;()!?"
# Spaces between two Chinese characters/punctuation, or between Chinese and a digit.
_INNER_SPACE = re.compile(
    rf"(?<=[{_CJK}{re.escape(_CJK_PUNCT)}])[ \t\u00a0]+(?=[{_CJK}{re.escape(_CJK_PUNCT)}0-9])"
    rf"|(?<=[0-9%])[ \t\u00a0]+(?=[{_CJK}{re.escape('、。“”《》,:;)')}])"
)
_MULTI_SPACE = re.compile(r"(?<=[^\s])[ \t\u00a0]{2,}(?=[^\s])")
_LINE_EDGE_SPACE = re.compile(r"^[ \t\u00a0]+|[ \t\u00a0]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")
_EDGE_NEWLINES = re.compile(r"\A\s+|\s+\Z")
# A run of the spaces _INNER_SPACE deletes: each of its matches is one whole run
# (its look-behind and look-ahead exclude those spaces), so it is tried only there.
_SPACE_RUN = re.compile(r"[ \t\u00a0]+")
# Frequent characters that exist only in traditional script.
_TRADITIONAL = frozenset(
    "們於與會這個資訊開請條報務縣區機關為發對時說國際經濟體訂點號屬錄處歲"
)
_SENTENCE_END = "。:;!?；：！？…"
_TABLE_ROW_END = re.compile(r"\d[\d.,]*[ \t]+[-+]?\d[\d.,]*[ \t]*$")
# Hard-wrapped text (a PDF converted to .md or .txt): at least this many lines of 8+
# characters, and this share of them full-width and ending mid-sentence. Measured on
# corpora/: PDF-derived texts 0.46-0.86, written or crawled texts 0.0.
HARD_WRAP_MIN_LINES = 20
HARD_WRAP_SHARE = 0.3
# Text is set double when this share of its breaks between words has a blank line.
DOUBLE_SPACED_SHARE = 0.8
DOUBLE_SPACED_MIN_LINES = 10
_DOUBLE_BREAK = re.compile(r"(?<=\S)\n[ \t]*\n(?=\S)")
_SINGLE_BREAK = re.compile(r"(?<=\S)\n(?=\S)")
# A line holding one table value: a number (with its unit) or an empty-cell marker.
_VALUE_LINE = re.compile(
    r"[-+]?\d[\d,]*(?:\.\d+)?[^\S\n]*[\u4e00-\u9fff]{0,2}|[/／—–\-]{1,4}|无"
)
_NUMERIC_LINE = re.compile(r"(?:^|\s)[-+]?\d[\d.,]*(?:\s+[-+]?\d[\d.,]*)*\s*$")
# A Markdown heading's marks (### 一、…).
_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
# Markdown pipe tables. A converter that finds a grid in a PDF's running text writes
# its wrapped lines as rows, the words split over cells (``| 年共收到申请 |  | 7 条，网上申 |``).
# A cell reads as running text when it holds a sentence stop, or a number followed
# (after at most a unit) by a clause comma: a statistical table prints its numbers
# alone in their cells and its stops nowhere but in label notes.
_GRID_LINE = re.compile(r"^\|.*\|[ \t]*$", re.MULTILINE)
_GRID_SEPARATOR = re.compile(r"\|(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*")
_GRID_BARS = re.compile(r"[ \t]*(?:\|[ \t]*)+")
_PROSE_CELL = re.compile(r"[。；;]|\d[ \t]*[\u4e00-\u9fff%]{0,2}[ \t]*[，,、]")
# A number cut from its measure word by a cell boundary, the words going on after it
# (| 2018 | 年政府信息公开… |, | 20 | 个工作日内… |): a converter splitting a line of
# running text at the gap around a digit run. A statistical table's cell never starts
# with the measure word of the number before it and goes on.
# The measure words of counted figures (a report's units, configs/indicators.yaml).
_MEASURE_WORDS = "万元|亿元|元|人次|条|件|次|篇|个|项|家|场|期|份"
_CUT_FROM_NUMBER = re.compile(
    rf"^[ \t]*(?:年|月|日|人|余|多|{_MEASURE_WORDS})[\u4e00-\u9fff,、;。:]"
)
_ENDS_IN_DIGIT = re.compile(r"\d[ \t]*$")
# The same cut at a line or page break (…主动公开政府信息 873\n- 1 -\n\n条,回应…, the
# page number gone): a number's measure word and the clause mark after it never
# open a paragraph, so the break goes.
# (Group 1 is the break; the digit is matched, not looked behind for, which is faster.)
_NUMBER_CUT_FROM_UNIT = re.compile(rf"\d([ \t]*\n\s*)(?=(?:{_MEASURE_WORDS})[,、;。])")
# A clause comma between Chinese words (…精简和优化,其中): running text. A table
# label has its commas inside brackets (部分公开(区分处理的,只计这一情形)).
_CLAUSE_COMMA = re.compile(r"[\u4e00-\u9fff],[\u4e00-\u9fff]")
_BRACKETED = re.compile(r"\([^()]*\)|“[^”]*”|《[^》]*》|〔[^〕]*〕")


def _prose_row(cells: list[str]) -> bool:
    """Whether a grid row holds running text: a sentence stop, a number followed by
    a clause comma, a clause comma between Chinese words outside brackets, or a
    number cut from its measure word by a cell boundary."""
    if any(_PROSE_CELL.search(c) for c in cells):
        return True
    if any(_CLAUSE_COMMA.search(_BRACKETED.sub("", c)) for c in cells if "," in c):
        return True
    filled = [c for c in cells if c.strip()]
    return any(
        _ENDS_IN_DIGIT.search(a) and _CUT_FROM_NUMBER.match(b)
        for a, b in itertools.pairwise(filled)
    )


# At least this share of a grid's rows must hold running text for the grid to be read
# as prose. On corpora/layouts/md, MarkItDown's prose grids: 0.5-1.0 (a grid of two
# rows whose first wrapped line has no stop is 0.5); its statistical tables: 0-0.07.
PROSE_GRID_SHARE = 0.5


@functools.lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


class EmptyAfterCleaning(NlpError):
    reason = "empty_after_cleaning"


@stage(
    "normalize.v1",
    requires=("text", "source"),
    assigns=("text", "removals", "offset_map", "source.pages"),
    config="cleaning",
)
class Cleaner(Stage):
    """Clean and normalise raw text.

    Needs: ``text`` holding the raw extracted text (and ``source.pages`` for PDFs, in
    raw offsets). Fills: ``text`` (normalised), ``removals``, ``offset_map``; remaps
    ``source.pages`` into the normalised text. Raises E108 when no text is left.
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        flags = re.MULTILINE
        self.header_rules = [
            (
                r["name"],
                re.compile(
                    r["pattern"], flags | re.DOTALL if "\\A" in r["pattern"] else flags
                ),
                r.get("within_first"),
            )
            for r in cfg.get("header", [])
        ]
        self.furniture_rules = [
            (r["name"], re.compile(r["pattern"], flags), tuple(r.get("anchors") or ()))
            for r in cfg.get("furniture", [])
        ]
        self.spam = SpamMatcher(cfg.get("spam", {}))
        self.page_number = re.compile(
            cfg.get("pdf", {}).get("page_number", r"(?!)"), flags
        )
        self.line_start_heading = numbering().line_start_heading
        self.version = cfg["version"]

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        raw = report.text
        pages = [(p.number, p.start, p.end) for p in report.source.pages]
        fmt = report.source.format
        mapped = MappedText(raw)
        removals = self._removals(raw, fmt, pages)
        mapped.delete((r.raw_start, r.raw_end) for r in removals)
        self._normalise(mapped, fmt)
        report.text = mapped.text
        report.removals = removals
        report.offset_map = [
            OffsetSpan(start=s, raw_start=r, length=n) for s, r, n in mapped.runs
        ]
        report.source.pages = _remap_pages(pages, mapped)
        if not report.text.strip():
            raise EmptyAfterCleaning(Errors.E108.format(path=report.source.path))
        return report

    def _removals(
        self, raw: str, fmt: str, pages: list[tuple[int, int, int]]
    ) -> list[Removal]:
        found: list[Removal] = []

        def add(kind: str, rule: str, s: int, e: int) -> None:
            if e > s:
                found.append(
                    Removal(kind=kind, rule=rule, raw_start=s, raw_end=e, text=raw[s:e])
                )

        for name, pattern, within in self.header_rules:
            for m in pattern.finditer(raw if within is None else raw[:within]):
                add("header", name, *m.span())
        if fmt == "pdf":
            for number, start, end in pages:
                for m in self.page_number.finditer(raw, start, end):
                    # Only the first or last non-empty line of a page is a running number.
                    before = raw[start : m.start()].strip()
                    after = raw[m.end() : end].strip()
                    if not before or not after:
                        add("page_number", f"page {number}", *m.span())
        for name, pattern, anchors in self.furniture_rules:
            # A cheap substring test skips rules that cannot match this document.
            if anchors and not any(a in raw for a in anchors):
                continue
            for m in pattern.finditer(raw):
                add("furniture", name, *m.span())
        for s, e in self.spam.spans(raw):
            add("spam", "spam", s, e)
        found.sort(key=lambda r: (r.raw_start, -r.raw_end))
        # Drop removals nested inside earlier ones so the list reads cleanly.
        result: list[Removal] = []
        for r in found:
            if result and r.raw_end <= result[-1].raw_end:
                continue
            result.append(r)
        return result

    def _normalise(self, mapped: MappedText, fmt: str) -> None:
        mapped.replace_chars(_NFKC_CANDIDATES, _nfkc)
        mapped.delete(m.span() for m in re.finditer(r"\r", mapped.text))
        if len(_TRADITIONAL.intersection(mapped.text)) >= 3:
            _to_simplified(mapped)
        mapped.delete(m.span() for m in _LINE_EDGE_SPACE.finditer(mapped.text))
        if fmt == "md":  # markup, not words: the heading finder reads the titles
            mapped.delete(m.span() for m in _ATX_HEADING.finditer(mapped.text))
        if fmt in ("md", "txt") and "|" in mapped.text:
            mapped.delete(prose_grid_markup(mapped.text))
        double = _double_spaced_wraps(mapped.text) if fmt in ("md", "txt") else []
        mapped.delete(double)
        if fmt == "pdf" or double or _hard_wrapped(mapped.text):
            mapped.delete(_pdf_line_joins(mapped.text, self.line_start_heading))
        mapped.delete(m.span(1) for m in _NUMBER_CUT_FROM_UNIT.finditer(mapped.text))
        mapped.delete(inner_spaces(mapped.text))
        mapped.delete(
            (m.start() + 1, m.end()) for m in _MULTI_SPACE.finditer(mapped.text)
        )
        mapped.delete(
            (m.start() + 2, m.end())
            for m in _BLANK_LINES.finditer(mapped.text)
            if not _before_value_line(mapped.text, m.end())
        )
        mapped.delete(edge_spaces(mapped.text))


class SpamMatcher:
    """Injected spam: known terms found with Aho-Corasick, plus tail patterns.

    Consecutive hits joined by separators become one removal, and a separator glued
    before the first hit goes with it.
    """

    def __init__(self, cfg: dict[str, Any]):
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        for term in cfg.get("terms", []):
            self.automaton.add_word(term.lower(), len(term))
        self.has_terms = len(self.automaton) > 0
        if self.has_terms:
            self.automaton.make_automaton()
        patterns = cfg.get("patterns", [])
        self.tail = re.compile("|".join(patterns)) if patterns else None
        brand_chars = int(cfg.get("brand_chars", 4))
        self.brand = re.compile(rf"[A-Za-z0-9\u4e00-\u9fff]{{1,{brand_chars}}}$")
        self.separator = re.compile(cfg.get("separators", r"\s*") + "$")
        self.leading = re.compile("(?:" + cfg.get("leading", "(?!)") + ")$")

    def spans(self, raw: str) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        if self.has_terms:
            for end, length in self.automaton.iter(raw.lower()):
                hits.append((end + 1 - length, end + 1))
        if self.tail is not None:
            for m in self.tail.finditer(raw):
                brand = self.brand.search(raw, max(0, m.start() - 8), m.start())
                hits.append((brand.start() if brand else m.start(), m.end()))
        if not hits:
            return []
        hits.sort()
        merged: list[list[int]] = []
        for s, e in hits:
            if merged and (
                s <= merged[-1][1] or self.separator.match(raw[merged[-1][1] : s])
            ):
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        result = []
        for s, e in merged:
            lead = self.leading.search(raw, max(0, s - 3), s)
            result.append((lead.start() if lead else s, e))
        return result


def prose_grid_markup(text: str) -> list[tuple[int, int]]:
    """The markup of every pipe table that holds running text, not figures: its
    separator rows (newline included), its outer bars, and its inner bars with the
    padding around them, one space kept between cells (the inner-space rule then
    drops it between Chinese characters). Its rows are left as the wrapped lines
    they came from, for the line joins of hard-wrapped text to make paragraphs of.
    A statistical table keeps its markup for the table reader."""
    spans: list[tuple[int, int]] = []
    block: list[re.Match[str]] = []

    def close() -> None:
        rows = [(m, bool(_GRID_SEPARATOR.fullmatch(m.group()))) for m in block]
        cells = [m.group().strip().strip("|").split("|") for m, sep in rows if not sep]
        prose = sum(1 for row in cells if _prose_row(row))
        if cells and prose >= PROSE_GRID_SHARE * len(cells):
            for m, sep in rows:
                if sep:
                    spans.append((m.start(), min(m.end() + 1, len(text))))
                    continue
                bars = list(_GRID_BARS.finditer(text, m.start(), m.end()))
                for k, bar in enumerate(bars):
                    inner = 0 < k < len(bars) - 1
                    space = (
                        _SPACE_RUN.search(text, bar.start(), bar.end())
                        if inner
                        else None
                    )
                    if space is None:
                        spans.append(bar.span())
                    else:  # keep one space between the cells
                        spans.append((bar.start(), space.start()))
                        spans.append((space.start() + 1, bar.end()))
        block.clear()

    for m in _GRID_LINE.finditer(text):
        if block and block[-1].end() + 1 != m.start():
            close()
        block.append(m)
    close()
    return spans


def inner_spaces(text: str) -> list[tuple[int, int]]:
    """The spans of ``_INNER_SPACE.finditer(text)``, tried at each run of spaces."""
    spans = []
    for run in _SPACE_RUN.finditer(text):
        m = _INNER_SPACE.match(text, run.start())
        if m is not None:
            spans.append(m.span())
    return spans


def edge_spaces(text: str) -> list[tuple[int, int]]:
    """The spans of ``_EDGE_NEWLINES.finditer(text)``: the white space the text
    starts and ends with (``str.strip`` and ``\\s`` agree on what that is)."""
    stripped = text.lstrip()
    if not stripped:
        return [(0, len(text))] if text else []
    spans = []
    if len(stripped) < len(text):
        spans.append((0, len(text) - len(stripped)))
    end = len(text.rstrip())
    if end < len(text):
        spans.append((end, len(text)))
    return spans


def _before_value_line(text: str, end: int) -> bool:
    """Whether the line after ``end`` holds a single table value.

    Text with one table cell a line writes a blank cell as an empty line: a run of
    empty lines before a value is a run of blank cells, which collapsing would lose.
    (Blank cells at the end of a row collapse to one: the row then has too few cells
    and is left unread, never misread.)
    """
    after_end = text.find("\n", end)
    after = text[end : len(text) if after_end < 0 else after_end]
    return bool(_VALUE_LINE.fullmatch(after.strip()))


def _nfkc(chunk: str) -> str:
    out = unicodedata.normalize("NFKC", chunk)
    if len(out) == len(chunk):
        return out
    # Keep a one-to-one map wherever a character's form keeps its length.
    return "".join(unicodedata.normalize("NFKC", ch) for ch in chunk)


def _to_simplified(mapped: MappedText) -> None:
    converter = _opencc()
    lines = mapped.text.split("\n")
    converted = []
    for line in lines:
        new = converter.convert(line)
        if len(new) != len(line):
            # Phrase conversion changed the length: fall back to character by character.
            new = "".join(
                c if len(c := converter.convert(ch)) == 1 else ch for ch in line
            )
        converted.append(new)
    mapped.replace_same_length("\n".join(converted))


# Characters half as wide as a Chinese one on the page: Latin letters, digits and the
# signs set with them. (Punctuation NFKC made ASCII was full-width as printed.)
_NARROW = re.compile(r"[A-Za-z0-9.%/+\-#*_'\"<>=&@$^~`\\\[\]{}]")
# What a line breaker keeps whole: a run of Latin letters or digits.
_UNBROKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%/\-]*")
# A line this close to the full width (in half-widths: two Chinese characters) is full.
WRAP_SLACK = 8


def _width(line: str) -> int:
    """A line's printed width in half-widths: 2 a Chinese character or full-width sign,
    1 a Latin letter or digit, 0 a space (converters put spaces where PDFs have gaps)."""
    spaces = line.count(" ") + line.count("\t")
    return 2 * (len(line) - spaces) - len(_NARROW.findall(line))


def _full_width(widths: list[int]) -> int:
    widths.sort()
    return widths[int(len(widths) * 0.9)]


def _hard_wrapped(text: str, min_lines: int = HARD_WRAP_MIN_LINES) -> bool:
    """Text converted from a PDF, whatever its format now (a .md or .txt of a PDF):
    most of its lines are full-width and end mid-sentence, where text written or
    crawled as such ends its lines with its paragraphs."""
    lines = [
        (line, w)
        for line in text.split("\n")
        if "|" not in line and (w := _width(line.strip())) >= 16
    ]
    if len(lines) < min_lines:
        return False
    full = _full_width([w for _, w in lines])
    wrapped = sum(
        1
        for line, w in lines
        if w >= full - WRAP_SLACK and line.strip()[-1] not in _SENTENCE_END
    )
    return wrapped >= HARD_WRAP_SHARE * len(lines)


def _double_spaced_wraps(text: str) -> list[tuple[int, int]]:
    """The blank lines of a PDF's lines set one a paragraph (a converter's output:
    every wrapped line followed by an empty one): when most line breaks between
    words are such and the lines, set single, are hard-wrapped, each blank line is
    only a line break, and the line joins then make paragraphs of them. Written
    Markdown, its paragraphs one line each, is not hard-wrapped and keeps them."""
    if text.count("\n\n") < DOUBLE_SPACED_MIN_LINES:
        return []  # (line-edge spaces are gone: every blank line is "\n\n" here)
    doubles = list(_DOUBLE_BREAK.finditer(text))
    singles = len(_SINGLE_BREAK.findall(text))
    if len(doubles) < DOUBLE_SPACED_MIN_LINES or len(doubles) < DOUBLE_SPACED_SHARE * (
        len(doubles) + singles
    ):
        return []
    single = _DOUBLE_BREAK.sub("\n", text)  # the text set single
    # The double setting is itself a converter's mark: fewer lines make the case.
    if not _hard_wrapped(single, DOUBLE_SPACED_MIN_LINES):
        return []
    return [(m.start() + 1, m.end()) for m in doubles]


def _pdf_line_joins(text: str, heading: re.Pattern[str]) -> list[tuple[int, int]]:
    """Newlines inside a paragraph of PDF text: a line that ends mid-sentence and is
    full, or short only because the next line's first word (a number, an address)
    would not fit on it and the line breaker moved it down whole."""
    lines = text.split("\n")
    widths = [_width(line) for line in lines]
    measured = [w for line, w in zip(lines, widths) if w >= 16 and "|" not in line]
    if not measured:
        return []
    line_width = _full_width(measured)
    full = line_width - WRAP_SLACK
    joins = []
    offset = 0
    for i, line in enumerate(lines[:-1]):
        end = offset + len(line)
        nxt = lines[i + 1]
        # A page break: the page number gone, one blank line is left between a
        # page's last line and the next page's first, which may go on with it.
        gap = 1
        if not nxt and i + 2 < len(lines) and lines[i + 2] and widths[i] >= full:
            nxt, gap = lines[i + 2], 2
        width = widths[i]
        if (
            width < full
            and (word := _UNBROKEN.match(nxt)) is not None
            and width + _width(word.group()) > line_width
        ):
            width = full  # the word did not fit: the breaker moved it down whole
        if (
            width >= full
            and "|" not in line
            and "|" not in nxt
            and line[-1:] not in _SENTENCE_END
            and not _TABLE_ROW_END.search(line)
            and nxt
            and not heading.match(nxt)
            and not _NUMERIC_LINE.match(nxt)
        ):
            joins.append((end, end + gap))
        offset = end + 1
    return joins


def _remap_pages(pages: list[tuple[int, int, int]], mapped: MappedText) -> list[Page]:
    """Page spans in the normalised text, from the raw page spans."""
    if not pages:
        return []
    result = []
    runs = mapped.runs
    for number, raw_start, raw_end in pages:
        starts = [
            run[0] + max(0, raw_start - run[1])
            for run in runs
            if run[1] + run[2] > raw_start and run[1] < raw_end
        ]
        ends = [
            run[0] + min(run[2], raw_end - run[1])
            for run in runs
            if run[1] + run[2] > raw_start and run[1] < raw_end
        ]
        if starts:
            result.append(Page(number=number, start=min(starts), end=max(ends)))
    return result
