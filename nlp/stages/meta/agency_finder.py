"""Which agency a report is by: candidates from every place a name is stated, a
canonical-name step, and ``None`` with the candidates when unsure.

Candidates come from the report's title (in the text or the crawl header), the page's
<title> and crawl metadata (``Source.title``), labelled lines (发布单位:), the
signature above the closing date, a title stated in prose (现公布X2018年…报告), a
file name written in Chinese, the breadcrumb, and the names the body mentions.

A name must look like one: it ends in an agency suffix, holds no prose or navigation
words, no traditional-only characters in a simplified text (mirror spam such as
…娛樂城办公厅), and names its own place (锡山区…, not 区司法局 or 审计局). A form
without its place (省粮食和储备局, 区民政局) is completed from a full name printed in
the report that it abbreviates, or from the one place of its level the report names.
The canonical name expands the department abbreviations of ``configs/meta.yaml``
(安监局 → 安全生产监督管理局); the form as printed is kept beside it.

A wrong name is worse than none: the stated sources (title, page title, header,
labelled line, signature) decide when they agree; two of them naming different
agencies, or only the body's mentions without a stated source or a self-reference
(我局) backing them, give ``None`` and the candidates.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .agency import _PLACES_ABOVE, normalise_agency, same_agency

# A name's own place: a short stem and its level at the start (锡山区…, 西区…, 兵团…);
# a longer run before the level is prose (栏目可以查阅平潭综合实验区).
_OWN_PLACE = re.compile(
    r"^[\u4e00-\u9fff]{1,5}?(?:省|自治区|市|州|盟|地区|县|区|旗|镇|乡|街道|实验区|开发区|新区)"
    r"|^(?:新疆生产建设)?兵团"
)

_LEADING_JUNK = re.compile(r"^(?:关于|[0-9\-_.、\s]+|(?:19|20)\d{2}年度?)+")
# Words that open a clause in front of a stated title: the name follows the last one.
_BEFORE_NAME = re.compile(
    r"^.*(?:现予?公布|现将|特向社会公布|向社会公布|公布|发布|依据|根据|编制|现就|报告)"
)
# Characters that do not occur in agency names but do in prose around them.
_NOT_NAME = re.compile(
    r"[我将的了在对为是由现本该各全等向从年月日共有无未其把被所下设立配召开负责网,，。:;!?《》“”()>|/]"
)
# Prose words a pattern may pick up in front of a name (并于衡阳市…).
_LEADING_FUNCTION = re.compile(
    r"^(?:依据|根据|按照|依照|通过|经过|联系|关于|请与|[并于在向对由经以及和与将把被从为据按即])+"
)
# How many characters of a name come before its suffix (the agency pattern).
_STEM_MIN, _STEM_MAX = 2, 16
_PLACE_BEFORE_NAME = re.compile(r"(?:省|市|县|区|州|旗|镇|乡)$")
_LINE = re.compile(r"[^\n]+")
_WRAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \t]*\n[ \t]*(?=[\u4e00-\u9fff])")
# A bare place is a place, not an agency, when only the body mentions it (平潭县); a
# township (镇, 乡, 街道) is its own agency.
_STEM = re.compile(r"[\u4e00-\u9fff]+")
_BARE_PLACE = re.compile(r"(?:省|自治区|市|州|盟|地区|县|区|旗)$")
# What a self-reference (我局, 我区) says the agency's name ends with.
_KIND_ENDINGS = {
    "区": ("区人民政府", "区管委会", "区管理委员会", "区政府"),
    "县": ("县人民政府", "县政府"),
    "市": ("市人民政府", "市政府"),
}
_DATE_LINE = re.compile(
    r"^\s*(?:[\(（]?\s*)?(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*[\)）]?\s*$"
)
_DATE_TAIL = re.compile(r"\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_HEADER_FIELD = re.compile(
    r"^[ \t|]*(标题|发布机构|发布单位|来源|信息来源)\s*[:：]\s*(.+?)\s*$", re.MULTILINE
)
_LABELLED_UNIT = re.compile(
    r"(?:填报单位|发布单位|发布机构|编制单位|报送单位)\s*[:：|]\s*\|?\s*([\u4e00-\u9fff()]{2,30})"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BREADCRUMB = re.compile(r"^[^\n>]{0,40}>[^\n]*>[^\n]*$", re.MULTILINE)

# Sources in the order they are trusted; the first four are "stated" sources.
STATED = ("title", "page_title", "header", "labelled", "signature", "prose_title")


@dataclass
class Candidate:
    name: str  # as printed
    source: str
    span: tuple[int, int] | None = None  # in the text, when read from it
    canonical: str = ""  # completed and expanded


@dataclass
class AgencyResult:
    name: str | None = None  # canonical
    printed: str | None = None
    source: str | None = None
    span: tuple[int, int] | None = None
    candidates: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


class AgencyFinder:
    """Finds the agency of a report; configured by ``configs/meta.yaml``."""

    def __init__(self, config: dict[str, Any]):
        suffixes = sorted(config["agency_suffixes"], key=len, reverse=True)
        alternation = "|".join(map(re.escape, suffixes))
        self.agency_pattern = re.compile(
            rf"[\u4e00-\u9fff]{{{_STEM_MIN},{_STEM_MAX}}}?(?:" + alternation + ")"
        )
        self._suffix = re.compile(alternation)
        self.suffix_end = re.compile("(?:" + alternation + ")$")
        settings = config.get("agencies") or {}
        self.not_agencies = frozenset(settings.get("not_agencies") or ())
        self.not_agency_endings = tuple(settings.get("not_agency_endings") or ())
        self.national = tuple(settings.get("national_prefixes") or ())
        self.abbreviations = dict(settings.get("abbreviations") or {})
        self.self_references = re.compile(
            settings.get("self_references")
            or r"(?:我|本)(局|委|厅|办|署|院|中心|镇|乡|街道|区|县|市)"
        )
        self.footer = re.compile(
            settings.get("footer")
            or r"版权所有|主办单位|承办单位|ICP|公网安备|网站标识码|技术支持"
        )
        self.signature_lines = int(settings.get("signature_lines", 8))
        self.body_chars = int(settings.get("body_chars", 8000))

    # -- the decision ---------------------------------------------------------------
    def find(
        self,
        title: re.Match | None,
        header: str,
        text: str,
        source_title: str | None = None,
        file_name: str | None = None,
        title_pattern: re.Pattern[str] | None = None,
        prose_titles: list[re.Match[str]] | None = None,
    ) -> AgencyResult:
        """``prose_titles``: the matches of ``title_pattern`` in ``text[:1500]`` when
        the caller has them already."""
        body_end = self._body_end(text)
        body = self._body_names(text, body_end)
        found = self._stated(
            title, header, text, source_title, file_name, title_pattern, prose_titles
        )
        found += self._signature(text, body_end)
        valid: list[Candidate] = []
        for candidate in found:
            name = self.clean(candidate.name)
            if name is None:
                continue
            candidate.name = name
            canonical = self.complete(name, body, text[:body_end])
            if canonical is None:
                continue
            candidate.canonical = self.expand(canonical)
            valid.append(candidate)
        stated = [c.name for c in valid] + [self.clean(c.name) or "" for c in found]
        # Body names worth showing: placed, and mentioned twice or long enough not to
        # be a stray word pair (城乡, 组织区).
        placed = [
            n
            for n, c in body.most_common()
            if self._own_place(n) and (c >= 2 or len(n) >= 5)
        ]
        shown = [n for n in dict.fromkeys(stated + placed) if n]
        if valid:
            return self._agree(valid, body, shown)
        return self._from_body(text, body_end, body, shown)

    def _agree(
        self, valid: list[Candidate], body: Counter, shown: list[str]
    ) -> AgencyResult:
        """The stated candidates' agency when they name one; else None."""
        first = valid[0]
        group = [c for c in valid if self.same(c.canonical, first.canonical)]
        others = [c for c in valid if c not in group]
        if others:
            # A second agency stated: only body mentions can still tell them apart.
            support = {
                id(c): sum(n for b, n in body.items() if self.same(b, c.canonical))
                for c in valid
            }
            mine = max(support[id(c)] for c in group)
            theirs = max(support[id(c)] for c in others)
            if not (mine > 0 and theirs == 0):
                return AgencyResult(candidates=_unique(c.canonical for c in valid))
        # The agency rather than the office that signs for it, where both are named.
        names = [c.canonical for c in group]
        offices = [n for n in names if _OFFICE.search(n)]
        canonical = max([n for n in names if n not in offices] or names, key=len)
        return AgencyResult(
            name=canonical,
            printed=first.name,
            source=first.source,
            span=first.span,
            candidates=[n for n in shown if n not in (canonical, first.name)][:5],
        )

    def _from_body(
        self, text: str, body_end: int, body: Counter, shown: list[str]
    ) -> AgencyResult:
        """No stated name: the body's most mentioned full name, when the report calls
        itself by its kind (我局 for a …局) or a breadcrumb abbreviates it, and no
        other name of that kind competes."""
        full: Counter = Counter()
        for n, c in body.items():
            # The office named for enquiries (请与X管委会办公室联系) stands for X.
            n = _OFFICE.sub("", n)
            if self._own_place(n) and self.clean(n) and not _BARE_PLACE.search(n):
                full[n] += c
        if not full:
            return AgencyResult(candidates=shown[:5])
        kinds = Counter(
            m.group(1) for m in self.self_references.finditer(text[:body_end])
        )
        crumbs = [
            part.strip()
            for m in _BREADCRUMB.finditer(text[:600])
            for part in m.group().split(">")
        ]
        backed = []
        for name, count in full.most_common():
            by_self = any(
                name.endswith(_KIND_ENDINGS.get(kind, (kind,))) for kind in kinds
            )
            by_crumb = any(
                len(c) >= 3 and c != name and abbreviates(c, name) for c in crumbs
            )
            same_kind = [
                n
                for n in full
                if n != name and n[-1] == name[-1] and not self.same(n, name)
            ]
            if (by_self or by_crumb) and (count >= 2 or not same_kind):
                backed.append((name, count))
        if not backed:
            return AgencyResult(candidates=[n for n, _ in full.most_common(5)])
        name, count = backed[0]
        rivals = [n for n, c in backed[1:] if not self.same(n, name) and c * 2 > count]
        if rivals:
            return AgencyResult(candidates=[n for n, _ in backed[:5]])
        at = text.find(name)
        return AgencyResult(
            name=self.expand(name),
            printed=name,
            source="body",
            span=(at, at + len(name)) if at >= 0 else None,
            candidates=[n for n, _ in full.most_common(5) if n != name][:4],
        )

    # -- candidates -----------------------------------------------------------------
    def _stated(
        self,
        title: re.Match | None,
        header: str,
        text: str,
        source_title: str | None,
        file_name: str | None,
        title_pattern: re.Pattern[str] | None,
        prose_titles: list[re.Match[str]] | None = None,
    ) -> list[Candidate]:
        found: list[Candidate] = []
        in_text = title is not None and title.string is text
        if title is not None:
            found += self._from_title(title, "title", in_text)
        for value in (source_title,):
            if value and title_pattern is not None:
                m = title_pattern.search(value)
                if m:
                    found += self._from_title(m, "page_title", False)
                else:
                    found.append(Candidate(value.strip(), "page_title"))
        for m in _HEADER_FIELD.finditer(header):
            key, value = m.groups()
            if key == "标题" and title_pattern is not None:
                t = title_pattern.search(value)
                if t:
                    found += self._from_title(t, "header", False)
            elif key in ("发布机构", "发布单位"):
                found.append(Candidate(value, "header"))
        labelled = _LABELLED_UNIT.search(text[:3000])
        if labelled:
            found.append(Candidate(labelled.group(1), "labelled", labelled.span(1)))
        if title_pattern is not None:
            if prose_titles is None:
                prose_titles = list(title_pattern.finditer(text, 0, 1500))
            for m in prose_titles:
                if in_text and m.start() == title.start():
                    continue
                found += self._from_title(m, "prose_title", True)
        if file_name and _CJK.search(file_name) and title_pattern is not None:
            m = title_pattern.search(file_name)
            if m:
                found += self._from_title(m, "file", False)
        return found

    def _from_title(self, m: re.Match, source: str, in_text: bool) -> list[Candidate]:
        found = []
        for group in ("pre", "post"):
            part = m.group(group) or ""
            offset = m.start(group)
            cut = _BEFORE_NAME.match(part)
            if cut:
                part, offset = part[cut.end() :], offset + cut.end()
            junk = _LEADING_JUNK.match(part)
            if junk:
                part, offset = part[junk.end() :], offset + junk.end()
            part = part.strip(" -_|")
            if len(part) >= 2:
                span = (offset, offset + len(part)) if in_text else None
                found.append(Candidate(part, source, span))
        if not found and source == "title":
            # A PDF title often puts the agency on the line above the year.
            line = m.string[: m.start()].rstrip().rsplit("\n", 1)[-1].strip()
            if 2 <= len(line) <= 30:
                start = m.string.rfind(line, 0, m.start())
                found.append(
                    Candidate(
                        line, source, (start, start + len(line)) if in_text else None
                    )
                )
        return found

    def _signature(self, text: str, body_end: int) -> list[Candidate]:
        """An agency name on the line(s) right above the closing date."""
        lines = [m for m in _LINE.finditer(text, 0, body_end) if m.group().strip()]
        tail = lines[-self.signature_lines :]
        for i in range(len(tail) - 1, -1, -1):
            line = tail[i].group()
            dated = _DATE_TAIL.search(line)
            if _DATE_LINE.match(line) and i > 0:
                above = tail[i - 1]
                value = above.group().strip()
                start = above.start() + above.group().find(value)
                return [Candidate(value, "signature", (start, start + len(value)))]
            if dated and dated.start() > 0:
                value = line[: dated.start()].strip()
                if len(value) <= 30:
                    start = tail[i].start() + line.find(value)
                    return [Candidate(value, "signature", (start, start + len(value)))]
        return []

    def _body_end(self, text: str) -> int:
        """Where the report ends and the page footer starts (版权所有, ICP …)."""
        start = max(0, len(text) - 1500)
        m = self.footer.search(text, start)
        if not m:
            return len(text)
        return text.rfind("\n", 0, m.start()) + 1

    def _body_names(self, text: str, end: int) -> Counter:
        """Names the body mentions; a place followed by a name joins it (衡阳市+教育局)."""
        names: list[str] = []
        last_end = -1
        # Hard-wrapped lines (PDF text) break names: 衡\n阳市教育局.
        text = _WRAP.sub("", text[: min(end, self.body_chars)])
        for m in self._mentions(text):
            name = _LEADING_FUNCTION.sub("", m.group())
            if names and m.start() == last_end and _PLACE_BEFORE_NAME.search(names[-1]):
                names[-1] += name
            else:
                names.append(name)
            last_end = m.end()
        counts = Counter(n for n in names if self.clean(n, body=True))
        # Prose the pattern took in front of a name (请与锡山区司法局): the mention
        # counts for the longest suffix that is mentioned by itself.
        for name in sorted(counts, key=len, reverse=True):
            inner = [
                m
                for m in counts
                if len(m) < len(name)
                and name.endswith(m)
                and self._own_place(m)
                and not _PLACES_ABOVE.fullmatch(name[: -len(m)])
            ]
            if inner:
                counts[max(inner, key=len)] += counts.pop(name)
        return counts

    def _mentions(self, text: str) -> list[re.Match[str]]:
        """What ``agency_pattern.finditer(text)`` finds, tried only where a name can
        start: 2-16 characters before a suffix (the lazy stem makes re try 15
        lengths at every position)."""
        found: list[re.Match[str]] = []
        pos = tried = 0  # tried: positions below it are known not to start a name
        while True:
            suffix = self._suffix.search(text, max(pos, tried) + _STEM_MIN)
            if suffix is None:
                return found
            q = suffix.start()
            # A name with a later suffix starts after this suffix's window begins.
            m = None
            for start in range(max(pos, tried, q - _STEM_MAX), q - _STEM_MIN + 1):
                m = self.agency_pattern.match(text, start)
                if m is not None:
                    break
            tried = max(tried, q - _STEM_MIN + 1)
            if m is not None:
                found.append(m)
                pos = tried = m.end()

    # -- names ----------------------------------------------------------------------
    def clean(self, name: str, body: bool = False) -> str | None:
        """The name without junk around it, or None when it cannot be an agency."""
        name = normalise_agency(name)
        name = _LEADING_FUNCTION.sub("", _LEADING_JUNK.sub("", name)).rstrip("的")
        if not (2 <= len(name) <= 30) or not self.suffix_end.search(name):
            return None
        if _NOT_NAME.search(name):
            return None
        # 和 joins two names (县委和县政府) unless inside a department's name
        # (粮食和物资储备局, 人力资源和社会保障局).
        if body and any(
            self.suffix_end.search(p) for p in re.split("[和与及]", name)[:-1]
        ):
            return None
        if name in self.not_agencies or name.endswith(self.not_agency_endings):
            return None
        if _t2s().convert(name) != name:
            return None  # traditional-only characters in a simplified text: spam
        return name

    def _own_place(self, name: str) -> bool:
        """The name starts with a place of its own (not a generic 实验区, 开发区)."""
        if name.startswith(self.national):
            return True
        place = _OWN_PLACE.match(name)
        return bool(place) and place.group() not in self.not_agencies

    def complete(self, name: str, body: Counter, text: str) -> str | None:
        """``name`` with its place: as it is, from a full name of the report that it
        abbreviates, or from the one place of its level the report names."""
        if self._own_place(name):
            longer = [b for b in body if len(b) > len(name) and abbreviates(name, b)]
            return max(longer, key=lambda b: (body[b], len(b))) if longer else name
        fuller = [
            b for b in body if b != name and self._own_place(b) and abbreviates(name, b)
        ]
        if fuller:
            return max(fuller, key=lambda b: (body[b], len(b)))
        place = self.only_place(name[0], text)
        return place + name[1:] if place else None

    def only_place(self, level: str, text: str) -> str | None:
        """The one place of ``level`` (省, 市, 县, 区) the text names, at least twice
        (江西省 for 省交通运输厅); None when it names none or several."""
        if level not in "省市县区":
            return None
        counts: Counter = Counter()
        for m in re.finditer(level, text):
            for n in (2, 3, 4):
                stem = text[max(0, m.start() - n) : m.start()]
                if (
                    len(stem) == n
                    and _STEM.fullmatch(stem)
                    and not _NOT_NAME.search(stem)
                ):
                    counts[stem + level] += 1
        # Of a place and the prose in front of it (江西省, 在江西省), the shorter
        # counts: drop any form that only extends a more frequent one.
        places = [
            p
            for p, c in counts.items()
            if not any(q != p and p.endswith(q) and counts[q] >= c for q in counts)
            and p not in self.not_agencies
        ]
        if len(places) == 1 and counts[places[0]] >= 2:
            return places[0]
        return None

    def expand(self, name: str) -> str:
        """The canonical name: department abbreviations spelt out (卫计委 →
        卫生和计划生育委员会), longest first, once."""
        for short in sorted(self.abbreviations, key=len, reverse=True):
            if name.endswith(short):
                return name[: -len(short)] + self.abbreviations[short]
        return name

    def same(self, a: str, b: str) -> bool:
        """One agency, as far as agreeing sources go: also a government and its
        office, which often signs for it (X区人民政府 / X区人民政府办公室)."""
        a, b = _OFFICE.sub("", a), _OFFICE.sub("", b)
        return (
            a == b
            or same_agency(a, b)
            or same_agency(self.expand(a), self.expand(b))
            or abbreviates(a, b)
            or abbreviates(b, a)
        )


