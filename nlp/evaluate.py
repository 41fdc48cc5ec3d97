"""``python -m nlp.evaluate GOLD_DIR [--pred OUT]``: score output against gold (GOLD.md).

Runs the pipeline on the gold's reports (or reads an existing ``nlp.run`` output) and
prints, for every task, the score overall and per document, as a table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from .errors import Errors

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


def norm(text: str | None) -> str:
    """GOLD.md: NFKC with all white space removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def overlap_ok(a: str, b: str) -> bool:
    """True when the texts share a common stretch of at least half the shorter."""
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(
        0, len(a), 0, len(b)
    )
    return match.size * 2 >= min(len(a), len(b))


def same_number(a: Any, b: Any) -> bool:
    try:
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return False


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


def score_document(gold: dict[str, Any], pred: dict[str, Any]) -> dict[str, Score]:
    scores = {task: Score() for task in TASKS}
    _meta(gold, pred, scores["meta"])
    _sections(gold, pred, scores["sections"])
    _cells(gold, pred, scores["cells"])
    _metrics(gold, pred, scores["metrics"], scores["indicators"])
    _checks(gold, pred, scores["checks"])
    _weaknesses(gold, pred, scores["weaknesses"], scores["categories"])
    return scores


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


def load_gold(gold_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    files = sorted(gold_dir.glob("*.gold.json"))
    if not files:
        raise SystemExit(Errors.E301.format(path=gold_dir))
    return [(f, json.loads(f.read_text(encoding="utf-8"))) for f in files]


def predictions(
    golds: list[tuple[Path, dict[str, Any]]],
    corpus: Path,
    pred_dir: Path | None,
    config: str | None,
) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    if pred_dir is not None:
        from .run import output_name

        for gold_file, gold in golds:
            path = pred_dir / "docs" / output_name(gold["doc"])
            if not path.is_file():
                raise SystemExit(
                    Errors.E302.format(name=gold["doc"], gold=gold_file, where=pred_dir)
                )
            result[gold["doc"]] = json.loads(path.read_text(encoding="utf-8"))
        return result
    from .corpus import Processor

    processor = Processor(config, corpus)
    for gold_file, gold in golds:
        path = corpus / gold["doc"]
        if not path.is_file():
            raise SystemExit(
                Errors.E302.format(name=gold["doc"], gold=gold_file, where=corpus)
            )
        result[gold["doc"]] = processor.process(path).to_dict()
    # Cross-year checks need the corpus; in-document scores don't.
    return result


def evaluate(
    gold_dir: Path,
    corpus: Path | None = None,
    pred_dir: Path | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    golds = load_gold(gold_dir)
    corpus = corpus or _default_corpus(gold_dir)
    preds = predictions(golds, corpus, pred_dir, config)
    overall = {task: Score() for task in TASKS}
    per_doc: dict[str, dict[str, Any]] = {}
    misses: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for _, gold in golds:
        scores = score_document(gold, preds[gold["doc"]])
        per_doc[gold["doc"]] = {t: _as_json(s) for t, s in scores.items()}
        for task, s in scores.items():
            overall[task].merge(s)
            if s.misses:
                misses[gold["doc"]][task] = s.misses
    return {
        "gold": str(gold_dir),
        "documents": len(golds),
        "overall": {t: _as_json(s) for t, s in overall.items()},
        "per_document": per_doc,
        "misses": misses,
    }


def _as_json(score: Score) -> dict[str, Any]:
    value = score.value
    return {
        "score": round(value, 4) if value is not None else None,
        "correct": score.correct,
        "total": score.total,
        "extra": score.extra,
    }


def _default_corpus(gold_dir: Path) -> Path:
    for candidate in (
        gold_dir.parent / "sample",
        gold_dir.parent / "dev",
        gold_dir.parent,
    ):
        if candidate.is_dir() and any(candidate.iterdir()):
            return candidate
    return gold_dir.parent


LABELS = {
    "meta": "meta (agency, year, template)",
    "sections": "section label accuracy",
    "cells": "table cell accuracy",
    "metrics": "metric recall",
    "indicators": "metric indicator accuracy",
    "checks": "check recall (fail found)",
    "weaknesses": "weakness recall",
    "categories": "weakness category accuracy",
}


def format_table(result: dict[str, Any], per_document: bool = True) -> str:
    lines = [f"Gold: {result['gold']} ({result['documents']} documents)", ""]
    lines.append(f"{'task':34s} {'score':>7s} {'correct':>8s} {'total':>6s}  note")
    for task, s in result["overall"].items():
        score = "-" if s["score"] is None else f"{s['score']:.3f}"
        note = ""
        if task == "checks":
            note = f"false alarms: {s['extra']}"
        elif task in ("metrics", "weaknesses"):
            note = f"unmatched predictions: {s['extra']}"
        lines.append(
            f"{LABELS[task]:34s} {score:>7s} {s['correct']:>8d} {s['total']:>6d}  {note}"
        )
    if per_document:
        lines += ["", "Per document (score correct/total):"]
        short = TASKS
        lines.append(f"{'document':30s} " + " ".join(f"{t[:10]:>11s}" for t in short))
        for doc, scores in result["per_document"].items():
            cells = []
            for t in short:
                s = scores[t]
                cells.append(
                    f"{s['correct']:>5d}/{s['total']:<5d}"
                    if s["total"]
                    else f"{'-':>11s}"
                )
            lines.append(f"{doc[:30]:30s} " + " ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("gold", type=Path, help="folder of *.gold.json files")
    parser.add_argument(
        "--pred",
        type=Path,
        default=None,
        help="an nlp.run output folder to score instead of running",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="folder with the gold's reports (default: beside the gold)",
    )
    parser.add_argument(
        "--config",
        default=None,
        help="pipeline config (default: configs/pipeline.yaml)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the scores as JSON here"
    )
    parser.add_argument(
        "--misses", action="store_true", help="print what each task got wrong"
    )
    parser.add_argument("--quiet", action="store_true", help="overall scores only")
    args = parser.parse_args(argv)
    if not args.gold.is_dir():
        print(Errors.E300.format(path=args.gold), file=sys.stderr)
        return 2
    result = evaluate(args.gold, args.corpus, args.pred, args.config)
    print(format_table(result, per_document=not args.quiet))
    if args.misses:
        print(json.dumps(result["misses"], ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
