"""Finding problem statements and the improvement measures that answer them.

A report admits its weaknesses in the section labelled ``problems`` (SPEC.md §2): as an
enumeration (一是…二是…, 1./2., (一)(二)), a list inside one sentence (主要表现在:…;…,
存在A、B、C等问题) or single sentences, followed or interleaved by its measures
(改进措施, 下一步, 针对…). ``StatementSplitter`` turns one such region into
``Statement`` spans; ``problem_regions`` finds the regions of a report.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_config
from ..errors import ConfigError, Errors, ModelError
from ..pipeline import Stage, register_stage
from ..records import Report, Section, Weakness
from .categorize import CueCategorizer, WeaknessClassifier, decide

DEFAULT_MODEL = "models/weaknesses"

_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_CIRCLED = {c: i for i, c in enumerate("①②③④⑤⑥⑦⑧⑨⑩", start=1)}
# Characters trimmed from both ends of a statement.
_EDGE = " \t\r\n,;:。、!?|"
_SENTENCE_END = re.compile(r"[。!?]")
_CLAUSE_END = re.compile(r"[。!?;]")
_SPACE = re.compile(r"\s+")
# A clause starts at the start of a piece of text or after one of these.
_CLAUSE_START = r"(?:(?<=[。;:!?,\s])|^)"
# An enumeration marker written before a part heading ((二)改进措施).
_NUMBERED = r"(?:\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十\d]{1,2}[、.])"
_HEADING_MARKER = _NUMBERED + r"?\s*"
_NUMBER_PREFIX = re.compile(r"^\s*" + _HEADING_MARKER)


def cn_number(text: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if len(text) == 2 and text.endswith("十"):
        return _CN_DIGITS.get(text[0], 0) * 10
    if len(text) == 3 and text[1] == "十":
        return _CN_DIGITS.get(text[0], 0) * 10 + _CN_DIGITS.get(text[2], 0)
    return _CN_DIGITS.get(text, 0)


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
        self.markers = []
        for spec in config.get("markers") or []:
            try:
                regex = re.compile(spec["pattern"])
            except (KeyError, TypeError, re.error) as e:
                raise ConfigError(Errors.E701.format(key="markers", detail=e)) from e
            self.markers.append((spec["name"], spec.get("numeral", "arabic"), regex))
        if not self.markers:
            raise ConfigError(Errors.E700.format(detail="no enumeration 'markers'"))
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
        self.list_intro = _compile(config, "list_intro")
        self.exists_list = _compile(config, "exists_list")
        self.min_piece = int(config.get("min_piece_chars", 7))
        self.stop_bigrams = frozenset(config.get("pairing_stop_bigrams") or [])
        cues = config.get("problem_cues") or []
        self.problem_cue = re.compile(
            "|".join(sorted(map(re.escape, cues), key=len, reverse=True))
        )

    # -- enumerations -----------------------------------------------------------------

    def markers_in(self, text: str) -> dict[str, list[Marker]]:
        found: dict[str, list[Marker]] = {}
        for name, numeral, regex in self.markers:
            items = []
            for m in regex.finditer(text):
                raw = m.group("num")
                if numeral == "cn":
                    number = cn_number(raw)
                elif numeral == "circled":
                    number = _CIRCLED.get(raw, 0)
                else:
                    number = int(raw)
                items.append(Marker(name, number, m.start(), m.end()))
            if items:
                found[name] = items
        return found

    def enumeration(self, text: str) -> list[Marker]:
        """The outer enumeration of ``text``: the run 1, 2, 3 … (two items at least) of
        the style that opens first; a 1 after the run has started ends it."""
        best: list[Marker] = []
        for markers in self.markers_in(text).values():
            run: list[Marker] = []
            for marker in markers:
                if not run:
                    if marker.number == 1:
                        run.append(marker)
                elif marker.number == run[-1].number + 1:
                    run.append(marker)
                elif marker.number == 1:
                    break
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
        return self.split_list(seg, *_strip_etc(seg, *body))

    def split_list(self, seg: str, a: int, b: int) -> list[tuple[int, int]]:
        """A list of problems split at its outermost separator when every piece is a
        statement of its own (long enough); otherwise one statement."""
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
            break
        return [_trim(seg, a, b)]

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


# -- regions -------------------------------------------------------------------------


def problem_regions(
    report: Report, heading: re.Pattern[str], stop: re.Pattern[str] | None = None
) -> list[Region]:
    """The body of every outermost section labelled ``problems`` (children included);
    without one, the text under a 存在的主要问题 heading found by ``heading``."""
    sections = report.sections
    by_id = {s.id: s for s in sections}
    problems = [s for s in sections if s.label == "problems"]
    regions = []
    for section in problems:
        if _has_ancestor(section, by_id, "problems"):
            continue
        start = _body_start(report.text, section)
        plans = _plans_after(section, sections, report.text)
        title = _NUMBER_PREFIX.sub("", section.title or "")
        regions.append(Region(start, section.end, section.id, plans, title))
    if regions:
        return sorted(regions, key=lambda r: r.start)
    return fallback_regions(report.text, heading, stop)


def fallback_regions(
    text: str, heading: re.Pattern[str], stop: re.Pattern[str] | None = None
) -> list[Region]:
    """Regions under problems headings found in the text: each ends at the next
    top-level number (五、 -> 六、), at a stop (附件, a table) or at the end."""
    regions: list[Region] = []
    for m in heading.finditer(text):
        if regions and m.start() < regions[-1].end:
            continue
        number = cn_number(m.group("number")) if m.group("number") else 0
        end = len(text)
        if number:
            nxt = _next_number(text, m.end(), number + 1)
            if nxt is not None:
                end = nxt
        if stop is not None:
            s = stop.search(text, m.end(), end)
            if s:
                end = s.start()
        regions.append(Region(m.end(), end, None))
    return regions


_CN_NUMERALS = "零一二三四五六七八九十"


def _cn_numeral(n: int) -> str:
    if n <= 10:
        return _CN_NUMERALS[n]
    if n < 20:
        return "十" + _CN_NUMERALS[n - 10]
    return _CN_NUMERALS[n // 10] + "十" + (_CN_NUMERALS[n % 10] if n % 10 else "")


@functools.lru_cache(maxsize=32)
def _number_heading(number: int) -> re.Pattern[str]:
    return re.compile(rf"(?:(?<=[\s。:;|\d])|^){_cn_numeral(number)}[、.]")


def _next_number(text: str, pos: int, number: int) -> int | None:
    m = _number_heading(number).search(text, pos)
    return m.start() if m else None


def _has_ancestor(section: Section, by_id: dict[str, Section], label: str) -> bool:
    seen = set()
    parent = section.parent
    while parent and parent in by_id and parent not in seen:
        seen.add(parent)
        if by_id[parent].label == label:
            return True
        parent = by_id[parent].parent
    return False


def _body_start(text: str, section: Section) -> int:
    if (
        section.title_end is not None
        and section.start <= section.title_end <= section.end
    ):
        return section.title_end
    title = section.title or ""
    at = text.find(title, section.start, section.end) if title else -1
    return at + len(title) if at >= 0 else section.start


def _plans_after(
    section: Section, sections: list[Section], text: str
) -> tuple[int, int] | None:
    for other in sections:
        if (
            other.label == "plans"
            and other.parent == section.parent
            and other.start >= section.end
            and not text[section.end : other.start].strip()
        ):
            return _body_start(text, other), other.end
    return None


# -- the stage -------------------------------------------------------------------------


@register_stage("weaknesses")
class WeaknessExtractor(Stage):
    """Problem statements of a report, categorised and paired with their measures.

    Needs ``text`` and ``sections`` (the ``problems`` sections; without one it looks for
    a 存在的主要问题 heading itself). Fills ``weaknesses``: one ``Weakness`` per problem
    statement, also for an admission elsewhere (但仍存在 A、B 等问题 in 总体情况).
    """

    needs = ("text", "sections")
    fills = ("weaknesses",)

    def __init__(
        self, model: str | None = DEFAULT_MODEL, config: dict[str, Any] | None = None
    ):
        self.config = config if config is not None else load_config("weaknesses")
        self.splitter = StatementSplitter(self.config)
        self.cues = CueCategorizer(self.config)
        self.heading = _compile(self.config, "fallback_heading")
        self.stop = _compile(self.config, "fallback_stop")
        self.elsewhere = _compile(self.config, "elsewhere")
        self.elsewhere_exclude = _compile(self.config, "elsewhere_exclude")
        self.override_below = float(self.config.get("model_override_below", 0.6))
        self.model: WeaknessClassifier | None = None
        if model:
            path = Path(model)
            if not path.is_absolute():
                path = CONFIG_DIR.parent / path
            self.model = WeaknessClassifier.from_disk(path)
            unknown = sorted(set(self.model.classes_) - set(self.cues.categories))
            if unknown:
                raise ModelError(
                    Errors.E703.format(
                        path=path, found=unknown, expected=self.cues.categories
                    )
                )

    def __call__(self, report: Report) -> Report:
        found = self.statements(report)
        texts = [report.text[s.start : s.end] for _, s in found]
        cues = [self.cues(text) for text in texts]
        model_votes: list[tuple[str, float] | None] = [None] * len(texts)
        # The model is asked only where the cue rules are silent or unsure.
        ask = [i for i, c in enumerate(cues) if c.confidence < self.override_below]
        if self.model is not None and ask:
            probabilities = self.model.predict_proba([texts[i] for i in ask])
            classes = list(self.model.classes_)
            for i, row in zip(ask, probabilities):
                best = int(row.argmax())
                model_votes[i] = (str(classes[best]), float(row[best]))
        weaknesses = []
        for i, ((section, s), text) in enumerate(zip(found, texts)):
            decision = decide(cues[i], model_votes[i], self.override_below)
            improvement = None
            if s.improvement_start is not None:
                improvement = report.text[s.improvement_start : s.improvement_end]
            at = report.section_at(s.start) if report.sections else None
            weaknesses.append(
                Weakness(
                    id=f"w{i}",
                    start=s.start,
                    end=s.end,
                    text=text,
                    category=decision.label,
                    confidence=decision.confidence,
                    improvement=improvement,
                    section=at.id if at else section,
                    improvement_start=s.improvement_start,
                    improvement_end=s.improvement_end,
                    method=decision.method,
                )
            )
        report.weaknesses = weaknesses
        return report

    def statements(self, report: Report) -> list[tuple[str | None, Statement]]:
        """Every problem statement of ``report`` with the id of its region's section,
        in text order."""
        text = report.text
        found: list[tuple[str | None, Statement]] = []
        regions = problem_regions(report, self.heading, self.stop)
        statements: list[Statement] = []
        for region in regions:
            if statements and self.splitter.part_kind(region.title) == "improvements":
                # 六、改进措施 labelled problems after 五、存在的问题: measures only.
                if all(s.improvement_start is None for s in statements):
                    self.splitter.attach(text, statements, region.start, region.end)
                continue
            statements = self.splitter.split(text, region.start, region.end)
            if region.extra_improvement and all(
                s.improvement_start is None for s in statements
            ):
                self.splitter.attach(text, statements, *region.extra_improvement)
            found.extend((region.section, s) for s in statements)
        for start, end in self._elsewhere(text, regions):
            found.append((None, Statement(start, end)))
        found.sort(key=lambda item: item[1].start)
        return found

    def statement_texts(self, report: Report) -> list[str]:
        return [report.text[s.start : s.end] for _, s in self.statements(report)]

    def _elsewhere(self, text: str, regions: list[Region]) -> list[tuple[int, int]]:
        """Admissions outside the problems regions: 但仍存在 A、B 等问题."""
        spans = []
        for m in self.elsewhere.finditer(text):
            if any(r.start <= m.start() < r.end for r in regions):
                continue
            if self.elsewhere_exclude.search(text, m.start(), m.start("body")):
                continue
            if self.elsewhere_exclude.match(text, m.end()) or text.startswith(
                "进行", m.end()
            ):
                continue
            a, b = m.span("body")
            if not self.splitter.has_problem(text[a:b]):
                continue
            spans.extend(
                (a + x, a + y) for x, y in self.splitter.split_list(text[a:b], 0, b - a)
            )
        return spans
