"""Crawl dumps as input: CSV, TSV, JSONL and Parquet files whose rows are reports.

A crawler's output holds one report per row: a text or HTML column, and title, URL
and date columns. ``read_dump`` yields the rows one at a time (a dump can be larger
than memory), with the columns named by the caller or found among common names
(``text``/``content``/``正文``, ``html``, ``title``/``标题``, ``url``/``link``,
``date``/``published``/``发布日期``). ``row_report`` turns one row into the raw
``Report`` the pipeline starts from; its source is the dump file plus the row
number (1-based, header excluded), and its id ``<file id>#row=<n>``.

A dump is told from a report file by its extension: ``.csv``, ``.tsv``, ``.jsonl``
(``.ndjson``) and ``.parquet`` are not report formats. One bad row is one failed
record; a dump that cannot be opened at all is one failed record under its own id.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ...errors import Errors, IngestError
from ...records import Report
from . import report_from_bytes, row_doc_id
from .base import DEFAULT_LIMITS, Limits

DUMP_EXTENSIONS = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet")

# Column names tried in order when a column is not named (compared case-folded).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": (
        "text",
        "content",
        "body",
        "fulltext",
        "full_text",
        "article",
        "正文",
        "内容",
        "全文",
        "文本",
    ),
    "html": (
        "html",
        "raw_html",
        "content_html",
        "html_content",
        "page",
        "page_html",
        "网页",
        "源码",
    ),
    "title": ("title", "headline", "name", "标题", "题目", "名称"),
    "url": ("url", "link", "href", "source_url", "page_url", "网址", "链接"),
    "date": (
        "date",
        "published",
        "publish_date",
        "pub_date",
        "published_at",
        "publish_time",
        "pubdate",
        "time",
        "发布日期",
        "发布时间",
        "日期",
        "时间",
    ),
}
FLAGS = {key: f"--{key}-column" for key in CANDIDATES}
_SNIFF = 1 << 20


def is_dump(path: str | Path) -> bool:
    return Path(str(path)).suffix.lower() in DUMP_EXTENSIONS


@dataclass(frozen=True)
class Columns:
    """Column names given by the user (``None``: look for a common name)."""

    text: str | None = None
    html: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass
class DumpRow:
    """One row: its number (1-based) and cells, or the error that spoils it."""

    row: int
    text: Any = None
    html: Any = None
    title: Any = None
    url: Any = None
    date: Any = None
    error: IngestError | None = None


def resolve_columns(path: Path, names: list[str], given: Columns) -> dict[str, str]:
    """Which dump column plays each part (text, html, title, url, date)."""
    folded = {str(name).casefold(): str(name) for name in names}
    shown = ", ".join(map(str, names)) or "none"
    found: dict[str, str] = {}
    for key, candidates in CANDIDATES.items():
        wanted = getattr(given, key)
        if wanted is not None:
            if wanted not in names:
                raise IngestError(
                    "bad_column",
                    Errors.E123.format(
                        path=path, column=wanted, flag=FLAGS[key], columns=shown
                    ),
                )
            found[key] = wanted
            continue
        if key in ("text", "html") and (given.text or given.html):
            continue  # the user named the body column: use that one only
        for candidate in candidates:
            if candidate.casefold() in folded:
                found[key] = folded[candidate.casefold()]
                break
    if "text" not in found and "html" not in found:
        raise IngestError(
            "no_text_column", Errors.E122.format(path=path, columns=shown)
        )
    return found


def read_dump(
    path: Path,
    columns: Columns = Columns(),
    limits: Limits = DEFAULT_LIMITS,
    start: int = 1,
) -> Iterator[DumpRow]:
    """The rows of a dump from row ``start`` on. Raises ``IngestError`` when the
    dump cannot be opened or has no text column; a failure past that point is
    yielded as a row with ``error`` set, and reading stops."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            rows = _parquet_rows(path, columns)
        elif suffix in (".jsonl", ".ndjson"):
            rows = _jsonl_rows(path, columns, limits)
        else:
            rows = _csv_rows(path, columns, limits, "\t" if suffix == ".tsv" else ",")
        number = 0
        for number, row in enumerate(rows, 1):
            if number >= start:
                yield row
    except IngestError:
        raise
    except Exception as e:  # pyarrow, csv and codec errors alike
        raise IngestError(
            "dump", Errors.E119.format(path=path, detail=f"{type(e).__name__}: {e}")
        ) from e


