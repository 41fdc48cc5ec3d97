"""Where a report states its problems: the regions the statements are split from.

The body of every outermost section labelled ``problems`` (docs/SPEC.md §2), with a
following ``plans`` sibling as its measures; without one, the text under a
存在的主要问题 heading found in the text.
"""

from __future__ import annotations

import re

from ...records import Report, Section
from ...text.markers import cn_dun_heading
from ...text.numerals import cn_to_int
from .split import NUMBER_PREFIX, Region


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
        title = NUMBER_PREFIX.sub("", section.title or "")
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
        number = cn_to_int(m.group("number") or "") or 0
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


def _next_number(text: str, pos: int, number: int) -> int | None:
    if number >= 100:
        return None
    m = cn_dun_heading(number).search(text, pos)
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