_OFFICE = re.compile(r"(?:(?<=人民政府)|(?<=管委会)|(?<=管理委员会))办公[室厅]$")
_LEVEL = re.compile(r"[省市县区州镇乡旗]")


def abbreviates(short: str, full: str) -> bool:
    """``short`` is a shortened form of ``full``: the same last character (the kind of
    agency), its characters in order inside ``full``, and nothing left out but the
    places in front and words inside the department's name (省粮食和储备局 /
    辽宁省粮食和物资储备局, 区司法局 / 锡山区司法局, 南山区安监局 /
    南山区安全生产监督管理局; not 淮安市人民政府 / 淮安市洪泽区人民政府, which adds a
    place inside)."""
    if not short or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    start = full.find(short[0])
    if start < 0:
        return False
    before = full[:start]
    if short[0] in "省市县区州镇乡旗":
        # 区司法局 / 锡山区司法局: what comes before is the place's own name.
        if not (before and _OWN_PLACE.match(before + short[0])):
            return False
    elif before and not _PLACES_ABOVE.fullmatch(before):
        return False  # only places above may come first (江苏省淮安市…)
    left_out = []
    i = start
    for ch in short:
        j = full.find(ch, i)
        if j < 0:
            return False
        left_out.append(full[i:j])
        i = j + 1
    left_out.append(full[i:])
    return not any(_LEVEL.search(part) for part in left_out[1:])


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))
