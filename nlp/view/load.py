"""Read an ``nlp.run`` output folder as plain JSON (docs/SPEC.md §5).

The records are read as dictionaries, not through ``nlp.records``: the site shows what
a run wrote, tolerates fields added since (they are kept and ignored), and fills a
missing list or mapping with an empty one. A record file that cannot be read is listed
as a problem and the site is built from the rest.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ViewError, ViewErrors

logger = logging.getLogger("nlp.view")

LISTS = (
    "sections",
    "tables",
    "metrics",
    "checks",
    "weaknesses",
    "errors",
    "removals",
    "offset_map",
)


@dataclass
class RunData:
    """What one run wrote: its records (in file-name order), the summary, the
    recurring-weakness findings, and the record files that could not be read."""

    out: Path
    docs: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)
    weaknesses: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {doc["doc_id"]: doc for doc in self.docs}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ViewError(ViewErrors.E902.format(path=path, detail=e)) from e


def normalise_record(data: Any, where: str) -> dict[str, Any]:
    """A record with every field the site reads present (empty when missing)."""
    if not isinstance(data, dict) or not isinstance(data.get("doc_id"), str):
        raise ViewError(ViewErrors.E903.format(path=where, detail="no doc_id"))
    for key in LISTS:
        if not isinstance(data.get(key), list):
            data[key] = []
    for key in ("meta", "source", "config"):
        if not isinstance(data.get(key), dict):
            data[key] = {}
    if not isinstance(data.get("text"), str):
        data["text"] = ""
    for table in data["tables"]:
        if not isinstance(table.get("cells"), list):
            table["cells"] = []
    for check in data["checks"]:
        if not isinstance(check.get("evidence"), list):
            check["evidence"] = []
    return data


def _records(out: Path, problems: list[dict[str, str]]) -> list[dict[str, Any]]:
    docs_dir = out / "docs"
    files = sorted(docs_dir.glob("*.json")) if docs_dir.is_dir() else []
    records = []
    if files:
        for path in files:
            try:
                records.append(normalise_record(_read_json(path), str(path)))
            except ViewError as e:
                logger.warning("%s", e)
                problems.append({"file": str(path), "message": str(e)})
        return records
    jsonl = out / "corpus.jsonl"
    if not jsonl.is_file():
        raise ViewError(ViewErrors.E901.format(path=out))
    with jsonl.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{jsonl}:{number}"
            try:
                records.append(normalise_record(json.loads(line), where))
            except (json.JSONDecodeError, ViewError) as e:
                message = (
                    str(e)
                    if isinstance(e, ViewError)
                    else ViewErrors.E902.format(path=where, detail=e)
                )
                logger.warning("%s", message)
                problems.append({"file": where, "message": message})
    return records


def _optional(path: Path, problems: list[dict[str, str]]) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = _read_json(path)
    except ViewError as e:
        problems.append({"file": str(path), "message": str(e)})
        return {}
    return data if isinstance(data, dict) else {}


def _merge_cross_year(docs: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """Cross-year checks live in each later report's ``checks`` and in the summary;
    a check found only in the summary is added to its report."""
    by_id = {doc["doc_id"]: doc for doc in docs}
    for check in summary.get("cross_year") or []:
        doc = by_id.get(check.get("doc_id"))
        if doc is None:
            continue
        if not any(c.get("id") == check.get("id") for c in doc["checks"]):
            added = {k: v for k, v in check.items() if k != "doc_id"}
            added.setdefault("evidence", [])
            doc["checks"].append(added)


def read_run(out: Path) -> RunData:
    """Everything the site is built from, read from the run folder ``out``."""
    out = Path(out)
    if not out.is_dir():
        raise ViewError(ViewErrors.E900.format(path=out))
    problems: list[dict[str, str]] = []
    docs = _records(out, problems)
    if not docs and not problems:
        raise ViewError(ViewErrors.E901.format(path=out))
    summary = _optional(out / "summary.json", problems)
    weaknesses = _optional(out / "weaknesses.json", problems)
    _merge_cross_year(docs, summary)
    return RunData(
        out=out, docs=docs, summary=summary, weaknesses=weaknesses, problems=problems
    )
