"""Scorers, one per task of docs/GOLD.md "Scoring": output records against gold records.

Each scorer is registered under the task name a stage declares (``scorer="cells"`` on
``tables.v1``); ``score_document`` runs them all on one document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..stages.meta.agency import same_agency
from ..text.matching import norm, overlap_ok, same_number

TASKS = (
    "meta",
    "agency",
    "agency_recall",
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


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str | None) -> str:
    """Text as compared: docs/GOLD.md ``norm``, then traditional folded to simplified.

    Gold is written as the source prints it (nanshan, yaohai: traditional script),
    while the pipeline's text is simplified; both sides are folded alike."""
    text = norm(text)
    return _t2s().convert(text) if text else text


def _pred_names(meta: dict[str, Any]) -> list[str]:
    """The names a prediction gives: the canonical name and the form as printed."""
    names = [meta.get("agency"), meta.get("agency_printed")]
    return [fold(n) for n in names if n]


def _agency_right(gold_name: str | None, meta: dict[str, Any]) -> bool:
    """docs/GOLD.md: one name contains the other (兴华乡 / 兴华乡人民政府)."""
    g = fold(gold_name)
    return bool(g) and any(g in p or p in g for p in _pred_names(meta))


@scorer("meta")
def _meta(gold, pred, score: Score) -> None:
    g, p = gold.get("meta", {}), pred.get("meta", {})
    if g.get("agency"):
        agency = bool(p.get("agency")) and _agency_right(g.get("agency"), p)
    else:  # the gold names no agency (none is stated): neither must the output
        agency = not p.get("agency")
    year = g.get("year") == p.get("year")
    template = g.get("template") == p.get("template")
    score.add(
        agency and year and template,
        {"gold": g, "pred": {k: p.get(k) for k in ("agency", "year", "template")}},
    )


@scorer("agency", "agency_recall")
def _agency(gold, pred, precision: Score, recall: Score) -> None:
    """Agency precision over the reports given a name, recall over the reports whose
    gold names one. Stricter than ``meta``: the names must be one agency by
    ``same_agency`` (a name without its own place, 区司法局, names none), compared
    after folding traditional script to simplified; the canonical name or the form as
    printed may match. A name where the gold has none is a wrong name."""
    g, p = gold.get("meta", {}), pred.get("meta", {})
    gold_name = fold(g.get("agency"))
    named = bool(p.get("agency"))
    right = bool(gold_name) and any(
        same_agency(gold_name, name) for name in _pred_names(p)
    )
    miss = {
        "gold": g.get("agency"),
        "pred": p.get("agency"),
        "printed": p.get("agency_printed"),
        "candidates": p.get("agency_candidates"),
    }
    if named:
        precision.add(right, miss)
    if gold_name:
        recall.add(named and right, miss)


@scorer("sections")
def _sections(gold, pred, score: Score) -> None:
    out = [(fold(s["title"]), s) for s in pred.get("sections", []) if s.get("title")]
    used: set[int] = set()
    for gs in gold.get("sections", []):
        title = fold(gs["title"])
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
            if fold(m.get("unit")) != fold(gm.get("unit")):
                continue
            if overlap_ok(fold(m.get("text")), fold(gm.get("text"))):
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
                if i not in used and overlap_ok(fold(w.get("text")), fold(gw["text"]))
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


def weakness_pairs(gold: dict[str, Any], pred: dict[str, Any]) -> list[tuple[str, str]]:
    """(gold category, predicted category) of every matched weakness, matched as the
    ``weaknesses`` scorer matches them: the rows of the confusion table."""
    out = pred.get("weaknesses", [])
    used: set[int] = set()
    pairs = []
    for gw in gold.get("weaknesses", []):
        for i, w in enumerate(out):
            if i not in used and overlap_ok(fold(w.get("text")), fold(gw["text"])):
                used.add(i)
                pairs.append((gw["category"], str(w.get("category"))))
                break
    return pairs
