"""The layout round-trip harness, read back: every rendering through the whole pipeline.

``corpora/layouts/manifest.json`` names, for each rendering of a gold report (html,
docx, pdf, md, md_pipe, cell_per_line, run_together), the gold it must reproduce.
:func:`score_files` runs the pipeline on a list of (file, gold, group) entries and
scores each output against its gold (``scorers.score_document``), summing per group:
the layout for the harness (:func:`manifest_entries`), the source format for a gold
folder over its corpus (:func:`format_entries`). What the groups report is what the
tables must get right: cells (value accuracy over gold cells), gold failing checks
found, and false ``fail`` verdicts (a ``fail`` no gold check names), by check kind.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.readers import EXTENSIONS
from ..pipeline.corpus import Processor
from .gold import GoldError, load_gold
from .scorers import TASKS, Score, score_document

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "corpora" / "layouts" / "manifest.json"


@dataclass(frozen=True)
class Entry:
    """One file to read back, the gold it is scored against, and its group."""

    path: Path
    gold: Path
    group: str


@dataclass
class GroupScore:
    """The sums of one group (a layout, a source format)."""

    files: int = 0
    scores: dict[str, Score] = field(
        default_factory=lambda: {t: Score() for t in TASKS}
    )
    false_fails: Counter = field(default_factory=Counter)  # by check kind
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def one(score: Score) -> dict[str, Any]:
            value = score.value
            return {
                "score": None if value is None else round(value, 4),
                "correct": score.correct,
                "total": score.total,
                "extra": score.extra,
            }

        return {
            "files": self.files,
            "tasks": {t: one(s) for t, s in self.scores.items()},
            "false_fails": dict(sorted(self.false_fails.items())),
            "misses": self.misses,
        }


def _resolve(path: str, base: Path) -> Path:
    p = Path(path)
    if p.is_absolute():
        return p
    return base / p


def manifest_entries(
    manifest: Path = MANIFEST, layouts: Sequence[str] | None = None
) -> list[Entry]:
    """Every rendering the manifest lists (of ``layouts`` when given), grouped by
    layout. Rendering paths are relative to the manifest; gold paths to the repo."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise GoldError(f"{manifest}: not a readable layout manifest ({e})") from e
    base = manifest.parent
    repo = _repo_of(manifest)
    out = []
    for item in data.get("files", []):
        if layouts and item["layout"] not in layouts:
            continue
        out.append(
            Entry(
                path=_resolve(item["file"], base),
                gold=_resolve(item["gold"], repo),
                group=item["layout"],
            )
        )
    return out


def _repo_of(manifest: Path) -> Path:
    """The folder the manifest's gold paths are relative to (the repository root)."""
    for parent in manifest.resolve().parents:
        if (parent / "corpora").is_dir():
            return parent
    return REPO


def format_entries(gold_dir: Path, corpus: Path) -> list[Entry]:
    """Every gold report of ``gold_dir`` in ``corpus``, grouped by source format."""
    out = []
    for gold_file, gold in load_gold(gold_dir):
        path = corpus / gold["doc"]
        fmt = EXTENSIONS.get(path.suffix.lower(), ("?", None))[0]
        out.append(Entry(path=path, gold=gold_file, group=fmt))
    return out


def score_files(
    entries: Iterable[Entry],
    processor: Processor | None = None,
    config: str | None = None,
) -> dict[str, GroupScore]:
    """Run the pipeline on every entry and score it against its gold, per group."""
    processor = processor or Processor(config)
    groups: dict[str, GroupScore] = defaultdict(GroupScore)
    for entry in entries:
        gold = json.loads(entry.gold.read_text(encoding="utf-8"))
        record = processor.process(entry.path).to_dict()
        group = groups[entry.group]
        group.files += 1
        scores = score_document(gold, record)
        for task, score in scores.items():
            group.scores[task].merge(score)
        name = entry.path.name
        for miss in scores["checks"].misses:
            alarm = miss.get("false_alarm") if isinstance(miss, dict) else None
            if alarm:
                group.false_fails[alarm.get("kind") or "?"] += 1
                group.misses.append({"file": name, "false_fail": alarm})
            else:
                group.misses.append({"file": name, "gold_check_missed": miss})
        for miss in scores["cells"].misses:
            group.misses.append({"file": name, "cell": miss})
        for error in record.get("errors", []):
            group.misses.append({"file": name, "error": error.get("message")})
    return dict(groups)


def summary_rows(groups: dict[str, GroupScore]) -> list[dict[str, Any]]:
    """One row per group (and a total): cells, gold fails found, false fails."""
    rows = []
    total = GroupScore()
    for name in sorted(groups):
        g = groups[name]
        rows.append(_row(name, g))
        total.files += g.files
        for task, s in g.scores.items():
            total.scores[task].merge(s)
        total.false_fails.update(g.false_fails)
    rows.append(_row("all", total))
    return rows


def _row(name: str, g: GroupScore) -> dict[str, Any]:
    cells, checks = g.scores["cells"], g.scores["checks"]
    return {
        "group": name,
        "files": g.files,
        "cells": cells.value,
        "cells_correct": cells.correct,
        "cells_total": cells.total,
        "checks_found": checks.correct,
        "checks_total": checks.total,
        "false_fails": checks.extra,
        "false_fails_by_kind": dict(sorted(g.false_fails.items())),
    }


def format_rows(rows: list[dict[str, Any]], title: str) -> str:
    """The summary as a text table."""
    lines = [
        title,
        (
            f"{'group':14s} {'files':>5s} {'cells':>7s} {'right/total':>13s} "
            f"{'gold fails found':>17s} {'false fails':>12s}  by kind"
        ),
    ]
    for r in rows:
        cells = "-" if r["cells"] is None else f"{r['cells']:.3f}"
        right = f"{r['cells_correct']}/{r['cells_total']}"
        found = f"{r['checks_found']}/{r['checks_total']}"
        kinds = ", ".join(f"{k} {v}" for k, v in r["false_fails_by_kind"].items())
        lines.append(
            f"{r['group']:14s} {r['files']:>5d} {cells:>7s} {right:>13s} "
            f"{found:>17s} {r['false_fails']:>12d}  {kinds}"
        )
    return "\n".join(lines)
