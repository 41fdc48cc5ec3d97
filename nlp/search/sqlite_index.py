"""The embedded search index: SQLite FTS5 over section documents, BM25 ranking, facets.

Each section's search words (jieba tokens, long words split, see ``analysis``) are
stored space-joined in an FTS5 table with the ``unicode61`` tokenizer, which then reads
one word per token. Reports are added incrementally: a report whose record is unchanged
(same sha256) is skipped, a changed one has its documents deleted and inserted again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from ..errors import Errors, NlpError, SearchError
from .analysis import SearchAnalyzer, search_config
from .documents import DocumentBuilder, IndexDocuments
from .query import CompiledQuery, Filters, compile_query
from .snippets import CLOSE, OPEN, highlighted, make_snippet, to_record

logger = logging.getLogger(__name__)

INDEX_SCHEMA_VERSION = "1"
FACETS = ("label", "category", "year", "agency", "province", "failed_check")
# Fields kept out of the stored section JSON: the FTS table holds the words.
_NOT_STORED = ("tokens", "tokens_fine", "title_tokens", "path_tokens")
_HIT_COLUMNS = ("doc_id", "ord", "label", "year", "agency", "province")
_FACET_COLUMNS = ("label", "year", "agency", "province")

_DDL = """
CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, record_sha256 TEXT NOT NULL, source_sha256 TEXT,
    agency TEXT, year INTEGER, template TEXT, province TEXT, admin_level TEXT,
    n_sections INTEGER NOT NULL, n_failed_checks INTEGER NOT NULL,
    indexed_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sections (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    section_id TEXT NOT NULL, ord INTEGER NOT NULL, label TEXT, level INTEGER,
    agency TEXT, year INTEGER, template TEXT, province TEXT, admin_level TEXT,
    n_failed_checks INTEGER NOT NULL);
