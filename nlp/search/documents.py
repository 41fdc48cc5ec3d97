"""Search documents derived from pipeline records, and their declared schema.

A record (docs/SPEC.md §5) gives one report document (meta, counts, check verdicts) and one
document per section: the section's own text (its span minus its sub-sections), its
jieba words, its title path, and the metrics, weaknesses and failed checks found inside
it. Ids are stable (``doc_id``, ``doc_id#section_id``), so indexing a report again
replaces its documents. Field names and types are declared in
``configs/search/fields.yaml``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import jsonfmt
from ..config import CONFIG_DIR, load_yaml
from ..errors import Errors, SearchError
from .analysis import SearchAnalyzer, spans_within
from .regions import RegionResolver

logger = logging.getLogger(__name__)

FIELDS_CONFIG = CONFIG_DIR / "search" / "fields.yaml"
DOC_TYPES = ("report", "section")
WHOLE_TEXT_SECTION = "whole"  # section id of a record that has no sections

# Python types a JSON value may have for each declared field type.
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "keyword": (str,),
    "text": (str,),
    "tokens": (str,),
    "integer": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "nested": (dict,),
}


@dataclass(frozen=True)
class FieldSpec:
    """One declared field: its type, the document types carrying it, sub-fields."""

    name: str
    type: str
    doc_types: tuple[str, ...] = DOC_TYPES
    properties: dict[str, FieldSpec] = field(default_factory=dict)
    doc: str = ""


class FieldSchema:
    """The fields of the search documents (``configs/search/fields.yaml``)."""

    def __init__(self, fields: dict[str, FieldSpec], version: str):
        self.fields = fields
        self.version = version

    @classmethod
    def load(cls, path: str | Path = FIELDS_CONFIG) -> FieldSchema:
        data = load_yaml(path)
        raw = data.get("fields")
        if not isinstance(raw, dict) or not raw:
            raise SearchError(
                Errors.E800.format(path=path, detail="no 'fields' mapping")
            )
        return cls(
            {name: _spec(name, spec, path) for name, spec in raw.items()},
            str(data["version"]),
        )

    def fields_for(self, doc_type: str) -> dict[str, FieldSpec]:
        return {n: s for n, s in self.fields.items() if doc_type in s.doc_types}

    def problems(self, document: dict[str, Any]) -> list[str]:
        """What in ``document`` does not follow the schema (empty when it conforms)."""
        doc_type = document.get("doc_type")
        if doc_type not in DOC_TYPES:
            return [f"doc_type {doc_type!r} is not one of {DOC_TYPES}"]
        declared = self.fields_for(doc_type)
        found = [
            f"field {n!r} is not declared for {doc_type} documents"
            for n in document
            if n not in declared
        ]
        found += [f"field {n!r} is missing" for n in declared if n not in document]
        for name, spec in declared.items():
            if name in document:
                found += _value_problems(spec, document[name], name)
        return found


def _spec(name: str, raw: Any, path: Any) -> FieldSpec:
    if not isinstance(raw, dict) or raw.get("type") not in _PYTHON_TYPES:
        raise SearchError(
            Errors.E800.format(
                path=path,
                detail=f"field {name!r} needs a type among {sorted(_PYTHON_TYPES)}",
            )
        )
    doc_types = tuple(raw.get("in") or DOC_TYPES)
    if any(t not in DOC_TYPES for t in doc_types):
        raise SearchError(
            Errors.E800.format(
                path=path, detail=f"field {name!r}: `in` must list {DOC_TYPES}"
            )
        )
    properties = {
        k: _spec(f"{name}.{k}", v, path)
        for k, v in (raw.get("properties") or {}).items()
    }
    if raw["type"] in ("object", "nested") and not properties:
        raise SearchError(
            Errors.E800.format(
                path=path,
                detail=f"field {name!r} of type {raw['type']} needs `properties`",
            )
        )
    return FieldSpec(
        name.rsplit(".", 1)[-1],
        raw["type"],
        doc_types,
        properties,
        str(raw.get("doc", "")),
    )


def _value_problems(spec: FieldSpec, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [p for item in value for p in _value_problems(spec, item, where)]
    allowed = _PYTHON_TYPES[spec.type]
    if not isinstance(value, allowed) or (
        isinstance(value, bool) and bool not in allowed
    ):
        return [
            f"{where}: {type(value).__name__} value {value!r:.40} is not a {spec.type}"
        ]
    if spec.type in ("object", "nested"):
        found = [
            f"{where}.{k}: not declared" for k in value if k not in spec.properties
        ]
        for key, sub in spec.properties.items():
            if key in value:
                found += _value_problems(sub, value[key], f"{where}.{key}")
        return found
    return []


def record_sha256(record: dict[str, Any] | str) -> str:
    """sha256 of a record as ``nlp.run`` writes it on one line of ``corpus.jsonl``.

    The same for a record read from ``docs/<file>.json`` and from its JSONL line.
    """
    line = record if isinstance(record, str) else jsonfmt.dumps_str(record)
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


@dataclass
class IndexDocuments:
    """The documents of one record: its report document and its section documents."""

    report: dict[str, Any]
    sections: list[dict[str, Any]]

    @property
    def doc_id(self) -> str:
        return self.report["doc_id"]

    def all(self) -> list[dict[str, Any]]:
        return [self.report, *self.sections]


class DocumentBuilder:
    """Builds the search documents of a record (a dict as written by ``nlp.run``).

    Uses the record's jieba ``tokens``; a record without them is cut with the same
    jieba dictionary (``SearchAnalyzer``). Pure: no I/O after construction.
    """

    def __init__(
        self,
        analyzer: SearchAnalyzer | None = None,
        regions: RegionResolver | None = None,
        schema: FieldSchema | None = None,
    ):
        self.analyzer = analyzer or SearchAnalyzer()
        self.regions = regions or RegionResolver()
        self.schema = schema or FieldSchema.load()
        self._verdict_keys = tuple(self.schema.fields["check_verdicts"].properties)
        self._kind_keys = tuple(self.schema.fields["failed_checks_by_kind"].properties)

    def __call__(
        self, record: dict[str, Any], sha256: str | None = None
    ) -> IndexDocuments:
        doc_id = record.get("doc_id")
        if not doc_id:
            raise SearchError(
                Errors.E803.format(path=record.get("source", {}).get("path"))
            )
        text: str = record.get("text") or ""
        tokens = record.get("tokens")
        if not tokens and text:
            tokens = self.analyzer.token_spans(text)
        tokens = tokens or []
        token_starts = [span[0] for span in tokens]
        sections = list(record.get("sections") or [])
        if not sections:
            sections = [
                {
                    "id": WHOLE_TEXT_SECTION,
                    "parent": None,
                    "level": 0,
                    "title": "",
                    "label": "",
                    "start": 0,
                    "end": len(text),
                    "confidence": None,
                }
            ]
        own = _own_spans(sections, len(text))
        locate = _Locator(own)

        failed = [c for c in record.get("checks") or [] if c.get("verdict") == "fail"]
        metrics_in: dict[int, list] = defaultdict(list)
        weaknesses_in: dict[int, list] = defaultdict(list)
        checks_in: dict[int, list] = defaultdict(list)
        for metric in record.get("metrics") or []:
            index = locate(metric.get("start"))
            if index is not None:
                metrics_in[index].append(_metric(metric))
        for weakness in record.get("weaknesses") or []:
            index = locate(weakness.get("start"))
            if index is not None:
                weaknesses_in[index].append(_weakness(weakness))
        for check in failed:
            hit = {
                locate(e.get("start"))
                for e in check.get("evidence") or []
                if e.get("doc_id") in (None, doc_id)
            }
            for index in sorted(i for i in hit if i is not None):
                checks_in[index].append(_failed_check(check))

        meta = record.get("meta") or {}
        source = record.get("source") or {}
        agency = meta.get("agency")
        common = {
            "doc_id": doc_id,
            "agency": agency,
            "year": meta.get("year"),
            "template": meta.get("template"),
            "published": meta.get("published"),
            "province": self.regions.province(agency, text),
            "admin_level": self.regions.admin_level(agency),
            "source_path": source.get("path"),
            "source_format": source.get("format"),
        }
        report = self._report_document(record, common, failed, sha256)
        by_id = {s["id"]: s for s in sections}
        title_words: dict[str, list[str]] = {}

        def words_of_title(section: dict[str, Any]) -> list[str]:
            key = section["id"]
            if key not in title_words:
                end = section.get("title_end")
                if end is not None and end > section["start"]:
                    spans = spans_within(tokens, token_starts, section["start"], end)
                    title_words[key] = self.analyzer.terms(text, spans)
                else:
                    title_words[key] = self.analyzer.query_words(
                        section.get("title") or ""
                    )
            return title_words[key]

        documents = []
        for ord_, section in enumerate(sections):
            path = _ancestors(section, by_id)
            spans = own[ord_]
            token_spans = [
                s for a, b in spans for s in spans_within(tokens, token_starts, a, b)
            ]
            weaknesses = weaknesses_in.get(ord_, [])
            checks = checks_in.get(ord_, [])
            metrics = metrics_in.get(ord_, [])
            documents.append(
                {
                    "id": f"{doc_id}#{section['id']}",
                    "doc_type": "section",
                    **common,
                    "section_id": section["id"],
                    "parent_id": section.get("parent"),
                    "ord": ord_,
                    "level": section.get("level"),
                    "label": section.get("label") or "",
                    "label_confidence": section.get("confidence"),
                    "title": section.get("title") or "",
                    "title_path": [s.get("title") or "" for s in path],
                    "title_tokens": " ".join(words_of_title(section)),
                    "path_tokens": " ".join(
                        w for s in path[:-1] for w in words_of_title(s)
                    ),
                    "start": section["start"],
                    "end": section["end"],
                    "spans": [{"start": a, "end": b} for a, b in spans],
                    "text": "".join(text[a:b] for a, b in spans),
                    "tokens": " ".join(text[a:b] for a, b in token_spans),
                    "tokens_fine": " ".join(self.analyzer.terms(text, token_spans)),
                    "n_metrics": len(metrics),
                    "n_weaknesses": len(weaknesses),
                    "metrics": metrics,
                    "weaknesses": weaknesses,
                    "categories": sorted(
                        {w["category"] for w in weaknesses if w["category"]}
                    ),
                    "n_failed_checks": len(checks),
                    "failed_checks": checks,
                    "failed_check_kinds": sorted({c["kind"] for c in checks}),
                }
            )
        return IndexDocuments(report, documents)

    def _report_document(
        self,
        record: dict[str, Any],
        common: dict[str, Any],
        failed: list[dict[str, Any]],
        sha256: str | None,
    ) -> dict[str, Any]:
        checks = record.get("checks") or []
        verdicts = Counter(c.get("verdict") for c in checks)
        kinds = Counter(c.get("kind") for c in failed)
        tables = record.get("tables") or []
        return {
            "id": common["doc_id"],
            "doc_type": "report",
            **common,
            "source_sha256": (record.get("source") or {}).get("sha256"),
            "record_sha256": sha256 or record_sha256(record),
            "labels": sorted(
                {s.get("label") for s in record.get("sections") or [] if s.get("label")}
            ),
            "categories": sorted(
                {
                    w.get("category")
                    for w in record.get("weaknesses") or []
                    if w.get("category")
                }
            ),
            "error_codes": [e.get("code") for e in record.get("errors") or []],
            "counts": {
                "characters": len(record.get("text") or ""),
                "sections": len(record.get("sections") or []),
                "tables": len(tables),
                "cells": sum(len(t.get("cells") or []) for t in tables),
                "metrics": len(record.get("metrics") or []),
                "checks": len(checks),
                "weaknesses": len(record.get("weaknesses") or []),
                "errors": len(record.get("errors") or []),
            },
            "check_verdicts": {k: verdicts.get(k, 0) for k in self._verdict_keys},
            "failed_checks_by_kind": {k: kinds.get(k, 0) for k in self._kind_keys},
            "n_failed_checks": len(failed),
            "failed_checks": [_failed_check(c) for c in failed],
        }


def _own_spans(
    sections: list[dict[str, Any]], length: int
) -> list[list[tuple[int, int]]]:
    """Each section's span minus the spans of its children, clipped to the text."""
    children: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for section in sections:
        if section.get("parent") is not None:
            children[section["parent"]].append((section["start"], section["end"]))
    result = []
    for section in sections:
        start, end = max(0, section["start"]), min(length, section["end"])
        pieces = []
        for child_start, child_end in sorted(children.get(section["id"], [])):
            if child_start > start:
                pieces.append((start, min(child_start, end)))
            start = max(start, child_end)
        if end > start:
            pieces.append((start, end))
        result.append([(a, b) for a, b in pieces if b > a])
    return result


