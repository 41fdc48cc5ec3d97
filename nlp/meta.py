"""Report metadata: agency, report year, template era, publication date.

The report year is the year the statistics cover (统计期限 or the title), not the year
of publication. The template is the format the report follows: its table layout where
it has tables, otherwise its era by year.
"""

from __future__ import annotations

import re
from collections import Counter

from .config import load_config
from .pipeline import Stage, register_stage
from .records import Report

_YEAR = r"((?:19|20)\d{2})"
_TITLE = re.compile(
    r"(?P<pre>[^\s,。:;、()《》“”|]{0,40}?)[ \t]*" + _YEAR + r"\s*年(?:度)?\s*"
    r"(?P<post>[^\s,。:;()《》“”|]{0,24}?)\s*(?:政府)?(?:信息公开|政务公开)[^\n。,]{0,14}?"
    r"(?:年度)?\s*(?:工作)?\s*(?:报告|年报)"
)
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
_DATE_LABELLED = re.compile(
    r"(?:发布时间|发布日期|公开日期|成文日期|时间)\s*[:：|\s]*\s*"
    r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)
_DATE_CN = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SPACE = re.compile(r"\s+")
_LEADING_JUNK = re.compile(r"^(?:关于|[0-9\-_.、]+)")
_LABELLED_UNIT = re.compile(
    r"(?:填报单位|发布单位|发布机构|编制单位|报送单位)\s*[:：|]\s*\|?\s*([\u4e00-\u9fff()]{2,30})"
)
# Characters that do not occur in agency names but do in prose around them.
_NOT_NAME = re.compile(
    r"[我将的了在和与对为是由现本该各全等及向从年月日共有无未其把被所下设立配召开负责网]"
)
_PLACE_END = re.compile(r"(?:省|市|县|区|州|旗|镇|乡)$")
# Prose words that the candidate pattern picks up before a name (并于衡阳市…).
_LEADING_FUNCTION = re.compile(r"^[并于在向对由经以及和与将把被从为据按]+")
# Suffixes of an agency that publishes reports (not an office inside one).
_STRONG_SUFFIX = re.compile(
    r"(?:人民政府|管委会|管理委员会|办事处|街道|镇|乡|局|厅|委员会)$"
)


@register_stage("meta")
class MetaExtractor(Stage):
    """Fill ``meta``: agency, year, template, published, with evidence offsets.

    Needs: ``text`` (and the header ``removals`` of crawled pages).
    Fills: ``meta``.
    """

    needs = ("text",)
    fills = ("meta",)

    def __init__(self, config: str = "meta"):
        cfg = load_config(config)
        suffixes = sorted(cfg["agency_suffixes"], key=len, reverse=True)
        self.agency_pattern = re.compile(
            r"[\u4e00-\u9fff]{2,16}?(?:" + "|".join(map(re.escape, suffixes)) + ")"
        )
        self.suffix_end = re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")$")
        self.template_markers = {
            era: [re.escape(m) for m in markers]
            for era, markers in cfg["template_markers"].items()
        }
        self.marker_patterns = {
            era: re.compile("|".join(m)) for era, m in self.template_markers.items()
        }
        self.version = cfg["version"]

    def __call__(self, report: Report) -> Report:
        text = report.text
        header = "\n".join(r.text for r in report.removals if r.kind == "header")
        meta = report.meta
        head = text[:1500]
        title = _TITLE.search(header) or _TITLE.search(head)
        title_in_text = (
            title is not None and title.re is _TITLE and _TITLE.search(head) is title
        )
        year = None
        if title:
            year = int(title.group(2))
            meta.evidence["year"] = _span(title, text if title_in_text else None)
        period = _PERIOD.search(text[:4000]) or _PERIOD_LOOSE.search(text[:4000])
        if period:
            year = int(period.group(1))
            meta.evidence["year"] = [period.start(), period.end()]
        meta.published = self._published(header, text)
        if year is None:
            year = _most_mentioned_year(text[:3000], meta.published)
        if year is None and meta.published:
            year = int(meta.published[:4]) - 1
        meta.year = year
        meta.agency = self._agency(title, header, text)
        meta.template = self._template(text, year)
        report.config["meta"] = self.version
        return report

    def _agency(self, title: re.Match | None, header: str, text: str) -> str | None:
        candidates: list[str] = []
        if title:
            pre = _LEADING_JUNK.sub("", title.group("pre"))
            post = title.group("post")
            for part in (pre, post):
                part = part.strip(" -_|")
                if len(part) >= 2 and not part.isdigit() and not _NOT_NAME.search(part):
                    candidates.append(part)
            if not candidates:
                # A PDF title often puts the agency on the line above the year.
                before = (
                    title.string[: title.start()].rstrip().rsplit("\n", 1)[-1].strip()
                )
                if 2 <= len(before) <= 30:
                    candidates.append(before)
        for name in candidates:
            if self.suffix_end.search(name) or len(name) >= 3:
                return name
        for source in (header, text):
            labelled = _LABELLED_UNIT.search(source)
            if labelled:
                return labelled.group(1)
        # No title: the agency name the body mentions most often.
        counts = Counter(
            name for name in self._names(text[:6000]) if not _NOT_NAME.search(name)
        )
        if not counts:
            return None

        # Mentions of a short form (教育局) count for the full name (衡阳市教育局) too.
        def score(name: str) -> tuple[int, int]:
            total = sum(c for other, c in counts.items() if name.endswith(other))
            return total + 2 * bool(_STRONG_SUFFIX.search(name)), len(name)

        return max(counts, key=score)

    def _names(self, text: str) -> list[str]:
        """Candidate names; a place directly followed by a name joins it (衡阳市+教育局)."""
        names: list[str] = []
        last_end = -1
        for m in self.agency_pattern.finditer(text):
            name = _LEADING_FUNCTION.sub("", m.group())
            if names and m.start() == last_end and _PLACE_END.search(names[-1]):
                names[-1] += name
            else:
                names.append(name)
            last_end = m.end()
        return names

    def _template(self, text: str, year: int | None) -> str:
        hits = {
            era: len(pattern.findall(text))
            for era, pattern in self.marker_patterns.items()
        }
        if hits.get("2021", 0) >= 2 and hits["2021"] >= hits.get("2019", 0):
            return "2021"
        if hits.get("2019", 0) >= 2:
            return "2019"
        if year is None:
            return "pre2019" if hits.get("pre2019", 0) >= 2 else "unknown"
        if year <= 2018:
            return "pre2019"
        return "2019" if year <= 2020 else "2021"

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


def _span(match: re.Match, text: str | None) -> list[int]:
    return [match.start(), match.end()] if text is not None else []


def agency_key(name: str | None) -> str:
    """A comparable form of an agency name (whitespace and common suffixes removed)."""
    if not name:
        return ""
    name = _SPACE.sub("", name)
    return re.sub(r"(?:人民政府|管理委员会|管委会)$", "", name)
