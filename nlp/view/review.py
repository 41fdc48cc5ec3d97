"""The review list for disclosure offices: one row per failed or uncertain check.

``review.csv`` (UTF-8 with a byte-order mark, so Excel shows the Chinese) and
``review.xlsx`` (a filtered, frozen sheet). Each row links to the report page at the
check. Excel drops the ``#check=…`` part of a link to a local file, so the sheet links
to a one-line page under ``SITE/go/`` that forwards to the spot instead.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path
from typing import Any

from markupsafe import escape

from .names import GO, REPORTS, fragment
from .report import evidence_text, number

COLUMNS = (
    "agency",
    "year",
    "report",
    "check",
    "kind",
    "rule",
    "verdict",
    "indicator",
    "message",
    "left",
    "right",
    "expected",
    "evidence",
    "link",
)
REVIEWED = ("fail", "uncertain")


def review_rows(
    docs: list[dict[str, Any]], pages: dict[str, str]
) -> list[dict[str, Any]]:
    """Rows in agency, year, report order; ``page`` and ``spot`` say where in the
    site (relative to the site folder) each check is shown."""
    by_id = {d["doc_id"]: d for d in docs}
    rows = []
    for doc in docs:
        meta = doc["meta"]
        for order, check in enumerate(doc["checks"]):
            if check.get("verdict") not in REVIEWED:
                continue
            evidence = "; ".join(
                evidence_text(ev, by_id.get(ev.get("doc_id") or doc["doc_id"]))
                + (
                    f" [in {ev['doc_id']}]"
                    if ev.get("doc_id") not in (None, doc["doc_id"])
                    else ""
                )
                for ev in check["evidence"]
            )
            page = f"{REPORTS}/{pages[doc['doc_id']]}"
            spot = page + fragment("check", str(check.get("id")))
            rows.append(
                {
                    "agency": meta.get("agency") or "",
                    "year": meta.get("year") if meta.get("year") is not None else "",
                    "report": doc["doc_id"],
                    "check": check.get("id") or "",
                    "kind": check.get("kind") or "",
                    "rule": check.get("rule") or "",
                    "verdict": check.get("verdict"),
                    "indicator": check.get("indicator") or "",
                    "message": check.get("message") or "",
                    "left": number(
                        check.get("left")
                        if check.get("left") is not None
                        else check.get("left_text")
                    ),
                    "right": number(
                        check.get("right")
                        if check.get("right") is not None
                        else check.get("right_text")
                    ),
                    "expected": number(
                        check.get("expected")
                        if check.get("expected") is not None
                        else check.get("expected_text")
                    ),
                    "evidence": evidence,
                    "spot": spot,
                    "go": f"{GO}/{_go_name(doc['doc_id'], str(check.get('id')))}",
                    "_order": (
                        meta.get("agency") or "\uffff",
                        meta.get("year") or 0,
                        doc["doc_id"],
                        REVIEWED.index(check.get("verdict")),
                        order,
                    ),
                }
            )
    rows.sort(key=lambda r: r["_order"])
    for row in rows:
        del row["_order"]
    return rows


def _go_name(doc_id: str, check_id: str) -> str:
    digest = hashlib.sha1(f"{doc_id}\0{check_id}".encode()).hexdigest()[:12]
    return f"{digest}.html"


def write_go_pages(site: Path, rows: list[dict[str, Any]]) -> None:
    """``SITE/go/<hash>.html``: forwards to the check's spot (no script needed)."""
    folder = site / GO
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        target = "../" + row["spot"]
        (folder / Path(row["go"]).name).write_text(
            "<!doctype html><meta charset='utf-8'>"
            f"<meta http-equiv='refresh' content='0; url={escape(target)}'>"
            f"<title>{escape(row['report'])} {escape(row['check'])}</title>"
            f"<a href='{escape(target)}'>{escape(row['report'])} · "
            f"{escape(row['check'])}</a>\n",
            encoding="utf-8",
        )


def _relative(site: Path, folder: Path, path: str) -> str:
    return Path(os.path.relpath(site.resolve() / path, folder.resolve())).as_posix()


def write_csv(path: Path, rows: list[dict[str, Any]], site: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            link = _relative(site, path.parent, row["spot"])
            writer.writerow([row[c] for c in COLUMNS[:-1]] + [link])


def write_xlsx(path: Path, rows: list[dict[str, Any]], site: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        link = _relative(site, path.parent, row["spot"])
        sheet.append([row[c] for c in COLUMNS[:-1]] + [link])
        target = sheet.cell(row=sheet.max_row, column=len(COLUMNS))
        target.hyperlink = _relative(site, path.parent, row["go"])
        target.style = "Hyperlink"
    widths = {"agency": 24, "report": 28, "message": 60, "evidence": 70, "link": 50}
    for index, name in enumerate(COLUMNS, 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(name, 10)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
