"""Build the static site from a run folder: one page per report and per agency, the
overview, the review list, the plots and the two static files.

Everything is written under SITE with relative links, so the folder opens from
``file://`` anywhere (a USB stick) with no server and no network. The review list is
also written beside the records, as ``OUT/review.csv`` and ``OUT/review.xlsx``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import plots, sparks
from .agency import agency_context, group_agencies
from .errors import ViewError, ViewErrors
from .load import RunData, read_run
from .names import AGENCIES, GO, PLOTS, REPORTS, STATIC, agency_page, page_names
from .overview import overview_context
from .report import Links, incoming_checks, report_context
from .review import review_rows, write_csv, write_go_pages, write_xlsx

logger = logging.getLogger("nlp.view")
HERE = Path(__file__).resolve().parent
GENERATED = {REPORTS: "*.html", AGENCIES: "*.html", GO: "*.html", PLOTS: "*.svg"}


@dataclass
class SiteResult:
    """What a build wrote, and how long it took."""

    site: Path
    reports: int = 0
    agencies: int = 0
    review_rows: int = 0
    seconds: float = 0.0
    review_files: list[Path] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)
    agency_pages: dict[str, str] = field(default_factory=dict)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _source_href(
    source: dict[str, Any], out: Path, site: Path, copied: Path | None
) -> str | None:
    """A relative link from a report page to the report's source file, if found."""
    if copied is not None:
        return quote(Path(os.path.relpath(copied, site / REPORTS)).as_posix())
    path = source.get("path")
    if not path:
        return None
    found = _find_source(path, out)
    if found is None:
        return None
    return quote(Path(os.path.relpath(found, (site / REPORTS).resolve())).as_posix())


def _find_source(path: str, out: Path) -> Path | None:
    candidate = Path(path)
    places = (
        [candidate]
        if candidate.is_absolute()
        else [
            Path.cwd() / candidate,
            out.resolve().parent / candidate,
            out.resolve() / candidate,
        ]
    )
    for place in places:
        if place.is_file():
            return place.resolve()
    return None


def _prepare(site: Path, out: Path) -> None:
    site_r, out_r = site.resolve(), out.resolve()
    if site_r == out_r or site_r.is_relative_to(out_r / "docs"):
        raise ViewError(ViewErrors.E904.format(path=site))
    for folder, pattern in GENERATED.items():
        target = site / folder
        if target.is_dir():
            for stale in target.glob(pattern):
                stale.unlink()
        target.mkdir(parents=True, exist_ok=True)
    (site / STATIC).mkdir(parents=True, exist_ok=True)
    for name in ("view.css", "view.js"):
        shutil.copyfile(HERE / "static" / name, site / STATIC / name)


def _write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")


def _copy_sources(run: RunData, site: Path, pages: dict[str, str]) -> dict[str, Path]:
    copied = {}
    folder = site / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    for doc in run.docs:
        found = _find_source(doc["source"].get("path") or "", run.out)
        if found is None:
            continue
        target = folder / (Path(pages[doc["doc_id"]]).stem + found.suffix.lower())
        shutil.copyfile(found, target)
        copied[doc["doc_id"]] = target
    return copied


def build_site(out: Path, site: Path, copy_sources: bool = False) -> SiteResult:
    """Write the site for the run folder ``out`` into ``site``; also
    ``out/review.csv`` and ``out/review.xlsx``."""
    started = time.perf_counter()
    out, site = Path(out), Path(site)
    run = read_run(out)
    site.mkdir(parents=True, exist_ok=True)
    _prepare(site, out)
    env = environment()
    pages = page_names([d["doc_id"] for d in run.docs])
    links = Links(pages)
    env.globals["report_href"] = links.report
    agencies = group_agencies(run.docs)
    agency_pages = {name: agency_page(name) for name in agencies}
    agency_of = {d["doc_id"]: a for a, members in agencies.items() for d in members}
    incoming = incoming_checks(run.docs)
    docs = run.by_id()
    copied = _copy_sources(run, site, pages) if copy_sources else {}

    template = env.get_template("report.html")
    for doc in run.docs:
        context = report_context(doc, docs, incoming.get(doc["doc_id"], []), links)
        context["body"] = Markup(context["body"])
        agency = agency_of[doc["doc_id"]]
        context.update(
            root="../",
            agency_name=agency,
            agency_href=agency_pages[agency],
            source_href=_source_href(
                doc["source"], out, site, copied.get(doc["doc_id"])
            ),
        )
        _write(site / REPORTS / pages[doc["doc_id"]], template.render(context))

    template = env.get_template("agency.html")
    for name, members in agencies.items():
        context = agency_context(name, members, run.weaknesses, links)
        svg = sparks.series_svg(context["series"])
        context.update(root="../", plot=Markup(svg) if svg else None)
        _write(site / AGENCIES / agency_pages[name], template.render(context))

    context = overview_context(
        run.docs,
        agencies,
        agency_pages,
        run.summary,
        run.weaknesses,
        run.problems,
        links,
    )
    drawn = {
        "rules": plots.checks_by_rule(context["rules"]),
        "years": plots.reports_by_year(context["report_years"], context["templates"]),
        "categories": plots.categories_by_year(
            context["categories"], context["category_years"], context["category_counts"]
        ),
    }
    names = {}
    for key, svg in drawn.items():
        if svg:
            names[key] = f"overview-{key}.svg"
            (site / PLOTS / names[key]).write_text(svg, encoding="utf-8")
    context.update(root="", plots=names)
    _write(site / "index.html", env.get_template("overview.html").render(context))

    rows = review_rows(run.docs, pages)
    write_go_pages(site, rows)
    _write(
        site / "review.html", env.get_template("review.html").render(root="", rows=rows)
    )
    written = []
    for folder in (out, site):
        write_csv(folder / "review.csv", rows, site)
        write_xlsx(folder / "review.xlsx", rows, site)
        written += [folder / "review.csv", folder / "review.xlsx"]
    return SiteResult(
        site=site,
        reports=len(run.docs),
        agencies=len(agencies),
        review_rows=len(rows),
        seconds=time.perf_counter() - started,
        review_files=written,
        problems=run.problems,
        pages=pages,
        agency_pages=agency_pages,
    )
