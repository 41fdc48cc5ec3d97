"""Splitting a region of problem text into statements (problems and measures).

``StatementSplitter`` turns one region — an enumeration (一是…二是…, 1./2., (一)(二)),
a list inside one sentence (主要表现在:…;…, 存在A、B、C等问题) or single sentences,
followed or interleaved by its measures (改进措施, 下一步, 针对…) — into ``Statement``
spans. ``regions`` finds the regions and the stage builds the records. The enumeration
markers are those of ``configs/numbering.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError, Errors
from ...text.markers import numbering

# Characters trimmed from both ends of a statement.
_EDGE = " \t\r\n,;:。、!?|"
_SENTENCE_END = re.compile(r"[。!?]")
_CLAUSE_END = re.compile(r"[。!?;]")
_SPACE = re.compile(r"\s+")
# Brackets and quotes a clause-splitting comma is never inside of.
_OPEN = "(“‘《[【〔「"
_CLOSE = ")”’》]】〕」"
# A clause starts at the start of a piece of text or after one of these.
_CLAUSE_START = r"(?:(?<=[。;:!?,\s])|^)"
# An enumeration marker written before a part heading ((二)改进措施).
_NUMBERED = numbering().part_marker
_HEADING_MARKER = _NUMBERED + r"?\s*"
NUMBER_PREFIX = re.compile(r"^\s*" + _HEADING_MARKER)


@dataclass(frozen=True)
class Marker:
    """One enumeration marker in a piece of text (local offsets)."""

    style: str
    number: int
    start: int
    end: int


@dataclass
class Statement:
    """A problem statement and the measure paired with it (offsets into the text)."""

    start: int
    end: int
    improvement_start: int | None = None
    improvement_end: int | None = None


@dataclass(frozen=True)
class Region:
    """A stretch of text where problems are stated; ``extra_improvement`` is a following
    section of measures (a sibling labelled ``plans``) used when the region has none."""

    start: int
    end: int
    section: str | None = None
    extra_improvement: tuple[int, int] | None = None
    title: str = ""


def _compile(config: dict[str, Any], key: str, flags: int = 0) -> re.Pattern[str]:
    pattern = config.get(key)
    if not isinstance(pattern, str):
        raise ConfigError(Errors.E700.format(detail=f"{key!r} must be a regex string"))
    try:
        # Long patterns are folded over lines in the YAML: literal blanks are not meant.
        return re.compile(_SPACE.sub("", pattern), flags)
    except re.error as e:
        raise ConfigError(Errors.E701.format(key=key, detail=e)) from e


def _part_heading(pattern: str) -> re.Pattern[str]:
    body = pattern.lstrip("^")
    return re.compile(rf"^\s*(?:{_NUMBERED}\s*{body}|{body}(?=[:\s。]|$))")


def _strip_etc(text: str, start: int, end: int) -> tuple[int, int]:
    """Trimmed, without the 等 closing a list (A、B等)."""
    start, end = _trim(text, start, end)
    if end - start > 1 and text[end - 1] == "等":
        end -= 1
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _squeeze(text: str) -> str:
    return _SPACE.sub("", text)


class StatementSplitter:
    """Splits a problems region into problem statements paired with their measures."""

    def __init__(self, config: dict[str, Any]):
        self.markers = numbering().enumerations
        intro = _compile(config, "improvement_intro").pattern
        heading = _compile(config, "improvement_heading").pattern
        problem_heading = _compile(config, "problem_heading").pattern
        # A part boundary: an improvement heading or intro at the start of a clause.
        self.improvement_part = re.compile(
            _CLAUSE_START
            + _HEADING_MARKER
            + f"(?:{heading.lstrip('^')}|{intro.lstrip('^')})"
        )
        # A part heading inside the region: numbered, or standing alone before : or a
        # line break (公开存在的主要问题是… is a sentence, not a heading).
        self.problem_heading = _part_heading(problem_heading)
        # What an enumerated item opens with when the enumeration is of parts:
        # (一)上年度问题整改情况 (二)存在的主要问题 (三)改进措施.
        self.part_kinds = [
            ("rectification", _compile(config, "rectification_heading")),
            ("problems", re.compile(r"^\s*" + problem_heading.lstrip("^"))),
            ("improvements", re.compile(r"^\s*" + heading.lstrip("^"))),
        ]
        self.heading_only = _part_heading(
            f"(?:{heading.lstrip('^')}|{problem_heading.lstrip('^')})"
        )
        self.improvement_start = re.compile(
            f"(?:{_compile(config, 'improvement_start').pattern}|{intro})"
        )
        self.improvement_verbs = _compile(config, "improvement_verbs")
        generic = config.get("generic_phrases") or []
        self.generic = (
            re.compile("|".join(f"(?:{p})" for p in generic)) if generic else None
        )
        shortfall = config.get("topic_shortfall")
        self.topic_shortfall = re.compile(shortfall) if shortfall else None
        self.list_intro = _compile(config, "list_intro")
        self.exists_list = _compile(config, "exists_list")
        self.min_piece = int(config.get("min_piece_chars", 7))
        self.min_clause = int(config.get("min_clause_chars", 5))
        self.continuation = re.compile(
            "|".join(
                f"(?:{config[key]})"
                for key in ("consequence_start", "clause_continuation")
                if config.get(key)
            )
            or "(?!)"
        )
        self.max_slips = int(config.get("enumeration_slips", 2))
        self.stop_bigrams = frozenset(config.get("pairing_stop_bigrams") or [])
        cues = config.get("problem_cues") or []
        self.problem_cue = re.compile(
            "|".join(sorted(map(re.escape, cues), key=len, reverse=True))
        )

    # -- enumerations -----------------------------------------------------------------

    def markers_in(self, text: str) -> dict[str, list[Marker]]:
        found: dict[str, list[Marker]] = {}
        for style in self.markers:
            matches = list(style.pattern.finditer(text))
            if style.numeral == "blank":  # 一方面 … 另一方面: numbered by position
                items = [
                    Marker(style.name, k + 1, m.start(), m.end())
                    for k, m in enumerate(matches)
                ]
            else:
                items = [
                    Marker(style.name, style.number(m) or 0, m.start(), m.end())
                    for m in matches
                ]
            if items:
                found[style.name] = items
        return found

    def enumeration(self, text: str) -> list[Marker]:
        """The outer enumeration of ``text``: the run 1, 2, 3 … (two items at least) of
        the style that opens first; a 1 after the run has started ends it, and up to
        ``max_slips`` numbers may repeat or skip one."""
        best: list[Marker] = []
        for markers in self.markers_in(text).values():
            run: list[Marker] = []
            slips = 0
            for marker in markers:
                if not run:
                    if marker.number == 1:
                        run.append(marker)
                elif marker.number == run[-1].number + 1:
                    run.append(marker)
                elif marker.number == 1:
                    break
                elif (
                    marker.number in (run[-1].number, run[-1].number + 2)
                    and slips < self.max_slips
                ):
                    # A report's own misnumbering (一是…三是…三是…): a number
                    # repeated or skipped once still continues the enumeration.
                    slips += 1
                    run.append(marker)
            if len(run) < 2:
                continue
            if (
                not best
                or run[0].start < best[0].start
                or (run[0].start == best[0].start and len(run) > len(best))
            ):
                best = run
        return best

    # -- what a sentence says ---------------------------------------------------------

    def is_generic(self, text: str) -> bool:
        """True when ``text`` only announces problems (但还存在一些不足) without naming
        one: every problem cue it has lies inside a generic phrase."""
        text = _squeeze(text)
        if self.topic_shortfall is not None and self.topic_shortfall.search(
            text.strip(_EDGE)
        ):
            return False
        spans = [m.span() for m in self.generic.finditer(text)] if self.generic else []
        for cue in self.problem_cue.finditer(text):
            if not any(a <= cue.start() and cue.end() <= b for a, b in spans):
                return False
        return True

    def has_problem(self, text: str) -> bool:
        return bool(self.problem_cue.search(_squeeze(text)))

    def is_improvement(self, text: str) -> bool:
        """True when ``text`` opens a measure: 将/要/下一步 …, or an imperative verb
        (加强, 完善 …) in a sentence that names no problem."""
        text = text.lstrip(_EDGE)
        if self.improvement_start.match(text):
            return True
        return bool(self.improvement_verbs.match(text)) and not self.has_problem(text)

    # -- splitting a region -----------------------------------------------------------

    def split(self, text: str, start: int, end: int) -> list[Statement]:
        """Problem statements of ``text[start:end]``, with their paired measures."""
        seg = text[start:end]
        problem_end = self._problem_end(seg)
        statements = self._problems(seg, 0, problem_end)
        if problem_end < len(seg):
            self._pair(seg, statements, self._measure_items(seg, problem_end, len(seg)))
        for s in statements:
            s.start += start
            s.end += start
            if s.improvement_start is not None:
                s.improvement_start += start
                s.improvement_end += start
        return statements

    def _problem_end(self, seg: str) -> int:
        """Where the problems end and the measures answering them start (改进措施,
        下一步, 针对…), or the end of ``seg``.

        A boundary inside an enumeration that goes on after it (一是 problem, 下一步 …,
        二是 problem) is a measure inside an item, not the start of the measures."""
        run = self.enumeration(seg)
        for m in self.improvement_part.finditer(seg):
            p = m.start()
            if run and run[0].start < p and m.end() <= run[-1].start:
                continue
            if not self.is_generic(seg[:p]):
                return p
        return len(seg)

    def _problems(self, seg: str, start: int, end: int) -> list[Statement]:
        part = seg[start:end]
        heading = self.problem_heading.match(part)
        offset = start + (heading.end() if heading else 0)
        body = seg[offset:end]
        run = self.enumeration(body)
        if not run:
            return self._sentences(seg, offset, end)
        bounds = [m.start for m in run[1:]] + [len(body)]
        items = [(offset + m.end, offset + b) for m, b in zip(run, bounds)]
        kinds = [self.part_kind(seg[a:b]) for a, b in items]
        if not any(kinds):
            return [s for a, b in items for s in self._item(seg, a, b)]
        # An enumeration of parts: the problems are inside the parts that state them.
        statements = []
        for (a, b), kind in zip(items, kinds):
            if kind in (None, "problems"):
                statements.extend(self._problems(seg, a, b))
        return statements

    def part_kind(self, text: str) -> str | None:
        """``problems``, ``improvements`` or ``rectification`` (last year's problems
        and how they were fixed) when ``text`` opens with such a part heading."""
        for kind, regex in self.part_kinds:
            if regex.match(text):
                return kind
        return None

    def _item(self, seg: str, start: int, end: int) -> list[Statement]:
        """One enumerated item: leading sentences state the problem, a sentence that
        starts a measure begins the item's own improvement."""
        start, end = _trim(seg, start, end)
        if start >= end:
            return []
        split = self._measure_start(seg, start, end)
        p_start, p_end = _trim(seg, start, split)
        if p_start >= p_end or self.heading_only.match(seg[p_start:p_end]):
            return []
        statement = Statement(p_start, p_end)
        if split < end:
            statement.improvement_start, statement.improvement_end = _trim(
                seg, split, end
            )
        return [statement]

    def _measure_start(self, seg: str, start: int, end: int) -> int:
        """Where the measure inside ``seg[start:end]`` starts (``end`` when none): at a
        later sentence that reads as a measure, or a clause opening the improvements."""
        for m in self.improvement_part.finditer(seg, start, end):
            if m.start() > start:
                return m.start()
        for m in _SENTENCE_END.finditer(seg, start, end):
            nxt = m.end()
            if nxt < end and self.is_improvement(seg[nxt:end]):
                return nxt
        return end

    def _sentences(self, seg: str, start: int, end: int) -> list[Statement]:
        """No enumeration: every sentence (or ;-clause) naming a problem is a statement;
        a sentence announcing a list gives one statement per listed problem."""
        statements: list[Statement] = []
        pos = start
        pieces = []
        for m in _CLAUSE_END.finditer(seg, start, end):
            pieces.append((pos, m.end()))
            pos = m.end()
        pieces.append((pos, end))
        for a, b in pieces:
            a, b = _trim(seg, a, b)
            if a >= b:
                continue
            sentence = seg[a:b]
            if self.is_improvement(sentence):
                if statements and statements[-1].improvement_start is None:
                    statements[-1].improvement_start = a
                if statements:
                    statements[-1].improvement_end = b
                continue
            if self.is_generic(sentence):
                continue
            listed = self.listed(seg, a, b)
            statements.extend(Statement(x, y) for x, y in listed)
        return statements

    def listed(self, seg: str, a: int, b: int) -> list[tuple[int, int]]:
        """Spans of the problems named in one sentence ``seg[a:b]``."""
        sentence = seg[a:b]
        body = None
        for m in self.list_intro.finditer(sentence):
            if m.end() < len(sentence) and self.is_generic(sentence[: m.start()]):
                body = (a + m.end(), b)
                break
        if body is None:
            m = self.exists_list.search(sentence)
            if m and self.is_generic(sentence[: m.start("body")]):
                inner = m.group("body")
                if len(_squeeze(inner)) >= 5 and self.has_problem(inner):
                    body = (a + m.start("body"), a + m.end("body"))
        if body is None:
            return [_strip_etc(seg, a, b)]
        return self.split_list(seg, *_strip_etc(seg, *body), listed=True)

    def split_list(
        self, seg: str, a: int, b: int, listed: bool = False
    ) -> list[tuple[int, int]]:
        """A list of problems split at its outermost separator when every piece is a
        statement of its own: long enough, or (``listed``: the body of 存在A、B等问题)
        naming a defect of its own (意识不强、内容不全); otherwise one statement."""
        text = seg[a:b]
        for sep in (";", ",", "、"):
            if sep not in text:
                continue
            spans, pos = [], a
            for m in re.finditer(re.escape(sep), text):
                spans.append(_trim(seg, pos, a + m.start()))
                pos = a + m.end()
            spans.append(_trim(seg, pos, b))
            spans = [s for s in spans if s[0] < s[1]]
            if all(len(_squeeze(seg[x:y])) >= self.min_piece for x, y in spans):
                return spans
            if listed and all(
                len(_squeeze(seg[x:y])) >= 3 and self.has_problem(seg[x:y])
                for x, y in spans
            ):
                return spans
            break
        return [_trim(seg, a, b)]

    def clauses(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """The comma clauses of ``text[start:end]`` that could each state a problem of
        their own: split at the commas of its first sentence outside brackets and quotes
        (what follows the sentence, an elaboration, goes with its last clause: an item
        headed 公开制度有待完善。 is one problem), a clause that opens with
        a consequence or continuation (导致…, 特别是…, 但…) or one shorter than
        ``min_clause`` characters joined to the one before it (a short lead-in, 目前, to
        the one after it), and all of them given up (one span) unless each names a
        problem that is not only a generic phrase."""
        cuts, depth = [], 0
        for i in range(start, end):
            ch = text[i]
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            elif depth == 0 and ch == ",":
                cuts.append(i)
            elif depth == 0 and ch in "。!?":
                break  # a headline sentence's elaboration stays whole
        if not cuts:
            return [(start, end)]
        spans: list[tuple[int, int]] = []
        pos = start
        lead: int | None = None  # where a short lead-in (目前,) before a clause starts
        for cut in [*cuts, end]:
            a, b = _trim(text, pos, cut)
            pos = cut + 1
            if a >= b:
                continue
            short = len(_squeeze(text[a:b])) < self.min_clause
            if spans and (short or self.continuation.match(text, a)):
                spans[-1] = (spans[-1][0], b)
            elif short:
                lead = a if lead is None else lead
            else:
                spans.append((a if lead is None else lead, b))
                lead = None
        if len(spans) < 2 or not all(
            self.has_problem(text[a:b]) and not self.is_generic(text[a:b])
            for a, b in spans
        ):
            return [(start, end)]
        return spans

    # -- measures and pairing ---------------------------------------------------------

    def _measure_items(self, seg: str, start: int, end: int) -> list[tuple[int, int]]:
        body = seg[start:end]
        heading = self.heading_only.match(body)
        offset = start + (heading.end() if heading else 0)
        run = self.enumeration(seg[offset:end])
        if not run:
            span = _trim(seg, offset, end)
            return [span] if span[0] < span[1] else []
        bounds = [m.start for m in run[1:]] + [end - offset]
        items = [_trim(seg, offset + m.end, offset + e) for m, e in zip(run, bounds)]
        return [s for s in items if s[0] < s[1]]

    def attach(
        self, text: str, statements: list[Statement], start: int, end: int
    ) -> None:
        """Pair ``statements`` with the measures of ``text[start:end]`` (a section of
        measures of its own, after the problems)."""
        self._pair(text, statements, self._measure_items(text, start, end))

    def _pair(
        self, seg: str, statements: list[Statement], measures: list[tuple[int, int]]
    ) -> None:
        """Attach measures: the n-th to the n-th problem when the counts agree, one
        unenumerated block to every problem, otherwise the most similar measure."""
        todo = [s for s in statements if s.improvement_start is None]
        if not todo or not measures:
            return
        if len(measures) == len(statements):
            for s, m in zip(statements, measures):
                if s.improvement_start is None:
                    s.improvement_start, s.improvement_end = m
            return
        if len(measures) == 1:
            for s in todo:
                s.improvement_start, s.improvement_end = measures[0]
            return
        grams = [_bigrams(seg[a:b], self.stop_bigrams) for a, b in measures]
        for s in todo:
            own = _bigrams(seg[s.start : s.end], self.stop_bigrams)
            shared = [len(own & g) for g in grams]
            best = max(range(len(shared)), key=shared.__getitem__)
            # The measure that takes up most of the problem's own words answers it.
            if shared[best] >= 2 and shared[best] >= 0.15 * min(len(own), 20):
                s.improvement_start, s.improvement_end = measures[best]


def _bigrams(text: str, stop: frozenset[str]) -> set[str]:
    text = _squeeze(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} - stop
