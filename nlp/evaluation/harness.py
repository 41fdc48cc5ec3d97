"""The layout round-trip harness, read back: every rendering through the whole pipeline.

``corpora/layouts/manifest.json`` names, for each rendering of a gold report (html,
docx, pdf, md, md_pipe, cell_per_line, run_together), the gold it must reproduce.
:func:`score_files` runs the pipeline on a list of (file, gold, group) entries and
scores each output against its gold (``scorers.score_document``), summing per group:
the layout for the harness (:func:`manifest_entries`), the source format for a gold
folder over its corpus (:func:`format_entries`). What the groups report is what the
tables must get right: cells (value accuracy over gold cells), gold failing checks
found, and false ``fail`` verdicts (a ``fail`` no gold check names), by check kind.

A rendering prints exactly its gold's cells, so a relation those cells break is a fact
of the rendered document even where the report's own table does not show it (a local
row the national form leaves out, a failure the gold omits). :func:`rendered_fails`
finds them with the pipeline's own ``table_checks`` over a table made of the gold
cells; a ``fail`` on one of them is counted as ``held by the rendering``, not as a
false fail, and listed so the gold can be reviewed. The converse: a gold failing sum
check that those cells cannot show (the report's own table lacked rows the template
prints, so the rendering prints them blank and the relation cannot be assessed) is
``lost by the rendering``: counted apart, out of the fails to find, and listed.

Besides the tables, every group sums the prose tasks too (sections, metrics,
weaknesses, agency): a layout that loses text shows there (:func:`prose_rows`).
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
from ..pipeline.neighbours import settle_with_neighbours
from ..records import Cell, Table
from ..stages.checks.table_sums import TableChecker
from .gold import GoldError, load_gold
from .layouts.templates import build_tables, gold_era
from .scorers import TASKS, Score, score_document

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "corpora" / "layouts" / "manifest.json"


@dataclass(frozen=True)
class Entry:
    """One file to read back, the gold it is scored against, and its group."""

    path: Path
    gold: Path
    group: str
    # A rendering of the gold's cells (the layout harness), not the report itself.
    rendered: bool = False


@dataclass
class GroupScore:
    """The sums of one group (a layout, a source format)."""

    files: int = 0
    scores: dict[str, Score] = field(
        default_factory=lambda: {t: Score() for t in TASKS}
    )
    false_fails: Counter = field(default_factory=Counter)  # by check kind
    # fails no gold check names that the rendered cells really hold (see module doc)
    held: int = 0
    # gold failing sum checks the rendered cells cannot show (see module doc)
    lost: int = 0
    # gold cells shown with another value (the rest of the cells missed are shown
    # as unreadable or not found: no number rather than a wrong one)
    wrong: int = 0
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
            "held_by_rendering": self.held,
            "lost_by_rendering": self.lost,
            "cells_shown_wrong": self.wrong,
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
                rendered=True,
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
    checker: TableChecker | None = None
    groups: dict[str, GroupScore] = defaultdict(GroupScore)
    entries = list(entries)
    records = _read_by_group(entries, processor)
    for k, entry in enumerate(entries):
        gold = json.loads(entry.gold.read_text(encoding="utf-8"))
        record = records[k]
        group = groups[entry.group]
        group.files += 1
        scores = score_document(gold, record)
        held: set[tuple[str | None, str | None]] = set()
        if entry.rendered:
            checker = checker or _checker()
            held = rendered_fails(gold, checker)
        shown = {indicator for _, indicator in held}
        for task, score in scores.items():
            group.scores[task].merge(score)
        name = entry.path.name
        for miss in scores["checks"].misses:
            alarm = miss.get("false_alarm") if isinstance(miss, dict) else None
            if alarm and (alarm.get("rule"), alarm.get("indicator")) in held:
                group.held += 1
                group.scores["checks"].extra -= 1
                group.misses.append({"file": name, "held_by_rendering": alarm})
            elif alarm:
                group.false_fails[alarm.get("kind") or "?"] += 1
                group.misses.append({"file": name, "false_fail": alarm})
            elif (
                entry.rendered
                and miss.get("kind") == "sum"
                and miss.get("indicator") not in shown
            ):
                group.lost += 1
                group.scores["checks"].total -= 1
                group.misses.append({"file": name, "lost_by_rendering": miss})
            else:
                group.misses.append({"file": name, "gold_check_missed": miss})
        for miss in scores["cells"].misses:
            group.wrong += isinstance(miss, dict) and miss.get("pred") is not None
            group.misses.append({"file": name, "cell": miss})
        for error in record.get("errors", []):
            group.misses.append({"file": name, "error": error.get("message")})
    return dict(groups)


def _read_by_group(entries: list[Entry], processor: Processor) -> list[dict[str, Any]]:
    """Every entry's record; each group (a layout, a source format) read as one
    corpus, its reports settled with their neighbouring years as ``nlp.run`` does."""
    records: dict[int, dict[str, Any]] = {}
    by_group: dict[str, list[int]] = defaultdict(list)
    for k, entry in enumerate(entries):
        by_group[entry.group].append(k)
    for members in by_group.values():
        group = {k: processor.process(entries[k].path).to_dict() for k in members}
        settle_with_neighbours(
            group,
            lambda k, cfg: processor.process(
                entries[k].path, component_cfg=cfg
            ).to_dict(),
        )
        records.update(group)
    return [records[k] for k in range(len(entries))]


def _checker() -> TableChecker:
    """The pipeline's ``table_checks`` stage on the shipped indicators file."""
    checker = TableChecker(config="indicators")
    checker.initialize()
    return checker