-- The stored section documents (zlib-compressed JSON), apart so that the rows the
-- filters and facets read stay small.
CREATE TABLE IF NOT EXISTS section_docs (rowid INTEGER PRIMARY KEY, doc BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS sections_doc_id ON sections (doc_id, ord);
CREATE INDEX IF NOT EXISTS sections_label ON sections (label);
CREATE INDEX IF NOT EXISTS sections_year ON sections (year);
CREATE TABLE IF NOT EXISTS section_categories (
    section INTEGER NOT NULL, category TEXT NOT NULL, PRIMARY KEY (section, category)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS section_categories_category ON section_categories (category);
CREATE TABLE IF NOT EXISTS section_check_kinds (
    section INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (section, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS section_check_kinds_kind ON section_check_kinds (kind);
CREATE TABLE IF NOT EXISTS jieba_freq (word TEXT PRIMARY KEY, freq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS section_fts USING fts5 (
    title, path, body, tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass
class IndexStats:
    """What one ``add`` did."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    removed: int = 0
    sections: int = 0
    seconds: float = 0.0
    failed: list[dict[str, str]] = field(default_factory=list)  # doc_id, error

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Hit:
    """One ranked section, with where its words matched in the record text."""

    id: str
    doc_id: str
    section_id: str
    agency: str | None
    year: int | None
    province: str | None
    label: str
    level: int | None
    title_path: list[str]
    score: float | None
    snippet: str
    highlights: list[list[int]]  # record-text offsets of the matched words
    categories: list[str]
    failed_check_kinds: list[str]
    weaknesses: list[dict[str, Any]]
    failed_checks: list[dict[str, Any]]
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    query: str
    match: str | None
    filters: dict[str, Any]
    total: int  # sections matching
    reports: int  # distinct reports among them
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["hits"] = [h.to_dict() for h in self.hits]
        return data


class SqliteIndex:
    """A search index in one SQLite file.

    ``SqliteIndex(path)`` opens (and creates) an index for writing;
    ``SqliteIndex(path, readonly=True)`` opens an existing one for searching.
    """

    def __init__(
        self,
        path: str | Path,
        analyzer: SearchAnalyzer | None = None,
        readonly: bool = False,
        builder: DocumentBuilder | None = None,
    ):
        self.path = Path(path)
        self.readonly = readonly
        self.analyzer = analyzer or (builder.analyzer if builder else SearchAnalyzer())
        self._builder = builder
        settings = search_config()
        ranking = settings["ranking"]
        self._weights = ", ".join(
            repr(float(ranking.get(f"{column}_weight", 1.0)))
            for column in ("title", "path", "body")
        )
        self._snippet = settings["snippet"]
        if readonly and not self.path.is_file():
            raise SearchError(Errors.E805.format(path=self.path))
        if readonly:
            self.conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True
            )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        self._setup()

    # -- life cycle -----------------------------------------------------------------
    def _setup(self) -> None:
        conn = self.conn
        try:
            conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5 (x)")
            conn.execute("DROP TABLE temp.fts5_probe")
        except sqlite3.OperationalError as e:
            raise SearchError(Errors.E804.format(detail=e)) from e
        fingerprint = json.dumps(self.analyzer.fingerprint, sort_keys=True)
        if not self.readonly:
            conn.executescript(_DDL)
            defaults = {
                "schema_version": INDEX_SCHEMA_VERSION,
                "analysis": fingerprint,
                "created": _now(),
            }
            conn.executemany(
                "INSERT OR IGNORE INTO index_meta VALUES (?, ?)", defaults.items()
            )
            conn.commit()
        meta = dict(conn.execute("SELECT key, value FROM index_meta"))
        if meta.get("schema_version") != INDEX_SCHEMA_VERSION:
            raise SearchError(
                Errors.E807.format(
                    path=self.path,
                    found=meta.get("schema_version"),
                    expected=INDEX_SCHEMA_VERSION,
                )
            )
        if meta.get("analysis") != fingerprint:
            raise SearchError(
                Errors.E806.format(
                    path=self.path,
                    detail=f"index {meta.get('analysis')}, now {fingerprint}",
                )
            )
        if "jieba_total" not in meta and not self.readonly:
            self._store_frequencies()
            meta = dict(conn.execute("SELECT key, value FROM index_meta"))
        if "jieba_total" in meta:
            self.analyzer.use_frequencies(
                FrequencyTable(conn), float(meta["jieba_total"])
            )
        # The hits of the last search, with the columns the facets count.
        conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS hits (rowid INTEGER PRIMARY KEY, "
            f"score REAL, {', '.join(_HIT_COLUMNS)})"
        )

    def _store_frequencies(self) -> None:
        tokenizer = self.analyzer.tokenizer
        self.conn.executemany(
            "INSERT OR REPLACE INTO jieba_freq VALUES (?, ?)", tokenizer.FREQ.items()
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO index_meta VALUES ('jieba_total', ?)",
            (repr(float(tokenizer.total)),),
        )
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def builder(self) -> DocumentBuilder:
        if self._builder is None:
            self._builder = DocumentBuilder(analyzer=self.analyzer)
        return self._builder

    # -- writing --------------------------------------------------------------------
    def add(
        self,
        records: Iterable[tuple[dict[str, Any], str | None]],
        prune: bool = False,
        commit_every: int = 500,
    ) -> IndexStats:
        """Add or replace the reports of ``(record, sha256)`` pairs; skip unchanged ones.

        With ``prune``, reports in the index that are not among ``records`` are removed.
        """
        start = time.perf_counter()
        stats = IndexStats()
        known = dict(self.conn.execute("SELECT doc_id, record_sha256 FROM docs"))
        seen: set[str] = set()
        next_rowid = self.conn.execute(
            "SELECT COALESCE(MAX(rowid), 0) + 1 FROM sections"
        ).fetchone()[0]
        pending = 0
        for record, sha in records:
            doc_id = record.get("doc_id")
            seen.add(doc_id)
            if sha is not None and known.get(doc_id) == sha:
                stats.unchanged += 1
                continue
            try:
                documents = self.builder(record, sha)
            except (NlpError, KeyError, TypeError, ValueError) as e:
                # One malformed record never stops the run; it is reported.
                logger.warning("cannot index %s: %s", doc_id, e)
                stats.failed.append(
                    {"doc_id": str(doc_id), "error": f"{type(e).__name__}: {e}"}
                )
                continue
            if doc_id in known:
                self._delete(doc_id)
                stats.replaced += 1
            else:
                stats.added += 1
            known[doc_id] = documents.report["record_sha256"]
            next_rowid = self._insert(documents, next_rowid)
            stats.sections += len(documents.sections)
            pending += 1
            if pending >= commit_every:
                self.conn.commit()
                pending = 0
        if prune:
            for doc_id in sorted(set(known) - seen):
                self._delete(doc_id)
                stats.removed += 1
        self.conn.execute(
            "INSERT OR REPLACE INTO index_meta VALUES ('updated', ?)", (_now(),)
        )
        self.conn.commit()
        stats.seconds = time.perf_counter() - start
        logger.info("indexed %s", stats.to_dict())
        return stats

    def remove(self, doc_id: str) -> bool:
        """Remove a report and its sections; False when it was not indexed."""
        found = self.conn.execute(
            "SELECT 1 FROM docs WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if found:
            self._delete(doc_id)
            self.conn.commit()
        return bool(found)

    def _delete(self, doc_id: str) -> None:
        rows = "SELECT rowid FROM sections WHERE doc_id = ?"
        self.conn.execute(f"DELETE FROM section_fts WHERE rowid IN ({rows})", (doc_id,))
        self.conn.execute(
            f"DELETE FROM section_categories WHERE section IN ({rows})", (doc_id,)
        )
        self.conn.execute(
            f"DELETE FROM section_check_kinds WHERE section IN ({rows})", (doc_id,)
        )
        self.conn.execute(
            f"DELETE FROM section_docs WHERE rowid IN ({rows})", (doc_id,)
        )
        self.conn.execute("DELETE FROM sections WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))

    def _insert(self, documents: IndexDocuments, rowid: int) -> int:
        report = documents.report
        self.conn.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report["doc_id"],
                report["record_sha256"],
                report["source_sha256"],
                report["agency"],
                report["year"],
                report["template"],
                report["province"],
                report["admin_level"],
                len(documents.sections),
                report["n_failed_checks"],
                _now(),
                json.dumps(report, ensure_ascii=False),
            ),
        )
        rows, stored_docs, fts, categories, kinds = [], [], [], [], []
        for section in documents.sections:
            stored = {k: v for k, v in section.items() if k not in _NOT_STORED}
            rows.append(
                (
                    rowid,
                    section["id"],
                    section["doc_id"],
                    section["section_id"],
                    section["ord"],
                    section["label"],
                    section["level"],
                    section["agency"],
                    section["year"],
                    section["template"],
                    section["province"],
                    section["admin_level"],
                    section["n_failed_checks"],
                )
            )
            stored_docs.append((rowid, _pack(stored)))
            fts.append(
                (
                    rowid,
                    section["title_tokens"],
                    section["path_tokens"],
                    section["tokens_fine"],
                )
            )
            categories += [(rowid, c) for c in section["categories"]]
            kinds += [(rowid, k) for k in section["failed_check_kinds"]]
            rowid += 1
        self.conn.executemany(
            "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        self.conn.executemany("INSERT INTO section_docs VALUES (?, ?)", stored_docs)
        self.conn.executemany(
            "INSERT INTO section_fts (rowid, title, path, body) VALUES (?, ?, ?, ?)",
            fts,
        )
        self.conn.executemany(
            "INSERT INTO section_categories VALUES (?, ?)", categories
        )
        self.conn.executemany("INSERT INTO section_check_kinds VALUES (?, ?)", kinds)
        return rowid

    def optimize(self) -> None:
        """Merge the FTS5 segments (after a large build; searches get faster)."""
        self.conn.execute("INSERT INTO section_fts (section_fts) VALUES ('optimize')")
        self.conn.commit()

    # -- reading --------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        reports, sections = self.conn.execute(
            "SELECT (SELECT COUNT(*) FROM docs), (SELECT COUNT(*) FROM sections)"
        ).fetchone()
        meta = dict(self.conn.execute("SELECT key, value FROM index_meta"))
        return {"reports": reports, "sections": sections, **meta}

    def report(self, doc_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT doc FROM docs WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def section(self, section_id: str) -> dict[str, Any] | None:
        """The stored document of a section (without its word fields)."""
        row = self.conn.execute(
            "SELECT d.doc FROM sections s JOIN section_docs d ON d.rowid = s.rowid "
            "WHERE s.id = ?",
            (section_id,),
        ).fetchone()
        return _unpack(row[0]) if row else None

    def search(
        self,
        query: str = "",
        filters: Filters | None = None,
        limit: int = 10,
        offset: int = 0,
        per_report: bool = False,
        facets: bool = True,
        marks: tuple[str, str] = ("【", "】"),
    ) -> SearchResult:
        """Ranked sections for ``query`` under ``filters``, with facet counts of all hits.

        ``per_report`` keeps the best section of each report. ``marks`` wrap the
        matched words in snippets.
        """
        start = time.perf_counter()
        filters = filters or Filters()
        compiled = compile_query(query, self.analyzer)
        where, params = _filter_sql(filters)
        conn = self.conn
        conn.execute("DELETE FROM temp.hits")
        columns = ", ".join(f"s.{c}" for c in _HIT_COLUMNS)
        insert = f"INSERT INTO temp.hits (rowid, score, {', '.join(_HIT_COLUMNS)}) "
        if compiled.match:
            # CROSS JOIN keeps the FTS5 match as the outer loop: driven by a filter's
            # index instead, SQLite would run the match once per filtered section.
            conn.execute(
                f"{insert} SELECT f.rowid, bm25(section_fts, {self._weights}), {columns} "
                "FROM section_fts f CROSS JOIN sections s ON s.rowid = f.rowid "
                f"WHERE section_fts MATCH ? AND {where}",
                [compiled.match, *params],
            )
        else:
            conn.execute(
                f"{insert} SELECT s.rowid, 0, {columns} FROM sections s WHERE {where}",
                params,
            )
        total, reports = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM temp.hits"
        ).fetchone()
        rows = self._top(limit, offset, per_report)
        hits = self._hits(rows, compiled, marks)
        result = SearchResult(
            query=query,
            match=compiled.match,
            filters=filters.to_dict(),
            total=total,
            reports=reports,
            hits=hits,
            facets=self._facets() if facets else {},
        )
        result.seconds = time.perf_counter() - start
        return result

    def _top(self, limit: int, offset: int, per_report: bool) -> list[tuple]:
        if per_report:
            best = (
                "SELECT rowid, score, doc_id, ord FROM (SELECT rowid, score, doc_id, ord, "
                "ROW_NUMBER() OVER (PARTITION BY doc_id ORDER BY score, ord) AS rank "
                "FROM temp.hits) WHERE rank = 1"
            )
        else:
            best = "SELECT rowid, score, doc_id, ord FROM temp.hits"
        return self.conn.execute(
            f"SELECT h.rowid, h.score, d.doc FROM ({best} ORDER BY score, doc_id, ord "
            "LIMIT ? OFFSET ?) h JOIN section_docs d ON d.rowid = h.rowid "
            "ORDER BY h.score, h.doc_id, h.ord",
            (limit, offset),
        ).fetchall()

    def _facets(self) -> dict[str, dict[str, int]]:
        # One pass over the hits for the single-valued facets, summed per facet here.
        grouped = ", ".join(_FACET_COLUMNS)
        combinations = self.conn.execute(
            f"SELECT {grouped}, COUNT(*) FROM temp.hits GROUP BY {grouped}"
        ).fetchall()
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        for row in combinations:
            for name, value in zip(_FACET_COLUMNS, row):
                counts[name][value] += row[-1]
        counts["category"].update(
            dict(
                self.conn.execute(
                    "SELECT c.category, COUNT(*) FROM temp.hits h "
                    "JOIN section_categories c ON c.section = h.rowid GROUP BY 1"
                )
            )
        )
        counts["failed_check"].update(
            dict(
                self.conn.execute(
                    "SELECT k.kind, COUNT(*) FROM temp.hits h "
                    "JOIN section_check_kinds k ON k.section = h.rowid GROUP BY 1"
                )
            )
        )
        facets = {}
        for name in FACETS:
            items = counts[name].items()
            if name == "year":
                ordered = sorted(items, key=lambda kv: (kv[0] is None, kv[0] or 0))
            else:
                ordered = sorted(items, key=lambda kv: (-kv[1], str(kv[0])))
            facets[name] = {("" if k is None else str(k)): n for k, n in ordered}
        return facets

    def _hits(
        self, rows: list[tuple], compiled: CompiledQuery, marks: tuple[str, str]
    ) -> list[Hit]:
        marked: dict[int, str] = {}
        if compiled.match and rows:
            placeholders = ",".join("?" * len(rows))
            marked = dict(
                self.conn.execute(
                    f"SELECT rowid, highlight(section_fts, 2, '{OPEN}', '{CLOSE}') FROM section_fts "
                    f"WHERE section_fts MATCH ? AND rowid IN ({placeholders})",
                    [compiled.match, *(r[0] for r in rows)],
                )
            )
        hits = []
        for rowid, score, stored in rows:
            section = _unpack(stored)
            spans = [(p["start"], p["end"]) for p in section["spans"]]
            local = highlighted(section["text"], marked.get(rowid, ""))
            text = make_snippet(section["text"], local, self._snippet, marks)
            hits.append(
                Hit(
                    id=section["id"],
                    doc_id=section["doc_id"],
                    section_id=section["section_id"],
                    agency=section["agency"],
                    year=section["year"],
                    province=section["province"],
                    label=section["label"],
                    level=section["level"],
                    title_path=section["title_path"],
                    score=round(-score, 4) if compiled.match else None,
                    snippet=text,
                    highlights=[
                        [to_record(spans, a), to_record(spans, b - 1) + 1]
                        for a, b in local
                    ],
                    categories=section["categories"],
                    failed_check_kinds=section["failed_check_kinds"],
                    weaknesses=section["weaknesses"],
                    failed_checks=section["failed_checks"],
                    start=section["start"],
                    end=section["end"],
                )
            )
        return hits


class FrequencyTable(Mapping):
    """The jieba word frequencies stored in an index, read as jieba reads its ``FREQ``.

    Entries are looked up one by one (a query needs a few dozen) and remembered.
    """

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._seen: dict[str, int | None] = {}

    def __getitem__(self, word: str) -> int:
        if word in self._seen:
            freq = self._seen[word]
        else:
            row = self._conn.execute(
                "SELECT freq FROM jieba_freq WHERE word = ?", (word,)
            ).fetchone()
            freq = self._seen[word] = row[0] if row else None
        if freq is None:
            raise KeyError(word)
        return freq

    def __contains__(self, word: object) -> bool:
        try:
            self[word]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._conn.execute("SELECT word FROM jieba_freq"))

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM jieba_freq").fetchone()[0]


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.labels:
        clauses.append(f"s.label IN ({','.join('?' * len(filters.labels))})")
        params += filters.labels
    if filters.categories:
        clauses.append(
            "s.rowid IN (SELECT section FROM section_categories WHERE category "
            f"IN ({','.join('?' * len(filters.categories))}))"
        )
        params += filters.categories
    if filters.agency:
        escaped = (
            filters.agency.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        clauses.append("s.agency LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    if filters.year_from is not None:
        clauses.append("s.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("s.year <= ?")
        params.append(filters.year_to)
    for column in ("province", "admin_level", "template", "doc_id"):
        value = getattr(filters, column)
        if value:
            clauses.append(f"s.{column} = ?")
            params.append(value)
    if filters.failed_checks == "any":
        clauses.append("s.rowid IN (SELECT section FROM section_check_kinds)")
    elif filters.failed_checks:
        clauses.append(
            "s.rowid IN (SELECT section FROM section_check_kinds WHERE kind = ?)"
        )
        params.append(filters.failed_checks)
    return (" AND ".join(clauses) or "1"), params


def _pack(document: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"), 6)


def _unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
