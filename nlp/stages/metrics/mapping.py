"""Which table cell a figure in prose reports: SPEC §3 indicator ids from patterns.

The patterns live in ``configs/metrics.yaml`` under ``indicators``, one ordered list per
template era; the first rule whose conditions all hold gives the id (``null`` rules stop
the search with no id). Conditions look at the metric's own phrase, the sentence
before it, the section it sits in and its unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError, Errors
from ..meta.era import ERAS

_RULE_KEYS = {
    "id",
    "parts",
    "subject",
    "not",
    "sentence",
    "not_sentence",
    "context",
    "sections",
    "units",
    "note",
}


@dataclass(frozen=True)
class MappingInput:
    """What a rule may look at for one metric."""

    phrase: str  # the metric's own text (subject, number, unit)
    sentence: str  # the sentence up to and including the phrase
    context: str  # section title and the section text before the metric
    labels: frozenset[str]  # labels of the section containing it and its ancestors
    unit: str | None
    # The sentence up to the last ; before the phrase: what `not_sentence` reads (an
    # exclusion is local; a frame such as 收到…申请 may stand before a ;).
    local: str | None = None


@dataclass(frozen=True)
class Rule:
    indicator: str | None
    # A figure summing several cells (予以公开及部分公开7件): their ids; the rule's
    # indicator is then null (SPEC §3.3) and a check compares the sum.
    subject: re.Pattern[str]
    exclude: re.Pattern[str] | None
    sentence: re.Pattern[str] | None
    not_sentence: re.Pattern[str] | None
    context: re.Pattern[str] | None
    sections: frozenset[str]
    units: frozenset[str | None] | None
    parts: tuple[str, ...] = ()

    def matches(self, item: MappingInput) -> bool:
        if self.units is not None and item.unit not in self.units:
            return False
        if not self.subject.search(item.phrase):
            return False
        if self.exclude is not None and self.exclude.search(item.phrase):
            return False
        if self.sentence is not None and not self.sentence.search(item.sentence):
            return False
        local = item.sentence if item.local is None else item.local
        if self.not_sentence is not None and self.not_sentence.search(local):
            return False
        # Where a rule names both a context pattern and section labels, either will do:
        # the section labels are missing when the segmenter found no headings.
        in_section = bool(self.sections & item.labels)
        in_context = self.context is not None and bool(
            self.context.search(item.context)
        )
        if self.sections and self.context is not None:
            return in_section or in_context
        if self.sections:
            return in_section
        if self.context is not None:
            return in_context
        return True


def _compile(pattern: Any, where: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(str(pattern), re.DOTALL)
    except re.error as e:
        raise ConfigError(Errors.E501.format(where=where, detail=e)) from e


def _build_rule(raw: dict[str, Any], where: str, units: dict[str, list]) -> Rule:
    unknown = set(raw) - _RULE_KEYS
    if unknown or "subject" not in raw or "id" not in raw:
        raise ConfigError(
            Errors.E502.format(
                where=where, detail=f"keys {sorted(raw)}; known {sorted(_RULE_KEYS)}"
            )
        )
    rule_units = raw.get("units")
    if isinstance(rule_units, str):  # a named unit group, e.g. "counts"
        if rule_units not in units:
            raise ConfigError(
                Errors.E502.format(where=where, detail=f"no unit group {rule_units!r}")
            )
        rule_units = units[rule_units]
    return Rule(
        indicator=raw["id"],
        subject=_compile(raw["subject"], where),
        exclude=_compile(raw.get("not"), where),
        sentence=_compile(raw.get("sentence"), where),
        not_sentence=_compile(raw.get("not_sentence"), where),
        context=_compile(raw.get("context"), where),
        sections=frozenset(raw.get("sections") or ()),
        units=None if rule_units is None else frozenset(rule_units),
        parts=tuple(raw.get("parts") or ()),
    )


class IndicatorMapper:
    """Map a metric's phrase and surroundings to an indicator id of its report's era."""

    def __init__(self, config: dict[str, Any]):
        indicators = config.get("indicators")
        if not isinstance(indicators, dict):
            raise ConfigError(
                Errors.E502.format(where="indicators", detail="not a mapping")
            )
        unit_groups = config.get("unit_groups") or {}
        self.rules: dict[str, list[Rule]] = {}
        for era in ERAS:
            raw_rules = indicators.get(era) or []
            self.rules[era] = [
                _build_rule(raw, f"indicators.{era}[{i}]", unit_groups)
                for i, raw in enumerate(raw_rules)
            ]

    def match(self, era: str | None, item: MappingInput) -> Rule | None:
        """The first rule of ``era`` that holds for ``item``, or None."""
        for rule in self.rules.get(era or "", ()):
            if rule.matches(item):
                return rule
        return None

    def map(self, era: str | None, item: MappingInput) -> str | None:
        rule = self.match(era, item)
        return rule.indicator if rule else None
