"""The README's screenshots, made from a built site by headless Chromium: a report page
with a failed check selected, an agency page and the overview."""

from __future__ import annotations

from pathlib import Path

from .agency import group_agencies
from .browser import headless_chromium, wait_ready
from .load import RunData
from .names import AGENCIES, REPORTS, agency_page, fragment, page_names

SHOTS = ("report.png", "agency.png", "overview.png")


def showcase(run: RunData) -> tuple[str, str | None, str]:
    """(report doc_id, its check to select, agency): a failed check whose evidence is
    all in its own report, a sum over table cells before a prose-table comparison (it
    shows the grid), in the report with the most failed checks; and the agency with
    the most reports."""
    order = {"sum": 0, "text_table": 1}
    candidates = []
    for doc in run.docs:
        fails = [c for c in doc["checks"] if c.get("verdict") == "fail"]
        for check in fails:
            local = all(
                e.get("doc_id") in (None, doc["doc_id"]) for e in check["evidence"]
            )
            if local and check["evidence"]:
                rank = order.get(str(check.get("kind")), 2)
                candidates.append((rank, -len(fails), doc["doc_id"], check.get("id")))
    agencies = group_agencies(run.docs)
    agency = max(agencies, key=lambda a: (len(agencies[a]), a))
    if candidates:
        _, _, doc_id, check = min(candidates)
        return doc_id, check, agency
    return run.docs[0]["doc_id"], None, agency


def take_screenshots(run: RunData, site: Path, folder: Path) -> list[Path]:
    """Write SHOTS into ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    doc_id, check, agency = showcase(run)
    pages = page_names([d["doc_id"] for d in run.docs])
    report = (site / REPORTS / pages[doc_id]).resolve().as_uri()
    if check:
        report += fragment("check", str(check))
    targets = [
        report,
        (site / AGENCIES / agency_page(agency)).resolve().as_uri(),
        (site / "index.html").resolve().as_uri(),
    ]
    written = []
    with headless_chromium(1366, 900) as driver:
        for url, name in zip(targets, SHOTS):
            driver.get(url)
            wait_ready(driver)
            path = folder / name
            driver.save_screenshot(str(path))
            written.append(path)
    return written
