"""Stage ``meta.v1``: agency, report year, template era, publication date.

The report year is the year the statistics cover (统计期限 or the title), not the year
of publication. The template is the format the report follows: its table layout where
it has tables, otherwise its era by year.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from ...pipeline.registry import Stage, stage
from ...records import Report
from .agency_finder import AgencyFinder
from .era import EraRules

_YEAR = r"((?:19|20)\d{2})"
_TITLE = re.compile(
    r"(?P<pre>[^\s,。:;、()《》“”|]{0,40}?)[ \t]*" + _YEAR + r"\s*年(?:度)?\s*"
    r"(?P<post>[^\s,。:;()《》“”|]{0,24}?)\s*(?:政府)?(?:信息公开|政务公开)[^\n。,]{0,14}?"
    r"(?:年度)?\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"
)
# What every title has: a year and 年. Its start is at most 40 characters (``pre``)
# and the spaces or tabs before the year ahead of the year.
_TITLE_YEAR = re.compile(_YEAR + r"\s*年")
_TITLE_REACH = 40


def prose_titles(text: str, end: int) -> list[re.Match[str]]:
    """What ``_TITLE.finditer(text, 0, end)`` finds, tried only where a title can
    start: before a year followed by 年 (the pattern's lazy ``pre`` makes re try 40
    extensions at every position of the text)."""
    found: list[re.Match[str]] = []
    pos = tried = 0  # tried: positions below it are known not to start a title
    while True:
        year = _TITLE_YEAR.search(text, max(pos, tried), end)
        if year is None:
            return found
        q = year.start()
        lo = q
        while lo > 0 and text[lo - 1] in " \t":
            lo -= 1
        # A title using a later year starts after this year's window begins, so the
        # windows, taken in order, see every start in order.
        m = None
        for start in range(max(pos, tried, lo - _TITLE_REACH), q + 1):
            m = _TITLE.match(text, start, end)
            if m is not None:
                break
        tried = q + 1
        if m is not None:
            found.append(m)
            pos = tried = m.end()


_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计期|统计限|统计时间|数据均为|数据统计)[^。]{0,12}?"
    + _YEAR
    + r"\s*年\s*1\s*月\s*1\s*日"
)
_PERIOD_LOOSE = re.compile(
    _YEAR
    + r"\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*"
    + _YEAR
    + r"\s*年\s*12\s*月\s*31\s*日"
)
# A date written with - / . or 年月: year, month, day.
_DATE = r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
_DATE_LABELLED = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|时间)\s*[:：|\s]*\s*" + _DATE
)
# A crawl dump's date column (a time may follow).
_ISO_DATE = re.compile(_DATE)
_DATE_CN = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@stage(
    "meta.v1",
    requires=("text", "removals", "source"),
    assigns=("meta",),
    config="meta",
)
class MetaExtractor(Stage):
    """Fill ``meta``: agency, year, template, published, with evidence offsets.

    Needs: ``text`` (and the header ``removals`` of crawled pages; ``source`` for the
    page title, the file name and a crawl dump's date column). A report read from a
    row of a crawl dump (``source.row``) has no file name of its own: the dump's name
    is not evidence of any one row's agency.
    Fills: ``meta``. The template is decided here and nowhere else (``era.py``).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.agencies = AgencyFinder(cfg)
        self.era = EraRules.from_config(cfg.get("era"))
        self.template_markers = {
            era: [re.escape(m) for m in markers]
            for era, markers in cfg["template_markers"].items()
        }
        self.marker_patterns = {
            era: re.compile("|".join(m)) for era, m in self.template_markers.items()
        }
        self.version = cfg["version"]

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        text = report.text
        header = "\n".join(r.text for r in report.removals if r.kind == "header")
        meta = report.meta
        in_header = _TITLE.search(header)
        titles = prose_titles(text, 1500)
        title = in_header or (titles[0] if titles else None)
        title_in_text = title is not None and in_header is None
        year = None
        if title:
            year = int(title.group(2))
            meta.evidence.year = _span(title, text if title_in_text else None)
        period = _PERIOD.search(text[:4000]) or _PERIOD_LOOSE.search(text[:4000])
        if period:
            year = int(period.group(1))
            meta.evidence.year = [period.start(), period.end()]
        meta.published = self._published(header, text) or _iso_date(
            report.source.published
        )
        if year is None and report.source.title:
            # The page title (an HTML <title>, a dump's title column) names the year
            # when the text's own title is missing; it is not in the text: no span.
            in_title = _TITLE.search(report.source.title)
            if in_title:
                year = int(in_title.group(2))
        if year is None:
            year = _most_mentioned_year(text[:3000], meta.published)
        if year is None and meta.published:
            year = int(meta.published[:4]) - 1
        meta.year = year
        found = self.agencies.find(
            title,
            header,
            text,
            report.source.title,
            Path(report.source.path).name if report.source.row is None else None,
            _TITLE,
            titles,
        )
        meta.agency, meta.agency_printed = found.name, found.printed
        meta.agency_source, meta.agency_candidates = found.source, found.candidates
        meta.evidence.agency = list(found.span) if found.span else None
        meta.template = self._template(text, year)
        return report

    def _template(self, text: str, year: int | None) -> str:
        hits = {
            era: len(pattern.findall(text))
            for era, pattern in self.marker_patterns.items()
        }
        return self.era.template(hits, year)

    def _published(self, header: str, text: str) -> str | None:
        for source in (header, text[:800]):
            m = _DATE_LABELLED.search(source)
            if m:
                return _iso(*m.groups())
        head = text[:300]
        m = _DATE_CN.search(head)
        if m and re.search(r"\(\s*" + re.escape(m.group()) + r"\s*\)", head):
            return _iso(*m.groups())
        tail = text[-200:]
        dates = list(_DATE_CN.finditer(tail))
        if dates:
            last = dates[-1]
            if not tail[last.end() :].strip(" \n)。|"):
                return _iso(*last.groups())
        return None


def _iso_date(value: str | None) -> str | None:
    """A crawl dump's date (2020-01-20, 2020/1/20, 2020年1月20日, with or without a
    time after it) as an ISO date; None when it is not one."""
    m = _ISO_DATE.match((value or "").strip())
    return _iso(*m.groups()) if m else None


def _most_mentioned_year(text: str, published: str | None) -> int | None:
    """The year the text speaks of most (a report without title or period)."""
    limit = int(published[:4]) if published else 9999
    counts = Counter(
        int(y) for y in re.findall(_YEAR + r"\s*年", text) if int(y) <= limit
    )
    if not counts:
        return None
    top = max(counts.values())
    return max(y for y, c in counts.items() if c == top)


def _iso(year: str, month: str, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _span(match: re.Match, text: str | None) -> list[int] | None:
    return [match.start(), match.end()] if text is not None else None
