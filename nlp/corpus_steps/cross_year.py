"""Cross-year checks: the same agency's consecutive reports compared (SPEC §4).

R5: 上年结转 (t3.carried_in.c) of year t against 结转下年度继续办理 (t3.carried_out.c)
of year t−1, column by column. R6: 现行有效件数 carried forward,
valid(t) ≈ valid(t−1) + made(t) − repealed(t). C1 (pre-2019 tables with a 历年累计
column): cumulative(t) = cumulative(t−1) + report year(t), row by row. Soft by nature:
a ``fail`` asks a person to look (reorganisations and restatements break these).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from ..pipeline.registry import corpus_step
from ..records import Check, Evidence
from ..stages.meta.agency import agency_groups

T3_COLUMNS = (
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal_service",
    "other_org",
    "total",
)
# A cell split out of a run-together number stream by arithmetic is as good as printed.
_READABLE = (None, "ok", "inferred")


def compact(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a record the corpus steps need, kept small: a corpus run holds
    one per report until the end (``cross_year_checks`` and ``find_recurring`` read
    it). JSON-ready. Cells are ``(value, start, end, status)`` under their indicator
    id; weaknesses keep their id, text, category and improvement."""
    cells: dict[str, tuple] = {}
    unsettled = False
    by_neighbour: list[str] = []
    for table in record.get("tables", []):
        table_cells = table.get("cells", [])
        for ambiguity in table.get("ambiguities") or []:
            positions = ambiguity.get("cells") or []
            if any(table_cells[i].get("status") == "unreadable" for i in positions):
                unsettled = True
            if ambiguity.get("settled_by"):
                by_neighbour += [_ref(table_cells, i) for i in positions]
        for i, cell in enumerate(table_cells):
            ind = cell.get("indicator")
            if ind and (ind.startswith(("t3.carried", "pre.")) or _t2_row(ind)):
                cells.setdefault(sys.intern(ind), _slim(cell))
            # A pre-2019 row's 历年累计 cell follows its report-year cell, no id of its own.
            nxt = table_cells[i + 1] if i + 1 < len(table_cells) else None
            if (
                ind
                and ind.startswith("pre.")
                and nxt
                and nxt.get("indicator") is None
                and nxt.get("row") == cell.get("row")
                and "累计" in (nxt.get("column") or "")
            ):
                cells.setdefault(sys.intern(ind + CUMULATIVE), _slim(nxt))
    # A pre-2019 figure is compared only through its 历年累计 (C1).
    for ref in [r for r in cells if r.startswith("pre.") and CUMULATIVE not in r]:
        if ref + CUMULATIVE not in cells:
            del cells[ref]
    meta = record.get("meta") or {}
    found: dict[str, Any] = {
        "doc_id": record["doc_id"],
        "meta": {"agency": meta.get("agency"), "year": meta.get("year")},
        "cells": cells,
        "weaknesses": [
            {key: weakness.get(key) for key in _WEAKNESS_FIELDS}
            for weakness in record.get("weaknesses") or []
        ],
    }
    # Only when present, to keep the compact small: the report has run-together
    # digits still unread (a neighbouring year may settle them), or cells settled by
    # a neighbouring year (no evidence for the cross-year check of that relation).
    if unsettled:
        found["unsettled"] = True
    if by_neighbour:
        found["by_neighbour"] = sorted({r for r in by_neighbour if r})
    return found


CUMULATIVE = "#cumulative"


_CELL_FIELDS = ("value", "start", "end", "status")
# The 2019+ table-2 cells R6 compares (_carry_forward).
_T2_ROWS = frozenset(
    f"t2.{row}.{column}"
    for row in ("rules", "normative")
    for column in ("valid", "made", "repealed")
)
# What recurrence reads of a weakness (nlp.corpus_steps.recurring).
_WEAKNESS_FIELDS = ("id", "text", "category", "improvement")


def _ref(cells: list[dict[str, Any]], i: int) -> str | None:
    """The compact key of ``cells[i]``: its indicator id, or ``<id>#cumulative``
    for the 历年累计 cell after a pre-2019 figure."""
    indicator = cells[i].get("indicator")
    if indicator:
        return indicator
    before = cells[i - 1].get("indicator") if i else None
    if (
        before
        and before.startswith("pre.")
        and "累计" in (cells[i].get("column") or "")
    ):
        return before + CUMULATIVE
    return None


def neighbour_pairs(
    reports: Iterable[tuple[str, str | None, int | None, bool]],
) -> dict[str, dict[str, str]]:
    """For each report with run-together digits still unread, the doc ids of the
    same agency's previous and next year (``{"previous": id, "next": id}``, either
    absent). ``reports``: (doc id, agency, year, unsettled) of the whole corpus."""
    reports = [r for r in reports if r[1] and r[2]]
    groups = agency_groups([agency for _, agency, _, _ in reports])
    by_year: dict[tuple[str, int], str] = {}
    for doc_id, agency, year, _ in reports:
        by_year.setdefault((groups[agency], int(year)), doc_id)
    pairs: dict[str, dict[str, str]] = {}
    for doc_id, agency, year, unsettled in reports:
        key = (groups[agency], int(year))
        if not unsettled or by_year[key] != doc_id:
            continue
        found = {
            side: by_year[(key[0], key[1] + step)]
            for side, step in (("previous", -1), ("next", 1))
            if (key[0], key[1] + step) in by_year
        }
        if found:
            pairs[doc_id] = found
    return pairs