class _Locator:
    """The section (by position) whose own text contains a character offset."""

    def __init__(self, own: list[list[tuple[int, int]]]):
        pieces = sorted((a, b, i) for i, spans in enumerate(own) for a, b in spans)
        self._starts = [p[0] for p in pieces]
        self._pieces = pieces

    def __call__(self, offset: int | None) -> int | None:
        if offset is None:
            return None
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self._pieces[i][1]:
            return self._pieces[i][2]
        return None


def _ancestors(section: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[dict]:
    path = [section]
    seen = {section["id"]}
    parent = section.get("parent")
    while parent is not None and parent in by_id and parent not in seen:
        seen.add(parent)
        path.append(by_id[parent])
        parent = by_id[parent].get("parent")
    return path[::-1]


def _number(value: Any) -> float | int | None:
    return (
        value
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else None
    )


def _metric(metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": metric.get("id"),
        "text": metric.get("text"),
        "value": _number(metric.get("value")),
        "unit": metric.get("unit"),
        "qualifier": metric.get("qualifier"),
        "indicator": metric.get("indicator"),
        "subject": metric.get("subject"),
        "start": metric.get("start"),
        "end": metric.get("end"),
    }


def _weakness(weakness: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": weakness.get("id"),
        "text": weakness.get("text"),
        "category": weakness.get("category"),
        "confidence": _number(weakness.get("confidence")),
        "improvement": weakness.get("improvement"),
        "start": weakness.get("start"),
        "end": weakness.get("end"),
    }


def _failed_check(check: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": check.get("id"),
        "kind": check.get("kind"),
        "rule": check.get("rule"),
        "indicator": check.get("indicator"),
        "message": check.get("message") or "",
        "refs": [e.get("ref") for e in check.get("evidence") or [] if e.get("ref")],
    }


def read_records(path: str | Path) -> Iterator[tuple[dict[str, Any], str]]:
    """``(record, sha256)`` of every record of a run folder (or a .jsonl/.json file).

    A run folder is read from ``corpus.jsonl`` when present, else from ``docs/*.json``.
    """
    path = Path(path)
    if path.is_dir():
        jsonl = path / "corpus.jsonl"
        if jsonl.is_file():
            yield from read_records(jsonl)
            return
        files = (
            sorted((path / "docs").glob("*.json")) if (path / "docs").is_dir() else []
        )
        if not files:
            raise SearchError(Errors.E801.format(path=path))
        for file in files:
            yield from read_records(file)
        return
    if not path.is_file():
        raise SearchError(Errors.E801.format(path=path))
    single = path.suffix == ".json"
    with path.open(encoding="utf-8") as handle:
        lines: Iterable[str] = [handle.read()] if single else handle
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise SearchError(
                    Errors.E802.format(path=path, line=number, detail=e)
                ) from e
            if not isinstance(record, dict):
                raise SearchError(
                    Errors.E802.format(path=path, line=number, detail="not an object")
                )
            yield record, record_sha256(record if single else line)
