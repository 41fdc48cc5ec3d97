"""Recurring weaknesses across a corpus of output records (docs/SPEC.md §2, last paragraph).

``find_recurring`` is a pure function over the records ``nlp.run`` writes: how many
reports and agencies state each category (by year); what each agency admits again in
later years, with the measure it had promised; and problem text copied near-verbatim
across agencies or years (MinHash LSH over character shingles).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from datasketch import MinHash, MinHashLSH

from ..pipeline.registry import corpus_step
from ..stages.meta.agency import agency_aliases, normalise_agency
from ..stages.weaknesses.cues import statement_text

_PUNCT = re.compile(r"[\W_]+")

SHINGLE = 3
NUM_PERM = 128
# Two statements of one agency say the same when this share of the shorter one's
# character shingles is in the other (an agency repeating itself, lightly edited).
SAME_WORDING = 0.6
# Jaccard similarity of character shingles from which statements count as copied text.
BOILERPLATE = 0.7


def _text_key(text: str) -> str:
    return _PUNCT.sub("", statement_text(text))


def _shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE:
        return {text} if text else set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _containment(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


class _Groups:
    """Union-find over item indexes."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def members(self) -> list[list[int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            groups[self.find(i)].append(i)
        return sorted(groups.values())


def _items(
    records: list[dict[str, Any]], aliases: dict[str, str]
) -> list[dict[str, Any]]:
    items = []
    for record in records:
        meta = record.get("meta") or {}
        name = normalise_agency(meta.get("agency"))
        agency = aliases.get(name, name) or "unknown"
        year = meta.get("year")
        for weakness in record.get("weaknesses") or []:
            key = _text_key(weakness.get("text", ""))
            if not key:
                continue
            items.append(
                {
                    "doc_id": record.get("doc_id"),
                    "agency": agency,
                    "year": year,
                    "id": weakness.get("id"),
                    "category": weakness.get("category"),
                    "text": weakness.get("text", ""),
                    "improvement": weakness.get("improvement"),
                    "shingles": _shingles(key),
                }
            )
    return items


def _year_key(year: Any) -> str:
    return str(year) if year is not None else "unknown"


def _by_category(
    records: list[dict[str, Any]], aliases: dict[str, str]
) -> dict[str, Any]:
    reports: dict[str, set[int]] = defaultdict(set)
    agencies: dict[str, set[str]] = defaultdict(set)
    by_year: dict[str, dict[str, list[set]]] = defaultdict(
        lambda: defaultdict(lambda: [set(), set()])
    )
    for index, record in enumerate(records):
        meta = record.get("meta") or {}
        name = normalise_agency(meta.get("agency"))
        agency = aliases.get(name, name) or "unknown"
        year = _year_key(meta.get("year"))
        for weakness in record.get("weaknesses") or []:
            category = weakness.get("category") or "other"
            reports[category].add(index)
            agencies[category].add(agency)
            by_year[category][year][0].add(index)
            by_year[category][year][1].add(agency)
    return {
        category: {
            "reports": len(reports[category]),
            "agencies": len(agencies[category]),
            "by_year": {
                year: {"reports": len(r), "agencies": len(a)}
                for year, (r, a) in sorted(by_year[category].items())
            },
        }
        for category in sorted(reports, key=lambda c: (-len(reports[c]), c))
    }


def _occurrence(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc_id": item["doc_id"],
        "agency": item["agency"],
        "year": item["year"],
        "id": item["id"],
        "category": item["category"],
        "text": item["text"],
    }


def _by_agency(
    items: list[dict[str, Any]], names: dict[str, set[str]]
) -> dict[str, Any]:
    """Per agency: same-category, same-wording statements of several years."""
    result: dict[str, Any] = {}
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_agency[item["agency"]].append(item)
    for agency in sorted(by_agency):
        group_items = by_agency[agency]
        groups = _Groups(len(group_items))
        for i, a in enumerate(group_items):
            for j in range(i + 1, len(group_items)):
                b = group_items[j]
                if a["category"] == b["category"] and (
                    _containment(a["shingles"], b["shingles"]) >= SAME_WORDING
                ):
                    groups.union(i, j)
        repeated = []
        for members in groups.members():
            found = sorted((group_items[i] for i in members), key=_order)
            years = sorted({i["year"] for i in found if i["year"] is not None})
            if len(years) < 2:
                continue
            repeated.append(_repeat_entry(found, years))
        categories: dict[str, set] = defaultdict(set)
        for item in group_items:
            if item["year"] is not None:
                categories[item["category"]].add(item["year"])
        result[agency] = {
            "names": sorted(names.get(agency, {agency})),
            "years": sorted({i["year"] for i in group_items if i["year"] is not None}),
            "categories_in_several_years": {
                c: sorted(y) for c, y in sorted(categories.items()) if len(y) > 1
            },
            "repeated": sorted(
                repeated, key=lambda r: (-len(r["years"]), r["years"][0])
            ),
        }
    return result


def _order(item: dict[str, Any]) -> tuple:
    return (
        item["year"] if item["year"] is not None else 0,
        str(item["doc_id"]),
        str(item["id"]),
    )


def _repeat_entry(found: list[dict[str, Any]], years: list[int]) -> dict[str, Any]:
    promised = []
    for year in years[:-1]:
        for item in found:
            if item["year"] == year and item["improvement"]:
                promised.append({"year": year, "text": item["improvement"]})
                break
    parts = [f"stated in {years[0]}"]
    if promised:
        parts.append(f"promised to fix in {_join([p['year'] for p in promised])}")
    parts.append(f"admitted again in {_join(years[1:])}")
    return {
        "category": found[0]["category"],
        "years": years,
        "text": found[0]["text"],
        "statements": [_occurrence(i) for i in found],
        "promised": promised,
        "summary": ", ".join(parts),
    }


def _join(years: list[Any]) -> str:
    years = [str(y) for y in years]
    return years[0] if len(years) == 1 else ", ".join(years[:-1]) + " and " + years[-1]


def _boilerplate(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements copied near-verbatim across agencies or years."""
    lsh = MinHashLSH(threshold=BOILERPLATE, num_perm=NUM_PERM)
    hashes = []
    for index, item in enumerate(items):
        minhash = MinHash(num_perm=NUM_PERM, seed=1)
        minhash.update_batch([s.encode("utf-8") for s in sorted(item["shingles"])])
        hashes.append(minhash)
        lsh.insert(str(index), minhash)
    groups = _Groups(len(items))
    for index, minhash in enumerate(hashes):
        for other in lsh.query(minhash):
            j = int(other)
            # LSH proposes candidates; the exact similarity decides.
            if (
                j != index
                and _jaccard(items[index]["shingles"], items[j]["shingles"])
                >= BOILERPLATE
            ):
                groups.union(index, j)
    result = []
    for members in groups.members():
        found = sorted((items[i] for i in members), key=_order)
        agencies = sorted({i["agency"] for i in found})
        years = sorted({i["year"] for i in found if i["year"] is not None})
        if len(found) < 2 or (len(agencies) < 2 and len(years) < 2):
            continue
        result.append(
            {
                "text": found[0]["text"],
                "category": found[0]["category"],
                "reports": len({i["doc_id"] for i in found}),
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
    names = [(r.get("meta") or {}).get("agency") for r in records]
    aliases = agency_aliases(n for n in names if n)
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
