"""Agency names compared: which names are one agency (the one home of that).

``same_agency`` (evaluation, the finder's agreement between sources), ``agency_key``,
``agency_groups`` and ``agency_aliases`` (淮安市洪泽区人民政府 and 洪泽区人民政府 are
one agency: cross-year checks, recurrence, cross-validation groups). Finding the
agency of a report is ``agency_finder``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")


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
    roots: set[str] = set()  # keys that are their own group, each a shorter key's
    for key in sorted(set(keys.values()), key=len):
        # A key joins the shortest earlier group it only adds places in front of.
        # Such a group's key is a suffix of this key, so the suffixes are looked up
        # shortest first (the order the groups were made in): linear in the names,
        # where comparing with every group was quadratic.
        match = next(
            (
                key[start:]
                for start in range(len(key) - 3, 0, -1)
                if key[start:] in roots and _same_place(key, key[start:])
            ),
            None,
        )
        if match is None:
            roots.add(key)
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
