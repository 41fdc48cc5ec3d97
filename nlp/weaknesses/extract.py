"""Stage ``weaknesses``: the problems a report admits and the measures answering them.

A report admits its weaknesses in the section labelled ``problems`` (SPEC.md §2), and
sometimes elsewhere (a third-party assessment's findings in 总体情况).
``problem_regions`` finds those regions, ``nlp.weaknesses.split`` turns each into
statements, and the stage categorises them and pairs problems with measures.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_config
from ..errors import Errors, ModelError
from ..pipeline import Stage, register_stage
from ..records import Report, Section, Weakness
from .categorize import CueCategorizer, WeaknessClassifier, decide
from .split import (
    _NUMBER_PREFIX,
    Region,
    Statement,
    StatementSplitter,
    _compile,
    cn_number,
)

DEFAULT_MODEL = "models/weaknesses"

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
        self.model_path: str | None = None
        if model:
            path = Path(model)
            if not path.is_absolute():
                path = CONFIG_DIR.parent / path
            self.model = WeaknessClassifier.from_disk(path)
            self.model_path = str(path)
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