def rendered_fails(
    gold: dict[str, Any], checker: TableChecker
) -> set[tuple[str | None, str | None]]:
    """(rule, indicator) of every sum check that fails over the tables a rendering of
    ``gold`` prints: the official template filled with the gold's cells, every cell
    the gold has no value for printed blank (``layouts.templates``)."""
    schema = checker.schema
    values = gold.get("cells") or {}
    printed = build_tables(gold_era(gold), values) if values else {}
    by_table: dict[str, list[Cell]] = defaultdict(list)
    for table in printed.values():
        for row in table.rows:
            for cell in row:
                spec = schema.indicators.get(cell.indicator or "")
                if spec is None:
                    continue
                value = values.get(cell.indicator)
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                by_table[spec.table].append(
                    Cell(
                        indicator=cell.indicator,
                        row=spec.row,
                        column=spec.column,
                        value=value if number else None,
                        raw=str(value) if number else "",
                        unit=spec.unit,
                        start=0,
                        end=0,
                        status="ok" if number else "empty",
                    )
                )
    out = set()
    for name, cells in by_table.items():
        kind = schema.tables[name].kind
        table = Table(id=name, kind=kind, start=0, end=0, cells=cells)  # type: ignore[arg-type]
        for check in checker.sum_checks(table):
            if check.verdict == "fail":
                out.add((check.rule, check.indicator))
    return out


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
        total.held += g.held
        total.lost += g.lost
        total.wrong += g.wrong
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
        "held_by_rendering": g.held,
        "lost_by_rendering": g.lost,
        "cells_shown_wrong": g.wrong,
    }


def format_rows(rows: list[dict[str, Any]], title: str) -> str:
    """The summary as a text table."""
    lines = [
        title,
        (
            f"{'group':14s} {'files':>5s} {'cells':>7s} {'right/total':>13s} "
            f"{'shown wrong':>11s} {'gold fails found':>17s} {'false fails':>12s} "
            f"{'held':>5s} {'lost':>5s}  by kind"
        ),
    ]
    for r in rows:
        cells = "-" if r["cells"] is None else f"{r['cells']:.3f}"
        right = f"{r['cells_correct']}/{r['cells_total']}"
        found = f"{r['checks_found']}/{r['checks_total']}"
        kinds = ", ".join(f"{k} {v}" for k, v in r["false_fails_by_kind"].items())
        lines.append(
            f"{r['group']:14s} {r['files']:>5d} {cells:>7s} {right:>13s} "
            f"{r['cells_shown_wrong']:>11d} {found:>17s} {r['false_fails']:>12d} "
            f"{r['held_by_rendering']:>5d} {r['lost_by_rendering']:>5d}  {kinds}"
        )
    return "\n".join(lines)


# The prose tasks of a group, in the order they are printed.
PROSE_TASKS = (
    ("sections", "sections"),
    ("metrics", "metrics found"),
    ("indicators", "indicators"),
    ("weaknesses", "weaknesses found"),
    ("categories", "categories"),
    ("agency", "agency P"),
)


def prose_rows(groups: dict[str, GroupScore]) -> list[dict[str, Any]]:
    """One row per group (and a total): the prose tasks' scores over its files."""
    rows = []
    total = {task: Score() for task, _ in PROSE_TASKS}
    for name in sorted(groups):
        g = groups[name]
        for task, _ in PROSE_TASKS:
            total[task].merge(g.scores[task])
        rows.append(_prose_row(name, g.files, g.scores))
    rows.append(_prose_row("all", sum(g.files for g in groups.values()), total))
    return rows


def _prose_row(name: str, files: int, scores: dict[str, Score]) -> dict[str, Any]:
    row: dict[str, Any] = {"group": name, "files": files}
    for task, _ in PROSE_TASKS:
        s = scores[task]
        row[task] = {"score": s.value, "correct": s.correct, "total": s.total}
    return row


def format_prose_rows(rows: list[dict[str, Any]], title: str) -> str:
    """The prose summary as a text table: score (correct/total) per task."""
    head = f"{'group':14s} {'files':>5s} " + " ".join(
        f"{label:>18s}" for _, label in PROSE_TASKS
    )
    lines = [title, head]
    for r in rows:
        cells = []
        for task, _ in PROSE_TASKS:
            t = r[task]
            value = "-" if t["score"] is None else f"{t['score']:.3f}"
            cells.append(
                f"{value + ' ' + str(t['correct']) + '/' + str(t['total']):>18s}"
            )
        lines.append(f"{r['group']:14s} {r['files']:>5d} " + " ".join(cells))
    return "\n".join(lines)
