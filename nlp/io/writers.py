"""The output folder of a run, each file written once.

``OUT/docs/<file>.json`` per document, ``OUT/corpus.jsonl`` (one line per document),
``OUT/weaknesses.json`` (recurring weaknesses) and ``OUT/summary.json``. Records are
spooled as they arrive (one at a time in memory) and written out at the end, when the
cross-year checks that belong to them are known.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..records import Check

SPOOL = ".records.jsonl.partial"


def output_name(doc_id: str) -> str:
    """File name under OUT/docs for a document id (sub-folders flattened with '__')."""
    return doc_id.replace("/", "__") + ".json"


def write_json(path: Path, data: Any, indent: int | None = 1) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8"
    )


class RunTally:
    """Counts a run's summary is made of, updated one record at a time."""

    def __init__(self) -> None:
        self.documents = 0
        self.chars = 0
        self.counts: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.stage_seconds: Counter[str] = Counter()
        self.failures: list[dict[str, Any]] = []
        self.config: dict[str, Any] = {}

    def add(self, record: dict[str, Any], timings: dict[str, float]) -> None:
        self.documents += 1
        self.chars += len(record.get("text", ""))
        self.stage_seconds.update(timings)
        if record["errors"]:
            self.failures.append(
                {
                    "doc_id": record["doc_id"],
                    "errors": [
                        f"{e['stage']}/{e.get('reason') or e['code']}: {e['message']}"
                        for e in record["errors"]
                    ],
                }
            )
        self.counts["sections"] += len(record["sections"])
        self.counts["tables"] += len(record["tables"])
        self.counts["cells"] += sum(len(t["cells"]) for t in record["tables"])
        self.counts["metrics"] += len(record["metrics"])
        self.counts["weaknesses"] += len(record["weaknesses"])
        self.add_checks(record["checks"])
        self.config = record.get("config") or self.config

    def add_checks(self, checks: list[dict[str, Any]]) -> None:
        self.counts["checks"] += len(checks)
        for check in checks:
            self.verdicts[f"{check['kind']}:{check['verdict']}"] += 1


class OutputWriter:
    """Writes a run's folder: spool records, then ``finish`` writes every file once."""

    def __init__(self, out: Path, indent: int | None = 1):
        self.out = out
        self.indent = indent
        self.docs_dir = out / "docs"
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        self.spool_path = out / SPOOL
        self._spool = self.spool_path.open("w", encoding="utf-8")
        self.tally = RunTally()

    def add(self, record: dict[str, Any], timings: dict[str, float]) -> None:
        self.tally.add(record, timings)
        self._spool.write(json.dumps(record, ensure_ascii=False) + "\n")

    def finish(
        self,
        cross_year: dict[str, list[Check]],
        recurrence: dict[str, Any],
        summary: dict[str, Any],
    ) -> dict[str, Any]:
        """Write docs/, corpus.jsonl, weaknesses.json and summary.json; the summary."""
        self._spool.close()
        with (
            self.spool_path.open(encoding="utf-8") as spool,
            (self.out / "corpus.jsonl").open("w", encoding="utf-8") as jsonl,
        ):
            for line in spool:
                record = json.loads(line)
                extra = cross_year.get(record["doc_id"], [])
                base = len(record["checks"])
                for i, check in enumerate(extra):
                    check.id = f"xy{base + i}"
                    record["checks"].append(check.to_dict())
                self.tally.add_checks([c.to_dict() for c in extra])
                write_json(
                    self.docs_dir / output_name(record["doc_id"]), record, self.indent
                )
                jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.spool_path.unlink()
        write_json(self.out / "weaknesses.json", recurrence)
        summary = {
            **summary,
            "counts": dict(self.tally.counts),
            "check_verdicts": dict(sorted(self.tally.verdicts.items())),
            "stage_seconds": {
                k: round(v, 4) for k, v in self.tally.stage_seconds.most_common()
            },
            "cross_year": [
                {"doc_id": doc_id, **c.to_dict()}
                for doc_id, checks in sorted(cross_year.items())
                for c in checks
            ],
            "recurring_weaknesses": recurrence.get("summary", {}),
            "config": self.tally.config,
        }
        write_json(self.out / "summary.json", summary)
        return summary
