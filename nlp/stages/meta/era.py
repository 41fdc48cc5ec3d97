"""The one place that decides a report's template era (docs/SPEC.md §5 ``template``).

The template is the format a report follows: its table layout where its tables say
(markers of each era's labels), otherwise its era by report year (≤ 2018 pre2019,
2019–2020 2019, 2021 on 2021; thresholds in ``configs/meta.yaml`` ``era``). The other
questions stages ask about the era are answered here too, from ``meta.template`` and
``meta.year``: which table 二 layout to assume when its header was lost, whether the
report is under the 2019 regulations, and whether the 2021 layout is due.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ...config import load_config

ERAS = ("pre2019", "2019", "2021")


@dataclass(frozen=True)
class EraRules:
    pre2019_last_year: int = 2018
    format2019_last_year: int = 2020

    @classmethod
    def from_config(cls, config: Mapping[str, object] | None) -> EraRules:
        config = config or {}
        return cls(
            int(config.get("pre2019_last_year", 2018)),  # type: ignore[arg-type]
            int(config.get("format2019_last_year", 2020)),  # type: ignore[arg-type]
        )

    def by_year(self, year: int | None) -> str | None:
        if year is None:
            return None
        if year <= self.pre2019_last_year:
            return "pre2019"
        return "2019" if year <= self.format2019_last_year else "2021"

    def template(self, marker_hits: Mapping[str, int], year: int | None) -> str:
        """The report's template from its table-label markers, else its year."""
        hits_2021, hits_2019 = marker_hits.get("2021", 0), marker_hits.get("2019", 0)
        if hits_2021 >= 2 and hits_2021 >= hits_2019:
            return "2021"
        if hits_2019 >= 2:
            return "2019"
        if year is None:
            return "pre2019" if marker_hits.get("pre2019", 0) >= 2 else "unknown"
        return self.by_year(year) or "unknown"

    def table_layout(self, template: str | None, year: int | None) -> str:
        """Table 二's layout to assume where its own header cells were lost."""
        if template in ("2019", "2021"):
            return template
        if year is not None:
            return "2021" if year > self.format2019_last_year else "2019"
        return "2021"

    def under_2019_regulations(self, template: str | None, year: int | None) -> bool:
        """Reports on years from 2019 follow the revised regulations' format."""
        if year is not None:
            return year > self.pre2019_last_year
        return template in ("2019", "2021")

    def expects_2021_layout(self, year: int | None) -> bool:
        return year is not None and year > self.format2019_last_year

    def of_report(
        self,
        template: str | None,
        year: int | None,
        table_kinds: set[str] | frozenset[str] = frozenset(),
        indicators: tuple[str, ...] | list[str] = (),
    ) -> str | None:
        """The era whose indicator ids a report's prose uses: its template, else what
        its tables show (a cell only one era's tables have), else its year."""
        if template in ERAS:
            return template
        if "stat_pre2019" in table_kinds:
            return "pre2019"
        if any(_ERA_2021_CELLS.match(i) for i in indicators):
            return "2021"
        if any(_ERA_2019_CELLS.match(i) for i in indicators):
            return "2019"
        return self.by_year(year)


# Indicators that exist only in one era's tables; they tell a report's layout.
_ERA_2021_CELLS = re.compile(
    r"^t2\.\w+\.(made|repealed|valid)$|^t3\.other_(overdue|unpaid|misc)"
)
_ERA_2019_CELLS = re.compile(
    r"^t2\.\w+\.(new_made|new_published|total_published|prev_items)$"
)


@functools.lru_cache(maxsize=1)
def era_rules() -> EraRules:
    """The thresholds of ``configs/meta.yaml`` ``era``."""
    return EraRules.from_config(load_config("meta").get("era"))
