"""Province and administrative level of a report's agency, for search filters.

A gazetteer of provinces and prefecture-level divisions (``configs/search/regions.yaml``)
is matched on the agency name first and, failing that, counted over the report text.
Both values are optional: ``None`` / ``"unknown"`` when the evidence is missing or split.
"""

from __future__ import annotations

import re
from collections import Counter

from ..config import CONFIG_DIR, load_yaml
from ..errors import Errors, SearchError

REGIONS_CONFIG = CONFIG_DIR / "search" / "regions.yaml"


class RegionResolver:
    """``province(agency, text)`` and ``admin_level(agency)`` from the gazetteer."""

    def __init__(self, path=REGIONS_CONFIG):
        data = load_yaml(path)
        provinces = data.get("provinces")
        if not isinstance(provinces, dict) or not provinces:
            raise SearchError(Errors.E800.format(path=path, detail="no 'provinces'"))
        self.min_text_mentions = int(data.get("min_text_mentions", 1))
        self._province_of: dict[str, str] = {}
        prefectures: list[str] = []
        province_names: list[str] = []
        for province, entry in provinces.items():
            for name in entry.get("names") or []:
                self._province_of[name] = province
                province_names.append(name)
            for name in entry.get("prefectures") or []:
                self._province_of[name] = province
                prefectures.append(name)
        # Longest first, so 海南藏族自治州 is read whole before 海南.
        self._names = re.compile(_alternation(self._province_of))
        self._levels: list[tuple[str, re.Pattern[str]]] = []
        for rule in data.get("admin_levels") or []:
            try:
                pattern = rule["pattern"].replace(
                    "{prefecture}", _alternation(prefectures)
                )
                pattern = pattern.replace("{province}", _alternation(province_names))
                self._levels.append((rule["level"], re.compile(pattern)))
            except (KeyError, TypeError, re.error) as e:
                raise SearchError(
                    Errors.E800.format(
                        path=path, detail=f"admin_levels rule {rule!r}: {e}"
                    )
                ) from e

    def province(self, agency: str | None, text: str = "") -> str | None:
        for source, minimum in ((agency or "", 1), (text, self.min_text_mentions)):
            votes = Counter(
                self._province_of[m.group()] for m in self._names.finditer(source)
            )
            if not votes:
                continue
            ranked = votes.most_common(2)
            if ranked[0][1] >= minimum and (
                len(ranked) == 1 or ranked[0][1] > ranked[1][1]
            ):
                return ranked[0][0]
        return None

    def admin_level(self, agency: str | None) -> str:
        if agency:
            for level, pattern in self._levels:
                if pattern.search(agency):
                    return level
        return "unknown"


def _alternation(names) -> str:
    return (
        "(?:"
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + ")"
    )
