"""Scorers, one per task of docs/GOLD.md "Scoring": output records against gold records.

Each scorer is registered under the task name a stage declares (``scorer="cells"`` on
``tables.v1``); ``score_document`` runs them all on one document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..text.matching import norm, overlap_ok, same_number

TASKS = (
    "meta",
    "sections",
    "cells",
    "metrics",
    "indicators",
    "checks",
    "weaknesses",
    "categories",
)


@dataclass
class Score:
    """Counts for one task: ``correct`` of ``total``, and details of the misses."""

    correct: int = 0
    total: int = 0
    misses: list[Any] = field(default_factory=list)
    extra: int = 0  # false alarms (checks) or unmatched predictions (precision)

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None

    def add(self, ok: bool, miss: Any = None) -> None:
        self.total += 1
        self.correct += int(ok)
        if not ok and miss is not None:
            self.misses.append(miss)

    def merge(self, other: Score) -> None:
        self.correct += other.correct
        self.total += other.total
        self.extra += other.extra


Scorer = Callable[..., None]
# A scorer fills the Scores of the tasks it is registered with, in that order.
SCORERS: dict[str, tuple[tuple[str, ...], Scorer]] = {}


def scorer(*tasks: str) -> Callable[[Scorer], Scorer]:
    def register(function: Scorer) -> Scorer:
        SCORERS[tasks[0]] = (tasks, function)
        return function

    return register


def score_document(gold: dict[str, Any], pred: dict[str, Any]) -> dict[str, Score]:
    scores = {task: Score() for task in TASKS}
    for tasks, function in SCORERS.values():
        function(gold, pred, *(scores[t] for t in tasks))
    return scores


@scorer("meta")
def _meta(gold, pred, score: Score) -> None:
    g, p = gold.get("meta", {}), pred.get("meta", {})
    ga, pa = norm(g.get("agency")), norm(p.get("agency"))
    agency = bool(ga and pa) and (ga in pa or pa in ga)
    year = g.get("year") == p.get("year")
    template = g.get("template") == p.get("template")
    score.add(
        agency and year and template,
        {"gold": g, "pred": {k: p.get(k) for k in ("agency", "year", "template")}},
    )


@scorer("sections")
def _sections(gold, pred, score: Score) -> None:
    out = [(norm(s["title"]), s) for s in pred.get("sections", []) if s.get("title")]
    used: set[int] = set()
    for gs in gold.get("sections", []):
        title = norm(gs["title"])
        candidates = [i for i, (t, _) in enumerate(out) if i not in used and t == title]
        if not candidates:
            candidates = [
                i
                for i, (t, _) in enumerate(out)
                if i not in used and t and (title in t or t in title)
            ]
        if not candidates:
            score.add(False, {"title": gs["title"], "gold": gs["label"], "pred": None})
            continue
        i = candidates[0]
        used.add(i)
        label = out[i][1].get("label")
        score.add(
            label == gs["label"],
            {"title": gs["title"], "gold": gs["label"], "pred": label},
        )


@scorer("cells")
def _cells(gold, pred, score: Score) -> None:
    cells: dict[str, Any] = {}
    for table in pred.get("tables", []):
        for cell in table.get("cells", []):
            ind = cell.get("indicator")
            if ind and ind not in cells and cell.get("value") is not None:
                cells[ind] = cell.get("value")
    for ind, value in gold.get("cells", {}).items():
        got = cells.get(ind)
        score.add(
            same_number(got, value), {"indicator": ind, "gold": value, "pred": got}
        )


@scorer("metrics", "indicators")
def _metrics(gold, pred, recall: Score, indicators: Score) -> None:
    out = pred.get("metrics", [])
    used: set[int] = set()
    for gm in gold.get("metrics", []):
        found = None
        for i, m in enumerate(out):
            if i in used or not same_number(m.get("value"), gm.get("value")):
                continue
            if (m.get("unit") or None) != (gm.get("unit") or None):
                continue
            if overlap_ok(m.get("text", ""), gm.get("text", "")):
                found = i
                break
        recall.add(
            found is not None,
            {"text": gm["text"], "value": gm.get("value"), "unit": gm.get("unit")},
        )
        if found is not None:
            used.add(found)
            got = out[found].get("indicator")
            indicators.add(
                got == gm.get("indicator"),
                {"text": gm["text"], "gold": gm.get("indicator"), "pred": got},
            )
    recall.extra = len(out) - len(used)


@scorer("checks")
def _checks(gold, pred, score: Score) -> None:
    fails = [
        c
        for c in pred.get("checks", [])
        if c.get("verdict") == "fail" and c.get("kind") != "cross_year"
    ]
    used: set[int] = set()
    for gc in gold.get("checks", []):
        found = next(
            (
                i
                for i, c in enumerate(fails)
                if i not in used
                and c.get("kind") == gc.get("kind")
                and c.get("indicator") == gc.get("indicator")
            ),
            None,
        )
        score.add(found is not None, gc)
        if found is not None:
            used.add(found)
    score.extra = len(fails) - len(used)
    score.misses.extend(
        {
            "false_alarm": {
                k: c.get(k)
                for k in ("kind", "rule", "indicator", "left", "right", "message")
            }
        }
        for i, c in enumerate(fails)
        if i not in used
    )


@scorer("weaknesses", "categories")
def _weaknesses(gold, pred, recall: Score, categories: Score) -> None:
    out = pred.get("weaknesses", [])
    used: set[int] = set()
    for gw in gold.get("weaknesses", []):
        found = next(
            (
                i
                for i, w in enumerate(out)
                if i not in used and overlap_ok(w.get("text", ""), gw["text"])
            ),
            None,
        )
        recall.add(found is not None, {"text": gw["text"]})
        if found is not None:
            used.add(found)
            got = out[found].get("category")
            categories.add(
                got == gw["category"],
                {"text": gw["text"], "gold": gw["category"], "pred": got},
            )
    recall.extra = len(out) - len(used)
