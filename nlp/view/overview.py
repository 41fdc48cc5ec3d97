"""What the corpus overview shows: counts, failed and uncertain checks by agency and
rule, weakness categories by year, recurring weaknesses, the reports that failed to
read and why, and every report in one sortable table."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .agency import verdict_counts
from .report import Links

REVIEWED = ("fail", "uncertain")


def _rule_key(check: dict[str, Any]) -> str:
    return f"{check.get('kind') or ''}:{check.get('rule') or ''}"


def overview_context(
    docs: list[dict[str, Any]],
    agencies: dict[str, list[dict[str, Any]]],
    agency_pages: dict[str, str],
    summary: dict[str, Any],
    recurring: dict[str, Any],
    problems: list[dict[str, str]],
    links: Links,
) -> dict[str, Any]:
    """The template context of ``index.html`` (plots added by the site)."""
    agency_of = {d["doc_id"]: a for a, members in agencies.items() for d in members}
    verdicts: dict[str, Counter] = defaultdict(Counter)
    by_rule: dict[str, Counter] = defaultdict(Counter)
    by_agency_rule: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_agency_rule_docs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in docs:
        for check in doc["checks"]:
            verdict = str(check.get("verdict"))
            verdicts[str(check.get("kind") or "")][verdict] += 1
            if verdict in REVIEWED:
                key = _rule_key(check)
                by_rule[key][verdict] += 1
                cell = (agency_of[doc["doc_id"]], key)
                by_agency_rule[cell][verdict] += 1
                if doc["doc_id"] not in by_agency_rule_docs[cell]:
                    by_agency_rule_docs[cell].append(doc["doc_id"])
    agency_rule = [
        {
            "agency": agency,
            "href": agency_pages[agency],
            "rule": rule,
            "fail": counts["fail"],
            "uncertain": counts["uncertain"],
            "reports": [
                {"doc_id": d, "href": links.report(d)}
                for d in by_agency_rule_docs[(agency, rule)]
            ],
        }
        for (agency, rule), counts in sorted(by_agency_rule.items())
    ]
    agency_rows = []
    for agency, members in agencies.items():
        counts = Counter()
        for doc in members:
            counts.update(verdict_counts(doc))
        years = sorted(
            {d["meta"].get("year") for d in members if d["meta"].get("year")}
        )
        agency_rows.append(
            {
                "agency": agency,
                "href": agency_pages[agency],
                "reports": len(members),
                "years": f"{years[0]}–{years[-1]}"
                if len(years) > 1
                else (str(years[0]) if years else ""),
                "fail": counts["fail"],
                "uncertain": counts["uncertain"],
                "weaknesses": sum(len(d["weaknesses"]) for d in members),
            }
        )
    reports = []
    failed = []
    for doc in docs:
        counts = verdict_counts(doc)
        meta = doc["meta"]
        href = links.report(doc["doc_id"])
        reports.append(
            {
                "doc_id": doc["doc_id"],
                "href": href,
                "agency": agency_of[doc["doc_id"]],
                "agency_href": agency_pages[agency_of[doc["doc_id"]]],
                "year": meta.get("year"),
                "template": meta.get("template") or "unknown",
                "format": doc["source"].get("format") or "",
                "chars": len(doc["text"]),
                "tables": len(doc["tables"]),
                "fail": counts["fail"],
                "uncertain": counts["uncertain"],
                "weaknesses": len(doc["weaknesses"]),
                "errors": len(doc["errors"]),
            }
        )
        for error in doc["errors"]:
            failed.append(
                {
                    "doc_id": doc["doc_id"],
                    "href": href,
                    "stage": error.get("stage") or "",
                    "code": error.get("code") or "",
                    "reason": error.get("reason") or "",
                    "message": error.get("message") or "",
                }
            )
    known = {d["doc_id"] for d in docs}
    for failure in summary.get("failures") or []:
        if failure.get("doc_id") not in known:
            for message in failure.get("errors") or []:
                failed.append(
                    {
                        "doc_id": failure.get("doc_id"),
                        "href": None,
                        "stage": "",
                        "code": "",
                        "reason": "",
                        "message": str(message),
                    }
                )
    for problem in problems:
        failed.append(
            {
                "doc_id": problem["file"],
                "href": None,
                "stage": "view",
                "code": "",
                "reason": "unreadable record",
                "message": problem["message"],
            }
        )
    rules = sorted(by_rule.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    by_category = recurring.get("by_category") or {}
    categories = sorted(
        by_category, key=lambda c: (-int((by_category[c] or {}).get("reports") or 0), c)
    )
    years = sorted(
        {y for c in categories for y in (by_category[c].get("by_year") or {})}
    )
    category_counts = {
        (c, y): int(
            ((by_category[c].get("by_year") or {}).get(y) or {}).get("reports") or 0
        )
        for c in categories
        for y in years
    }
    templates: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        year = doc["meta"].get("year")
        templates[doc["meta"].get("template") or "unknown"][
            str(year) if year else "?"
        ] += 1
    report_years = sorted({y for c in templates.values() for y in c})
    repeated = (recurring.get("summary") or {}).get("repeated")
    if repeated is None:
        repeated = (summary.get("recurring_weaknesses") or {}).get("repeated") or []
    return {
        "summary": summary,
        "counts": summary.get("counts") or {},
        "documents": len(docs),
        "agencies": len(agencies),
        "verdict_kinds": sorted(verdicts),
        "verdicts": {k: dict(v) for k, v in verdicts.items()},
        "verdict_names": ["fail", "uncertain", "not_assessable", "pass"],
        "rules": [(k, c["fail"], c["uncertain"]) for k, c in rules],
        "agency_rule": agency_rule,
        "agency_rows": agency_rows,
        "categories": categories,
        "category_years": years,
        "category_counts": category_counts,
        "category_table": [
            {
                "category": c,
                "reports": (by_category[c] or {}).get("reports") or 0,
                "agencies": (by_category[c] or {}).get("agencies") or 0,
                "values": [category_counts[(c, y)] for y in years],
            }
            for c in categories
        ],
        "report_years": report_years,
        "templates": {k: dict(v) for k, v in templates.items()},
        "repeated": [
            dict(item, href=agency_pages.get(item.get("agency"))) for item in repeated
        ],
        "boilerplate": recurring.get("boilerplate") or [],
        "failed": failed,
        "reports": reports,
    }