def _cells(found: dict[str, str], get) -> dict[str, Any]:
    return {key: get(name) for key, name in found.items()}


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start of the file is UTF-8, else
    GB18030 (the crawlers' other encoding)."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a character cut at the sniff's end
            return "gb18030"
    return "utf-8"


def _csv_rows(
    path: Path, columns: Columns, limits: Limits, delimiter: str
) -> Iterator[DumpRow]:
    csv.field_size_limit(min(sys.maxsize, limits.max_bytes or sys.maxsize))
    with path.open("r", encoding=_encoding(path), newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise IngestError("empty", Errors.E100.format(path=path)) from None
        found = resolve_columns(path, header, columns)
        index = {name: i for i, name in enumerate(header)}
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as e:
                yield DumpRow(
                    row=number,
                    error=IngestError(
                        "dump",
                        Errors.E119.format(path=path, detail=f"row {number}: {e}"),
                    ),
                )
                return
            if not any(cells):
                number -= 1  # a blank line is no row
                continue
            yield DumpRow(
                row=number,
                **_cells(
                    found,
                    lambda name, cells=cells: (
                        cells[index[name]] if index[name] < len(cells) else None
                    ),
                ),
            )


def _jsonl_rows(path: Path, columns: Columns, limits: Limits) -> Iterator[DumpRow]:
    cap = -1 if limits.max_bytes is None else limits.max_bytes + 1
    number = 0
    with path.open("rb") as handle:
        while True:
            line = handle.readline(cap)
            if not line:
                return
            if not line.strip():
                continue
            number += 1
            if not line.endswith(b"\n") and limits.exceeded("max_bytes", len(line)):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the over-long line
                yield DumpRow(
                    row=number,
                    error=IngestError(
                        "too_large",
                        Errors.E110.format(
                            path=f"{path} row {number}",
                            size=f"more than {limits.max_bytes}",
                            limit=limits.max_bytes,
                        ),
                    ),
                )
                continue
            try:
                item = json.loads(line)
            except ValueError as e:
                item = e
            if not isinstance(item, dict):
                detail = item if isinstance(item, ValueError) else type(item).__name__
                yield DumpRow(
                    row=number,
                    error=IngestError(
                        "bad_row",
                        Errors.E121.format(path=path, row=number, detail=detail),
                    ),
                )
                continue
            # JSON objects need not share their keys: the columns are found per row.
            try:
                found = resolve_columns(path, list(item), columns)
            except IngestError as e:
                yield DumpRow(row=number, error=e)
                continue
            yield DumpRow(row=number, **_cells(found, item.get))


def _parquet_rows(path: Path, columns: Columns) -> Iterator[DumpRow]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as dump:
        found = resolve_columns(path, dump.schema_arrow.names, columns)
        wanted = list(dict.fromkeys(found.values()))
        number = 0
        for batch in dump.iter_batches(batch_size=64, columns=wanted):
            for item in batch.to_pylist():
                number += 1
                yield DumpRow(row=number, **_cells(found, item.get))


def _string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = " ".join(str(value).split())
    return text or None


def _body(value: Any) -> str | bytes | None:
    if value is None or isinstance(value, (str, bytes)):
        return value if value and value.strip() else None
    if isinstance(value, float) and math.isnan(value):  # pandas-made dumps
        return None
    return str(value)


def row_report(
    item: DumpRow, path: Path, file_id: str, limits: Limits = DEFAULT_LIMITS
) -> Report:
    """The raw report of one dump row; raises ``IngestError`` for a bad row. The
    HTML cell is read when it is filled (the reader keeps tables as rows and drops
    page furniture), else the text cell."""
    if item.error is not None:
        raise item.error
    html, text = _body(item.html), _body(item.text)
    if html is None and text is None:
        raise IngestError(
            "no_text",
            Errors.E120.format(path=path, row=item.row, columns="text, html"),
        )
    data, fmt = (html, "html") if html is not None else (text, "txt")
    return report_from_bytes(
        data,
        f"{path} row {item.row}",
        doc_id=row_doc_id(file_id, item.row),
        fmt=fmt,
        limits=limits,
        path=str(path),
        title=_string(item.title),
        url=_string(item.url),
        published=_string(item.date),
        row=item.row,
    )
