"""The heading tree of a report: numbered headings, their levels, titles and spans.

Headings are found by their numbers (一、 (一) 1. (1) 第一部分 ①), in every layout the
reports come in: one heading per line, PDF headings split over two lines, and crawled
pages where the whole report runs inside one line. A number is a heading only where it
continues the numbering of its level (二、 after 一、, (一) opening a new level under a
heading) and stands where a heading can stand; numbered row labels inside tables and
enumerations inside a paragraph (…:1.…;2.…) are not headings.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError, Errors
from ...pipeline.registry import Stage, stage
from ...records import Report, Section
from ...text.markers import Numbering, numbering
from ...text.scan import finditer_near, lazy_prefix_anchor
from .title_rules import HeadingRules

_NEWLINE_SPACE = re.compile(r"\s*\n\s*")
_TRAILING = re.compile(r"[\s,、]+$")
# Grid bars and markdown heading marks inside a caption a converter broke up.
_GRID_MARKS = re.compile(r"\s*[|#]+\s*")
# What follows a numbered row label in a table: a pipe, a run of numbers, a number
# alone at the end of the line, or (crawled pages) cell values run together.
_PIPE_ROW = re.compile(r"[^\n。|]{0,45}?\|")
_NUMBER_ROW = re.compile(
    r"[-+]?\d[\d.,]*(?:[ \t]+[-+]?\d[\d.,]*)+[ \t]*(?:\||$)"
    r"|[-+]?\d[\d.,]*[ \t]*(?:\||$)"
    r"|\d{5,}(?![\d年月日号条件次个人项万元%余多家期篇份])",
    re.MULTILINE,
)
_FIRST_DIGIT = re.compile(r"\d")
_NUMBER_LINE = re.compile(r"[ \t]*[-+]?\d[\d.,]*[ \t]*(?:\n|$)")
_LINE_END_SUFFIX_MAX = 14
_MAX_SKIPPED = 4
_LINE = re.compile(r"[^\n]+")
_CJK = re.compile(r"[\u4e00-\u9fff]{2}")
_PREAMBLE_STOP = re.compile(r"[。;:!?]")


@dataclass(frozen=True)
class Marker:
    """A heading number found in the text."""

    start: int
    end: int
    style: str
    number: int
    inline: bool  # the style may start a heading right after ":" or ";"


@dataclass
class Heading:
    start: int
    title_end: int
    level: int
    style: str
    number: int
    title: str
    kind: str = "numbered"  # numbered | stat (an unnumbered statistical-table caption)


@dataclass
class _Frame:
    style: str
    number: int


class HeadingFinder:
    """Finds the headings of a text; configured by ``configs/sections.yaml``."""

    def __init__(self, config: dict[str, Any], marks: Numbering | None = None):
        path = "configs/sections.yaml"
        self._styles = (marks or numbering()).headings
        try:
            title = config["title"]
            self.max_chars = int(title["max_chars"])
            self._stop = re.compile(f"[{re.escape(title['stop_chars'])}]")
            self._prose_after_suffix = re.compile(
                f"(?:{title['suffixes']})(?=\\s*(?:{title['prose_start']}))"
            )
            self._suffix_end = re.compile(f"(?:{title['suffixes']})$")
            self._terminal = re.compile(
                f"(?:{title['terminal_suffixes']})(?=[^\\W_])(?!{title['continues']})"
            )
            standard = sorted(title["standard"], key=len, reverse=True)
            self._standard = re.compile("|".join(re.escape(s) for s in standard))
            self._connector = re.compile(title["connectors"])
            tables = config["tables"]
            self._table_captions = [re.compile(p) for p in tables["captions"]]
            self._stat_captions = [re.compile(p) for p in tables["stat_captions"]]
            # A caption opening with a lazy prefix is tried only before its literal.
            self._stat_anchors = [
                lazy_prefix_anchor(p) for p in tables["stat_captions"]
            ]
        except (KeyError, TypeError, ValueError, re.error) as e:
            raise ConfigError(Errors.E600.format(path=path, detail=e)) from e
        self.rules = HeadingRules(config)

    # -- markers -------------------------------------------------------------------
    def markers(self, text: str) -> list[Marker]:
        found: list[Marker] = []
        for style in self._styles:
            for m in style.pattern.finditer(text):
                # A blank number (()…) is given by its place in the sequence later.
                number = 0 if style.numeral == "blank" else style.number(m)
                if number is not None and (number or style.numeral == "blank"):
                    found.append(
                        Marker(m.start(), m.end(), style.name, number, style.inline)
                    )
        found.sort(key=lambda m: (m.start, -m.end))
        kept: list[Marker] = []
        for marker in found:
            if kept and marker.start < kept[-1].end:
                continue
            kept.append(marker)
        return kept

    def _boundary(self, text: str, marker: Marker) -> str:
        """Where the number stands: line, strong, colon, inline or weak."""
        i = marker.start - 1
        spaced = False
        while i >= 0 and text[i] in " \t\u3000":
            i -= 1
            spaced = True
        if i < 0 or text[i] == "\n":
            return "line"
        prev = text[i]
        if prev in ":;":
            return "colon"  # a heading only in a run-on page, and only of some styles
        if prev in ",、":
            return "inline"
        if spaced or prev in "。!?|":
            return "strong"
        return "weak"

    # -- titles --------------------------------------------------------------------
    def title_end(self, text: str, start: int, next_marker: int) -> int:
        """Where the title that starts at ``start`` ends (exclusive)."""
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        if not text[start:line_end].strip() and line_end < len(text):
            # "三、" alone on its line (PDF): the title is on the next line.
            start = line_end + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            next_marker = max(next_marker, start)
        hard = min(line_end, next_marker, start + self.max_chars)
        stop = self._stop.search(text, start, hard)
        end = stop.start() if stop else hard
        prose = self._prose_after_suffix.search(text, start, end)
        if prose:
            end = prose.end()
        terminal = self._terminal.search(text, start, end)
        if terminal:
            end = terminal.end()
        standard = self._standard.match(text, start, end)
        if (
            standard
            and standard.end() < end
            and not self._connector.match(text, standard.end())
        ):
            end = standard.end()
        opened = text.rfind("(", start, end)
        if opened >= 0 and text.find(")", opened, end) < 0:
            end = opened  # an unclosed parenthesis: the note after the title
        if end == line_end and not stop and line_end < len(text):
            end = self._continued_line(text, start, end)
        while end > start and text[end - 1] in " \t,、":
            end -= 1
        return end

    def _continued_line(self, text: str, start: int, end: int) -> int:
        """A PDF heading broken over two lines: join a short tail line ending the title."""
        if self._suffix_end.search(text, start, end):
            return end
        nxt_end = text.find("\n", end + 1)
        nxt_end = len(text) if nxt_end < 0 else nxt_end
        tail = text[end + 1 : nxt_end].strip()
        if (
            0 < len(tail) <= _LINE_END_SUFFIX_MAX
            and end - start + len(tail) <= self.max_chars
            and not self._stop.search(tail)
            and self._suffix_end.search(tail)
            and not self.markers(tail[:4])
        ):
            return nxt_end
        return end

    def is_table_row(
        self, text: str, marker: Marker, title_end: int, title: str
    ) -> bool:
        """A numbered row label of a table: values or cell borders follow the label.

        (A heading naming the statistical table is followed by the table itself.)"""
        line_end = text.find("\n", marker.end)
        line_end = len(text) if line_end < 0 else line_end
        if _PIPE_ROW.match(text, marker.end, line_end):
            return self.rules.match(title).label != "stat_table"
        # Values right after the label (the title found may have run into them).
        digit = _FIRST_DIGIT.search(text, marker.end, min(line_end, title_end + 3))
        if digit and _NUMBER_ROW.match(text, digit.start(), line_end):
            return True
        if text[marker.end : line_end].strip() and line_end - marker.end <= 50:
            # One cell per line: the next non-empty line holds only a number.
            pos = line_end + 1
            while pos < len(text) and text[pos] == "\n":
                pos += 1
            return bool(_NUMBER_LINE.match(text, pos)) and pos < len(text)
        return False

    def names_section(self, title: str) -> bool:
        return self.rules.match(title).label is not None

    def _names_topic(self, title: str) -> bool:
        result = self.rules.match(title)
        return result.label is not None and not result.weak

    # -- the tree ------------------------------------------------------------------
    def find(self, text: str) -> list[Heading]:
        markers = self.markers(text)
        marker_starts = [m.start for m in markers]
        captions = sorted(
            m.start()
            for pattern in self._table_captions
            for m in pattern.finditer(text)
        )
        stat_spans = sorted(
            (m.start(), m.end())
            for pattern, anchor in zip(self._stat_captions, self._stat_anchors)
            for m in (
                pattern.finditer(text)
                if anchor is None
                else finditer_near(pattern, text, *anchor)
            )
        )
        headings: list[Heading] = []
        stack: list[_Frame] = []
        top: Heading | None = None  # the last level-1 heading
        prev_title_end = -1
        stat_i = 0

        for marker in [*markers, None]:
            # Unnumbered statistical-table captions before this marker.
            limit = len(text) if marker is None else marker.start
            while stat_i < len(stat_spans) and stat_spans[stat_i][0] < limit:
                s, e = stat_spans[stat_i]
                stat_i += 1
                if not stack or s < prev_title_end or self._is_stat(top):
                    continue  # in the preamble (a list of parts), or already a table
                end = self._stat_title_end(text, s, e)
                title = _GRID_MARKS.sub("", self.title_text(text, s, end))
                top = Heading(s, end, 1, "stat", 0, title, "stat")
                headings.append(top)
                stack = stack[:1]
                prev_title_end = end
            if marker is None:
                break
            if marker.start < prev_title_end:
                continue
            heading = self._accept(
                text, marker, marker_starts, captions, stack, top, prev_title_end
            )
            if heading is None:
                continue
            headings.append(heading)
            if heading.level == 1:
                top = heading
            prev_title_end = heading.title_end
        return headings

    def _accept(
        self,
        text: str,
        marker: Marker,
        marker_starts: list[int],
        captions: list[int],
        stack: list[_Frame],
        top: Heading | None,
        prev_title_end: int,
    ) -> Heading | None:
        """The heading this marker starts, or None; updates ``stack`` when accepted."""
        depth = next((i for i, f in enumerate(stack) if f.style == marker.style), None)
        if marker.number == 0:  # blank: the next number of its sequence
            number = stack[depth].number + 1 if depth is not None else 1
            marker = dataclasses.replace(marker, number=number)
        gap = False
        restart = False
        if (
            depth is not None
            and marker.number == 1
            and stack[depth].number > 1
            and self._boundary(text, marker) in ("line", "strong")
        ):
            # A sequence that starts again at 一 (FIELD-GUIDE class 5: 一、二、三、 of
            # the work done, then 一、主动公开政府信息情况 … of the template): a new
            # sequence at the same level, when the title is a template heading.
            restart = True
        elif depth is None:
            depth = len(stack)
            if marker.number != 1:
                # The first heading of a report may come without the ones before it
                # (a page that starts at 二、); it must then name a report section.
                if stack or marker.number > _MAX_SKIPPED + 1:
                    return None
                gap = True
        elif marker.number != stack[depth].number + 1:
            # Numbers skipped (a crawled page that lost its table sections) are allowed
            # for a heading that names a report section.
            skipped = marker.number - stack[depth].number - 1
            if not 0 < skipped <= _MAX_SKIPPED:
                return None
            gap = True
        boundary = self._boundary(text, marker)
        if gap and boundary not in ("line", "strong"):
            return None
        if boundary == "inline" or (boundary == "colon" and not marker.inline):
            return None
        i = bisect.bisect_right(marker_starts, marker.start)
        next_marker = marker_starts[i] if i < len(marker_starts) else len(text)
        title_end = self.title_end(text, marker.end, next_marker)
        title = self.title_text(text, marker.start, title_end)
        if len(title) <= len(text[marker.start : marker.end].strip()):
            return None  # a bare number
        if self.is_table_row(text, marker, title_end, title):
            return None
        if gap and not self._names_topic(title):
            return None
        if restart and self.rules.template_label(title) is None:
            return None
        if self._in_table(captions, marker.start, top) and (
            depth != 0 or not self.names_section(title)
        ):
            return None
        if boundary == "weak" and not (
            _adjacent(text, prev_title_end, marker.start) or self.names_section(title)
        ):
            return None
        if boundary == "colon" and text[title_end : title_end + 1] in (";", ","):
            return None  # an item of a list inside a sentence
        del stack[depth:]
        stack.append(_Frame(marker.style, marker.number))
        return Heading(
            marker.start, title_end, depth + 1, marker.style, marker.number, title
        )

    def _in_table(self, captions: list[int], pos: int, top: Heading | None) -> bool:
        """Inside a table that started after the current top-level heading."""
        if top is None:
            return False
        if self._is_stat(top):
            return True
        i = bisect.bisect_left(captions, pos) - 1
        return i >= 0 and captions[i] >= top.start

    def _is_stat(self, heading: Heading | None) -> bool:
        if heading is None:
            return False
        return (
            heading.kind == "stat"
            or self.rules.match(heading.title).label == "stat_table"
        )

    @staticmethod
    def _stat_title_end(text: str, start: int, end: int) -> int:
        """A caption's title is what its pattern matched: one line, or the lines a
        page or a converter broke it over (附件:\n政府信息公开情况统计表; 附件1:… |
        2011年政府信息公开情况 |\n统计表), which the patterns bound in length."""
        return max(end, start + 1)

    @staticmethod
    def title_text(text: str, start: int, end: int) -> str:
        return _TRAILING.sub("", _NEWLINE_SPACE.sub("", text[start:end]).strip())


def _adjacent(text: str, prev_end: int, pos: int) -> bool:
    return prev_end >= 0 and not text[prev_end:pos].strip()


@stage("segment.v1", requires=("text",), assigns=("sections",), config="sections")
class SectionSegmenter(Stage):
    """Split a report into its heading tree.

    Needs ``text``. Fills ``sections``: ``id`` (s0, s1, … in document order),
    ``parent``, ``level`` (1 = top), ``title``, ``start``/``end`` (the heading and its
    body, sub-sections included), ``title_end``; ``label`` is left "" for the
    labeller, except ``preamble`` (the text before the first heading, level 1) and
    ``stat_table`` (an appended statistical table with no numbered heading).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.finder = HeadingFinder(cfg)

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        report.sections = self.segment(report.text)
        return report

    def segment(self, text: str) -> list[Section]:
        headings = self.finder.find(text)
        sections: list[Section] = []
        first = headings[0].start if headings else len(text)
        if text[:first].strip():
            title_start, title_end = _preamble_title(text, first)
            sections.append(
                Section(
                    id="s0",
                    parent=None,
                    level=1,
                    title=HeadingFinder.title_text(text, title_start, title_end),
                    label="preamble",
                    start=0,
                    end=first,
                    method="structure",
                    title_end=title_end,
                )
            )
        open_sections: list[Section] = []
        for i, heading in enumerate(headings):
            end = len(text)
            for later in headings[i + 1 :]:
                if later.level <= heading.level:
                    end = later.start
                    break
            while open_sections and open_sections[-1].level >= heading.level:
                open_sections.pop()
            section = Section(
                id="",
                parent=open_sections[-1].id if open_sections else None,
                level=heading.level,
                title=heading.title,
                label="stat_table" if heading.kind == "stat" else "",
                start=heading.start,
                end=end,
                method="structure" if heading.kind == "stat" else "rule",
                title_end=heading.title_end,
            )
            section.id = f"s{len(sections)}"
            sections.append(section)
            open_sections.append(section)
        return sections


def _preamble_title(text: str, limit: int) -> tuple[int, int]:
    """The preamble's title span: its first line with Chinese text, up to the first
    stop (编制说明:…) and at most 40 characters."""
    for line in _LINE.finditer(text, 0, limit):
        if _CJK.search(line.group()):
            stop = _PREAMBLE_STOP.search(text, line.start(), line.end())
            end = min(stop.start() if stop else line.end(), line.start() + 40)
            return line.start(), end
    return 0, 0
