"""Score tables as ``nlp.evaluate`` prints them."""

from __future__ import annotations

from typing import Any

from .scorers import TASKS

LABELS = {
    "meta": "meta (agency, year, template)",
    "agency": "agency precision (when named)",
    "agency_recall": "agency recall",
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