def neighbours_wanted(pairs: dict[str, dict[str, str]]) -> set[str]:
    """The doc ids whose cells ``pairs`` (``neighbour_pairs``) asks for."""
    return {doc for pair in pairs.values() for doc in pair.values()}


def neighbour_plan(
    pairs: dict[str, dict[str, str]], offered: dict[str, dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """``resolve_splits``'s ``neighbours`` for each report of ``pairs``: the
    ``evidence_cells`` ``offered`` by each of its neighbouring years, by side. One
    plan for ``nlp.run``, ``nlp.spark`` and the in-memory evaluations."""
    return {
        doc: {side: offered[other] for side, other in pair.items()}
        for doc, pair in pairs.items()
    }


def evidence_cells(compacted: dict[str, Any]) -> dict[str, Any]:
    """What a report offers its neighbouring years' split solver: its cells that
    were printed or settled within it (not by a neighbour), by compact key."""
    skip = set(compacted.get("by_neighbour") or ())
    cells = {
        ref: cell[0]
        for ref, cell in compacted["cells"].items()
        if ref not in skip and cell[0] is not None and cell[3] in _READABLE
    }
    return {"doc_id": compacted["doc_id"], "cells": cells}


def neighbour_evidence(
    compacts: Sequence[dict[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """``resolve_splits``'s ``neighbours`` for every report that needs them and
    has a neighbouring year, by doc id (the compact records in memory)."""
    pairs = neighbour_pairs(
        (
            c["doc_id"],
            c["meta"].get("agency"),
            c["meta"].get("year"),
            bool(c.get("unsettled")),
        )
        for c in compacts
    )
    wanted = neighbours_wanted(pairs)
    offered = {
        c["doc_id"]: evidence_cells(c) for c in compacts if c["doc_id"] in wanted
    }
    return neighbour_plan(pairs, offered)


def _t2_row(indicator: str) -> bool:
    """A 2019+ table-2 cell a cross-year relation reads: R6's 规章/规范性文件
    counts, R7's 上一年项目数量 and 本年增/减."""
    return indicator in _T2_ROWS or (
        indicator.startswith("t2.") and indicator.endswith((".prev_items", ".change"))
    )


def _slim(cell: dict[str, Any]) -> tuple:
    return tuple(cell.get(k) for k in _CELL_FIELDS)


def _cell(compacted: dict[str, Any], ref: str) -> dict[str, Any] | None:
    """The cell ``ref`` of a compact record, as a mapping of ``_CELL_FIELDS``. A
    cell a neighbouring year settled gets status ``by_neighbour``: the cross-year
    check that chose it is no evidence of it, so it is ``uncertain``."""
    found = compacted["cells"].get(ref)
    if found is None:
        return None
    cell = dict(zip(_CELL_FIELDS, found))
    if ref in (compacted.get("by_neighbour") or ()):
        cell["status"] = "by_neighbour"
    return cell


def cross_year_checks(compacts: Sequence[dict[str, Any]]) -> dict[str, list[Check]]:
    """Checks for every pair of consecutive years of one agency, keyed by doc_id (t).

    Two passes over ``compacts`` (a sequence read from disk in a corpus run): one
    notes where each agency-year is, the other reads the pairs in (agency, year)
    order, holding two compact records at a time, not one a report."""
    groups = agency_groups(
        sorted({c["meta"]["agency"] for c in compacts if c["meta"].get("agency")})
    )
    by_agency: dict[tuple[str, int], int] = {}
    for index, c in enumerate(compacts):
        agency, year = c["meta"].get("agency"), c["meta"].get("year")
        if agency and year:
            by_agency.setdefault((groups[agency], int(year)), index)
    result: dict[str, list[Check]] = defaultdict(list)
    last_at, last = -1, None  # the last pair's current year, read already
    for (group, year), at in sorted(by_agency.items()):
        before = by_agency.get((group, year - 1))
        if before is None:
            continue
        previous = last if before == last_at else compacts[before]
        current = compacts[at]
        last_at, last = at, current
        checks = result[current["doc_id"]]
        for column in T3_COLUMNS:
            _compare(
                checks,
                "R5",
                current,
                f"t3.carried_in.{column}",
                previous,
                f"t3.carried_out.{column}",
            )
        for row in ("rules", "normative"):
            _carry_forward(checks, current, previous, row)
        _cumulative(checks, current, previous)
    return dict(result)


def _cumulative(checks, current, previous) -> None:
    """C1: this year's 历年累计 = last year's 历年累计 + this year's figure."""
    for key in sorted(current["cells"]):
        if not key.endswith(CUMULATIVE):
            continue
        indicator = key[: -len(CUMULATIVE)]
        cum, prev_cum = _cell(current, key), _cell(previous, key)
        year = _cell(current, indicator)
        if prev_cum is None or year is None:
            continue
        _balance_check(
            checks,
            "C1",
            (current, key, cum),
            [(previous, key, prev_cum, 1), (current, indicator, year, 1)],
            indicator,
            f"历年累计 of {indicator} ({current['meta'].get('year')}) vs last "
            f"year's 历年累计 + this year's figure ({previous['doc_id']})",
        )


def _compare(checks, rule, current, this_id, previous, prev_id) -> None:
    a = _cell(current, this_id)
    b = _cell(previous, prev_id)
    if a is None and b is None:
        return
    verdict, left, right = _verdict(a, b)
    checks.append(
        Check(
            id=f"xy{len(checks)}",
            kind="cross_year",
            rule=rule,
            verdict=verdict,
            left=left,
            right=right,
            expected=right,
            indicator=this_id,
            evidence=_evidence(current, this_id, a) + _evidence(previous, prev_id, b),
            message=(
                f"{this_id} ({current['meta'].get('year')}) vs {prev_id} "
                f"({previous['meta'].get('year')}, {previous['doc_id']})"
            ),
        )
    )


def _carry_forward(checks, current, previous, row) -> None:
    valid = _cell(current, f"t2.{row}.valid")
    prev_valid = _cell(previous, f"t2.{row}.valid")
    made = _cell(current, f"t2.{row}.made")
    repealed = _cell(current, f"t2.{row}.repealed")
    if valid is None or prev_valid is None:
        return
    _balance_check(
        checks,
        "R6",
        (current, f"t2.{row}.valid", valid),
        [
            (previous, f"t2.{row}.valid", prev_valid, 1),
            (current, f"t2.{row}.made", made, 1),
            (current, f"t2.{row}.repealed", repealed, -1),
        ],
        f"t2.{row}.valid",
        "现行有效件数(t) vs 现行有效件数(t-1) + 本年制发(t) - 本年废止(t); "
        "amendments and clean-ups also change it, so a fail asks a person to look",
    )


def _balance_check(checks, rule, target, terms, indicator, message) -> None:
    """Append the check ``target == Σ sign × term``; ``target`` is (record, ref, cell),
    each term (record, ref, cell, sign). Evidence lists the target, then the terms."""
    record, ref, cell = target
    verdict, expected = _balance(cell, [(c, sign) for _, _, c, sign in terms])
    evidence = _evidence(record, ref, cell)
    for term_record, term_ref, term_cell, _ in terms:
        evidence += _evidence(term_record, term_ref, term_cell)
    checks.append(
        Check(
            id=f"xy{len(checks)}",
            kind="cross_year",
            rule=rule,
            verdict=verdict,
            left=cell.get("value"),
            right=expected,
            expected=expected,
            indicator=indicator,
            evidence=evidence,
            message=message,
        )
    )


def _balance(target, terms) -> tuple[str, float | int | None]:
    """Verdict of ``target == Σ sign × term`` and the expected value: a missing
    operand gives not_assessable, an unreadable one uncertain, never fail."""
    operands = [target] + [cell for cell, _ in terms]
    if any(o is None or o.get("value") is None for o in operands):
        return "not_assessable", None
    expected = sum(sign * cell["value"] for cell, sign in terms)
    if any(o.get("status") not in _READABLE for o in operands):
        return "uncertain", expected
    return ("pass" if abs(target["value"] - expected) < 1e-6 else "fail"), expected


def _verdict(a, b):
    left = a.get("value") if a else None
    right = b.get("value") if b else None
    if left is None or right is None:
        return "not_assessable", left, right
    if a.get("status") not in _READABLE or b.get("status") not in _READABLE:
        return "uncertain", left, right
    return ("pass" if left == right else "fail"), left, right


def _evidence(record, ref, cell) -> list[Evidence]:
    if not cell:
        return []
    return [
        Evidence(
            ref=ref,
            start=cell.get("start") or 0,
            end=cell.get("end") or 0,
            value=cell.get("value"),
            doc_id=record["doc_id"],
        )
    ]


@corpus_step(
    "cross_year.v1",
    requires=("meta.agency", "meta.year", "tables"),
    assigns=("checks",),
)
class CrossYearChecks:
    """Corpus step: the cross-year checks of every agency's consecutive reports.

    Needs compact records (``compact``). Returns the new checks keyed by the doc_id of
    the later report; the writer appends them to that record's ``checks``.
    """

    def __init__(self, config: Any = None):
        self.config = config

    def initialize(self) -> CrossYearChecks:
        return self

    def __call__(self, compacts: Sequence[dict[str, Any]]) -> dict[str, list[Check]]:
        return cross_year_checks(compacts)
