"""Recurring weaknesses across a corpus of output records (docs/SPEC.md §2, last paragraph).

``find_recurring`` is a pure function over the records ``nlp.run`` writes: how many
reports and agencies state each category (by year); what each agency admits again in
later years, with the measure it had promised; and problem text copied near-verbatim
across agencies or years (``similar.near_duplicate_groups``: MinHash LSH buckets over
character shingles, the exact similarity deciding).

Linear in the corpus: statements with the same text (after punctuation is dropped) are
one representative, compared once; across agencies only pairs meeting in an LSH bucket
are compared; within one agency and category, its distinct statements pairwise.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..pipeline.registry import corpus_step
from ..stages.meta.agency import agency_aliases, normalise_agency
from ..stages.weaknesses.cues import statement_text
from .similar import (
    SHINGLE,
    connected_groups,
    containment,
    near_duplicate_groups,
    shingles,
)

_PUNCT = re.compile(r"[\W_]+")

# Two statements of one agency say the same when this share of the shorter one's
# character shingles is in the other (an agency repeating itself, lightly edited).
SAME_WORDING = 0.6
# Jaccard similarity of character shingles from which statements count as copied text.
BOILERPLATE = 0.7


def _text_key(text: str) -> str:
    return _PUNCT.sub("", statement_text(text))


def _group_items(
    keys: list[str], groups_of_keys: list[list[int]], key_items: dict[str, list[int]]
) -> list[list[int]]:
    """Groups of representatives expanded to their items, ordered by first item."""
    found = [
        sorted(i for k in members for i in key_items[keys[k]])
        for members in groups_of_keys
    ]
    return sorted(found)


@dataclass(slots=True)
class _Item:
    """One weakness statement of one report: a slotted object, not a dict (a corpus
    holds one per statement until the end)."""

    doc_id: str | None
    agency: str
    year: Any
    id: str | None
    category: str | None
    text: str
    improvement: str | None
    key: str
    shingles: frozenset[str]


def _intern(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def _items(records: Iterable[dict[str, Any]], aliases: dict[str, str]) -> list[_Item]:
    """The statements of ``records``; their texts, keys and shingle sets shared
    between statements that are the same, category names interned."""
    items = []
    cache: dict[str, tuple[str, frozenset[str]]] = {}
    texts: dict[str, str] = {}
    for record in records:
        meta = record.get("meta") or {}
        name = normalise_agency(meta.get("agency"))
        agency = aliases.get(name, name) or "unknown"
        year = meta.get("year")
        for weakness in record.get("weaknesses") or []:
            text = weakness.get("text", "")
            text = texts.setdefault(text, text)
            key = _text_key(text)
            if not key:
                continue
            key, found = cache.get(key) or cache.setdefault(key, (key, shingles(key)))
            improvement = weakness.get("improvement")
            if improvement is not None:
                improvement = texts.setdefault(improvement, improvement)
            items.append(
                _Item(
                    record.get("doc_id"),
                    agency,
                    year,
                    _intern(weakness.get("id")),
                    _intern(weakness.get("category")),
                    text,
                    improvement,
                    key,
                    found,
                )
            )
    return items


def _year_key(year: Any) -> str:
    return str(year) if year is not None else "unknown"


def _by_category(
    records: Iterable[dict[str, Any]], aliases: dict[str, str]
) -> dict[str, Any]:
    """Reports and agencies stating each category, by year. Reports are counted
    (each record is seen once), agencies collected: memory grows with the
    agencies, not the reports."""
    reports: Counter[str] = Counter()
    agencies: dict[str, set[str]] = defaultdict(set)
    by_year: dict[str, dict[str, list]] = defaultdict(
        lambda: defaultdict(lambda: [0, set()])
    )
    for record in records:
        meta = record.get("meta") or {}
        name = normalise_agency(meta.get("agency"))
        agency = aliases.get(name, name) or "unknown"
        year = _year_key(meta.get("year"))
        stated = {w.get("category") or "other" for w in record.get("weaknesses") or []}
        for category in stated:
            reports[category] += 1
            agencies[category].add(agency)
            entry = by_year[category][year]
            entry[0] += 1
            entry[1].add(agency)
    return {
        category: {
            "reports": reports[category],
            "agencies": len(agencies[category]),
            "by_year": {
                year: {"reports": r, "agencies": len(a)}
                for year, (r, a) in sorted(by_year[category].items())
            },
        }
        for category in sorted(reports, key=lambda c: (-reports[c], c))
    }


def _occurrence(item: _Item) -> dict[str, Any]:
    return {
        "doc_id": item.doc_id,
        "agency": item.agency,
        "year": item.year,
        "id": item.id,
        "category": item.category,
        "text": item.text,
    }


def _by_agency(items: list[_Item], names: dict[str, set[str]]) -> dict[str, Any]:
    """Per agency: same-category, same-wording statements of several years."""
    result: dict[str, Any] = {}
    by_agency: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        by_agency[item.agency].append(item)
    for agency in sorted(by_agency):
        group_items = by_agency[agency]
        repeated = []
        for members in _same_wording_groups(group_items):
            found = sorted((group_items[i] for i in members), key=_order)
            years = sorted({i.year for i in found if i.year is not None})
            if len(years) < 2:
                continue
            repeated.append(_repeat_entry(found, years))
        categories: dict[str, set] = defaultdict(set)
        for item in group_items:
            if item.year is not None:
                categories[item.category].add(item.year)
        result[agency] = {
            "names": sorted(names.get(agency, {agency})),
            "years": sorted({i.year for i in group_items if i.year is not None}),
            "categories_in_several_years": {
                c: sorted(y) for c, y in sorted(categories.items()) if len(y) > 1
            },
            "repeated": sorted(
                repeated, key=lambda r: (-len(r["years"]), r["years"][0])
            ),
        }
    return result


def _same_wording_groups(items: list[_Item]) -> list[list[int]]:
    """Indexes of ``items`` (one agency's) that say the same: one category and
    ``SAME_WORDING`` containment, linked transitively; ordered by first index."""
    key_items: dict[tuple[Any, str], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        key_items[item.category, item.key].append(index)
    by_category: dict[Any, list[tuple[Any, str]]] = defaultdict(list)
    for ckey in key_items:
        by_category[ckey[0]].append(ckey)
    found = []
    for ckeys in by_category.values():
        sets = [items[key_items[c][0]].shingles for c in ckeys]

        def same(i: int, j: int, sets: list = sets) -> bool:
            return containment(sets[i], sets[j]) >= SAME_WORDING

        groups = connected_groups(len(sets), same)
        found += [
            sorted(i for m in members for i in key_items[ckeys[m]])
            for members in groups.members()
        ]
    return sorted(found)


def _order(item: _Item) -> tuple:
    return (
        item.year if item.year is not None else 0,
        str(item.doc_id),
        str(item.id),
    )


def _repeat_entry(found: list[_Item], years: list[int]) -> dict[str, Any]:
    promised = []
    for year in years[:-1]:
        for item in found:
            if item.year == year and item.improvement:
                promised.append({"year": year, "text": item.improvement})
                break
    parts = [f"stated in {years[0]}"]
    if promised:
        parts.append(f"promised to fix in {_join([p['year'] for p in promised])}")
    parts.append(f"admitted again in {_join(years[1:])}")
    return {
        "category": found[0].category,
        "years": years,
        "text": found[0].text,
        "statements": [_occurrence(i) for i in found],
        "promised": promised,
        "summary": ", ".join(parts),
    }


def _join(years: list[Any]) -> str:
    years = [str(y) for y in years]
    return years[0] if len(years) == 1 else ", ".join(years[:-1]) + " and " + years[-1]


def _boilerplate(items: list[_Item]) -> list[dict[str, Any]]:
    """Statements copied near-verbatim across agencies or years."""
    key_items: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        key_items[item.key].append(index)
    keys = list(key_items)
    sets = [items[key_items[k][0]].shingles for k in keys]
    groups = near_duplicate_groups(sets, BOILERPLATE)
    result = []
    for members in _group_items(keys, groups.members(), key_items):
        found = sorted((items[i] for i in members), key=_order)
        agencies = sorted({i.agency for i in found})
        years = sorted({i.year for i in found if i.year is not None})
        if len(found) < 2 or (len(agencies) < 2 and len(years) < 2):
            continue
        result.append(
            {
                "text": found[0].text,
                "category": found[0].category,
                "reports": len({i.doc_id for i in found}),
                "agencies": agencies,
                "years": years,
                "occurrences": [_occurrence(i) for i in found],
            }
        )
    return sorted(result, key=lambda b: (-b["reports"], b["text"]))


def find_recurring(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Recurring weaknesses of ``records`` (output records with ``meta.agency``,
    ``meta.year`` and ``weaknesses``): ``by_category``, ``by_agency``,
    ``boilerplate``, and a short ``summary`` of the three."""
    # Counted, not listed: agency_aliases picks each agency's most frequent name.
    names = Counter((r.get("meta") or {}).get("agency") for r in records)
    aliases = agency_aliases(n for n in names.elements() if n)
    known: dict[str, set[str]] = defaultdict(set)
    for name, canonical in aliases.items():
        known[canonical].add(name)
    items = _items(records, aliases)
    by_category = _by_category(records, aliases)
    by_agency = _by_agency(items, known)
    boilerplate = _boilerplate(items)
    repeats = [
        {"agency": agency, **{k: r[k] for k in ("category", "years", "summary")}}
        for agency, entry in by_agency.items()
        for r in entry["repeated"]
    ]
    return {
        "reports": len(records),
        "agencies": len(set(aliases.values())),
        "weaknesses": len(items),
        "thresholds": {
            "same_wording": SAME_WORDING,
            "boilerplate": BOILERPLATE,
            "shingle": SHINGLE,
        },
        "summary": {
            "reports_by_category": {c: v["reports"] for c, v in by_category.items()},
            "agencies_repeating": len({r["agency"] for r in repeats}),
            "repeated": sorted(repeats, key=lambda r: (-len(r["years"]), r["agency"]))[
                :10
            ],
            "boilerplate_groups": len(boilerplate),
        },
        "by_category": by_category,
        "by_agency": by_agency,
        "boilerplate": boilerplate,
    }


@corpus_step(
    "recurring.v1",
    requires=("meta.agency", "meta.year", "weaknesses"),
    assigns=("recurrence",),
)
class Recurrence:
    """Corpus step: recurring weaknesses (``find_recurring``) over compact records.

    Returns the findings the writer puts into ``OUT/weaknesses.json``.
    """

    def __init__(self, config: Any = None):
        self.config = config

    def initialize(self) -> Recurrence:
        return self

    def __call__(self, compacts: list[dict[str, Any]]) -> dict[str, Any]:
        return find_recurring(compacts)
