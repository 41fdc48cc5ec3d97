"""Agency names: found in a report, and compared across reports (the one home).

``AgencyFinder`` reads the agency from a report's title, its labelled 发布单位 line or
the names its body mentions most; ``agency_key``, ``agency_groups`` and
``agency_aliases`` decide which names are one agency (淮安市洪泽区人民政府 and
洪泽区人民政府) for the cross-year checks and recurrence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

_SPACE = re.compile(r"\s+")
_LEADING_JUNK = re.compile(r"^(?:关于|[0-9\-_.、]+)")
_LABELLED_UNIT = re.compile(
    r"(?:填报单位|发布单位|发布机构|编制单位|报送单位)\s*[:：|]\s*\|?\s*([\u4e00-\u9fff()]{2,30})"
)
# Characters that do not occur in agency names but do in prose around them.
_NOT_NAME = re.compile(
    r"[我将的了在和与对为是由现本该各全等及向从年月日共有无未其把被所下设立配召开负责网]"
)
_PLACE_BEFORE_NAME = re.compile(r"(?:省|市|县|区|州|旗|镇|乡)$")
# Prose words that the candidate pattern picks up before a name (并于衡阳市…).
_LEADING_FUNCTION = re.compile(r"^[并于在向对由经以及和与将把被从为据按]+")
# Suffixes of an agency that publishes reports (not an office inside one).
_STRONG_SUFFIX = re.compile(
    r"(?:人民政府|管委会|管理委员会|办事处|街道|镇|乡|局|厅|委员会)$"
)


class AgencyFinder:
    """The agency a report is by, from its title, labelled lines or body."""

    def __init__(self, config: dict[str, Any]):
        suffixes = sorted(config["agency_suffixes"], key=len, reverse=True)
        self.agency_pattern = re.compile(
            r"[\u4e00-\u9fff]{2,16}?(?:" + "|".join(map(re.escape, suffixes)) + ")"
        )
        self.suffix_end = re.compile("(?:" + "|".join(map(re.escape, suffixes)) + ")$")

    def find(self, title: re.Match | None, header: str, text: str) -> str | None:
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
            if names and m.start() == last_end and _PLACE_BEFORE_NAME.search(names[-1]):
                names[-1] += name
            else:
                names.append(name)
            last_end = m.end()
        return names


# --------------------------------------------------------------- one agency, many names
# Places above an agency that a longer form of its name may add (淮安市, 江苏省淮安市).
_PREFIX = re.compile(r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|州|盟|地区|县|区))+")
# A name that is itself a place: a local government, not a department.
_PLACE_NAME = re.compile(r"(?:区|县|市|镇|乡|街道|旗|州|实验区|开发区|新区)$")
_GOVERNMENT_SUFFIX = re.compile(r"(?:人民政府|管理委员会|管委会)$")


def agency_groups(names: list[str]) -> dict[str, str]:
    """Map each agency name to a group key; names of one agency share a key.

    淮安市洪泽区人民政府 and 洪泽区人民政府 are one agency: the shorter name is a place
    (it ends in 区/县/镇/…) and the longer one only adds the places above it. Department
    names never merge that way: 衡阳市教育局 and 乐清市教育局 are two agencies.
    """
    keys = {name: agency_key(name) for name in names if name}
    canonical: dict[str, str] = {}
    for key in sorted(set(keys.values()), key=len):
        match = next((c for c in canonical.values() if _same_place(key, c)), None)
        canonical[key] = match or key
    return {name: canonical[key] for name, key in keys.items()}


def agency_key(name: str | None) -> str:
    """A comparable form of a name: white space and a government suffix removed
    (洪泽区人民政府 -> 洪泽区; a name that is only the suffix stays itself)."""
    if not name:
        return ""
    name = _SPACE.sub("", name)
    return _GOVERNMENT_SUFFIX.sub("", name) or name


def _same_place(longer: str, shorter: str) -> bool:
    if longer == shorter:
        return True
    if (
        len(shorter) < 3
        or not longer.endswith(shorter)
        or not _PLACE_NAME.search(shorter)
    ):
        return False
    return bool(_PREFIX.fullmatch(longer[: -len(shorter)]))


# What a comparable name may add in front of the other: the places above it, and the
# government of the last of them (四平市铁东区人民政府 + 解放街道办事处).
_PLACES_ABOVE = re.compile(
    r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|州|盟|地区|县|区|旗))+(?:人民政府)?"
)
# The place a name starts with: a name before its level (锡山区…, 西区…; not 区…).
_OWN_PLACE = re.compile(
    r"^[\u4e00-\u9fff]+?(?:省|自治区|市|州|盟|地区|县|区|旗|镇|乡|街道|实验区|开发区|新区)"
    r"|^(?:兵团|新疆生产建设兵团)"
)
_COMPARABLE_SUFFIX = re.compile(r"(?:人民政府|管理委员会|管委会|办事处)$")


def _comparable(name: str) -> str:
    name = normalise_agency(name).replace("管理委员会", "管委会")
    stripped = _COMPARABLE_SUFFIX.sub("", name)
    if stripped.endswith("街道") or not stripped:
        return stripped or name
    return stripped if _PLACE_NAME.search(stripped) else name


def same_agency(a: str | None, b: str | None) -> bool:
    """True when two names name one agency: equal once a government suffix is dropped
    (兴华乡 / 兴华乡人民政府), or the longer only adds the places above the shorter,
    which names its own place (洪泽区人民政府 / 淮安市洪泽区人民政府; 锡山区司法局 /
    无锡市锡山区司法局). A name without its own place (区司法局, 审计局) names no agency
    by itself and matches none but itself. Compare folded text (simplified script)."""
    if not a or not b:
        return False
    x, y = _comparable(a), _comparable(b)
    if x == y:
        return True
    shorter, longer = sorted((x, y), key=len)
    if not longer.endswith(shorter) or not _OWN_PLACE.match(shorter):
        return False
    return bool(_PLACES_ABOVE.fullmatch(longer[: -len(shorter)]))


def normalise_agency(name: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def agency_aliases(names: Iterable[str]) -> dict[str, str]:
    """Map every name to one name per agency (``agency_groups`` decides which names
    are one agency: 淮安市洪泽区人民政府 and 洪泽区人民政府). The agency takes its
    most frequent name (the longer on a tie)."""
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        if name:
            counts[normalise_agency(name)] += 1
    groups: dict[str, list[str]] = defaultdict(list)
    for name, group in agency_groups(sorted(counts)).items():
        groups[group].append(name)
    aliases = {}
    for members in groups.values():
        best = max(members, key=lambda n: (counts[n], len(n), n))
        aliases.update((n, best) for n in members)
    return aliases
