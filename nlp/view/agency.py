"""What one agency's page shows: its reports year by year, the cross-year checks, the
indicator series and the weaknesses it states again and again.

Reports are grouped into agencies by ``nlp.stages.meta.agency_aliases``, the same
grouping the cross-year checks and the recurrence step use (淮安市洪泽区人民政府 and
洪泽区人民政府 are one agency).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..stages.meta.agency import agency_aliases, normalise_agency
from .report import Links, check_numbers, number

UNKNOWN = "(agency not found)"
SERIES_SHOWN = 4


def group_agencies(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{agency: its reports by year}; reports without an agency under UNKNOWN."""
    names = [d["meta"].get("agency") for d in docs if d["meta"].get("agency")]
    aliases = agency_aliases(names)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        name = doc["meta"].get("agency")
        key = aliases.get(normalise_agency(name), name) if name else UNKNOWN
        groups[key].append(doc)
    for members in groups.values():
        members.sort(key=lambda d: (d["meta"].get("year") or 0, d["doc_id"]))
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == UNKNOWN, kv[0])))


def verdict_counts(doc: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for check in doc["checks"]:
        counts[str(check.get("verdict"))] += 1
    return counts


def series(
    docs: list[dict[str, Any]],
) -> list[tuple[str, list[tuple[int, float]]]]:
    """The indicators read from the tables in two years or more: those that change
    first, then most years, totals before their parts. [(title, [(year, value)])],
    the title naming the row as the report words it."""
    values: dict[str, dict[int, float]] = defaultdict(dict)
    rows: dict[str, str] = {}
    for doc in docs:
        year = doc["meta"].get("year")
        if not isinstance(year, int):
            continue
        for table in doc["tables"]:
            for cell in table.get("cells") or []:
                indicator, value = cell.get("indicator"), cell.get("value")
                if not indicator or not isinstance(value, (int, float)):
                    continue
                if cell.get("status", "ok") not in ("ok", "inferred"):
                    continue
                values[indicator].setdefault(year, value)
                rows.setdefault(indicator, str(cell.get("row") or ""))
    ranked = sorted(
        (k for k, v in values.items() if len(v) >= 2),
        key=lambda k: (
            len(set(values[k].values())) == 1,
            -len(values[k]),
            not k.endswith(".total"),
            k,
        ),
    )
    return [
        (f"{rows[k]} ({k})" if rows.get(k) else k, sorted(values[k].items()))
        for k in ranked
    ]


def agency_context(
    name: str,
    docs: list[dict[str, Any]],
    recurring: dict[str, Any],
    links: Links,
) -> dict[str, Any]:
    """The template context of one agency page (``plot`` added by the site)."""
    reports = []
    cross_year = []
    for doc in docs:
        counts = verdict_counts(doc)
        meta = doc["meta"]
        reports.append(
            {
                "year": meta.get("year"),
                "doc_id": doc["doc_id"],
                "href": links.report(doc["doc_id"]),
                "name": meta.get("agency") or "",
                "template": meta.get("template") or "unknown",
                "format": doc["source"].get("format") or "",
                "fail": counts["fail"],
                "uncertain": counts["uncertain"],
                "checks": len(doc["checks"]),
                "weaknesses": len(doc["weaknesses"]),
                "errors": len(doc["errors"]),
            }
        )
        for check in doc["checks"]:
            if check.get("kind") != "cross_year":
                continue
            compared = sorted(
                {str(ev.get("doc_id") or doc["doc_id"]) for ev in check["evidence"]}
            )
            cross_year.append(
                {
                    "year": meta.get("year"),
                    "verdict": check.get("verdict") or "",
                    "rule": check.get("rule") or "",
                    "message": check.get("message") or "",
                    "numbers": check_numbers(check),
                    "href": links.report(doc["doc_id"], "check", str(check.get("id"))),
                    "reports": compared,
                }
            )
    order = {"fail": 0, "uncertain": 1, "not_assessable": 2, "pass": 3}
    cross_year.sort(key=lambda c: (order.get(c["verdict"], 9), c["year"] or 0))
    found = series(docs)
    years = sorted({y for _, points in found[:SERIES_SHOWN] for y, _ in points})
    table = [
        {"indicator": k, "values": [number(dict(p).get(y)) for y in years]}
        for k, p in found[:SERIES_SHOWN]
    ]
    names = sorted({d["meta"].get("agency") for d in docs if d["meta"].get("agency")})
    repeated, several = [], {}
    by_agency = recurring.get("by_agency") or {}
    entries = {
        alias: by_agency[alias] for alias in [name, *names] if alias in by_agency
    }
    for entry in entries.values():
        for item in entry.get("repeated") or []:
            statements = [
                {
                    "year": s.get("year"),
                    "text": s.get("text") or "",
                    "href": links.report(str(s.get("doc_id")), "w", str(s.get("id"))),
                }
                for s in item.get("statements") or []
            ]
            repeated.append(
                {
                    "category": item.get("category") or "",
                    "years": item.get("years") or [],
                    "text": item.get("text") or "",
                    "statements": statements,
                }
            )
        for category, years_of in (
            entry.get("categories_in_several_years") or {}
        ).items():
            several.setdefault(category, set()).update(years_of)
    return {
        "name": name,
        "names": names,
        "reports": reports,
        "cross_year": cross_year,
        "series": found[:SERIES_SHOWN],
        "series_more": max(len(found) - SERIES_SHOWN, 0),
        "series_years": years,
        "series_table": table,
        "repeated": repeated,
        "several": sorted((k, sorted(v)) for k, v in several.items()),
    }
