"""``python -m nlp.search QUERY --db PATH [filters]``: ranked sections and facet counts.

Prints, for each hit, the report (doc_id, agency, year), the section's label and title
path, and a snippet with the matched words marked; then facet counts (label,
weakness category, year, agency, province, failed check kind) over every matching
section, not only those shown. ``--json`` prints the same as one JSON object.
Exit code 0 when something matched, 1 when nothing did, 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from ..config import load_config
from ..errors import NlpError
from ..search.analysis import search_config
from ..search.query import Filters, parse_years
from ..search.sqlite_index import SearchResult, SqliteIndex

CHECK_KINDS = ("sum", "text_table", "cross_year", "template")


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(
        v.strip() for value in values or [] for v in value.split(",") if v.strip()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.search",
        description="Search the sections of indexed reports (build the index with "
        "`python -m nlp.index OUT --db PATH`).",
        epilog="Query: words must all match (each word as jieba words next to each other); "
        'A OR B; -A excludes; "A B" one phrase; title:A only in headings. '
        "The query may be empty when filters are given.",
    )
    parser.add_argument(
        "query", nargs="*", help="search words (Chinese is cut with jieba)"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("search.db"),
        help="index file (default: search.db)",
    )
    parser.add_argument(
        "--label", action="append", help="section label(s), e.g. problems"
    )
    parser.add_argument(
        "--category",
        action="append",
        help="weakness category(ies) inside the section, e.g. platform",
    )
    parser.add_argument("--agency", help="part of the agency name, e.g. 平潭")
    parser.add_argument("--year", help="report year or range: 2018, 2017-2019, 2019-")
    parser.add_argument("--province", help="province (short name), e.g. 江苏")
    parser.add_argument(
        "--admin-level",
        choices=("province", "prefecture", "county", "township", "unknown"),
    )
    parser.add_argument("--template", choices=("pre2019", "2019", "2021", "unknown"))
    parser.add_argument(
        "--failed-checks",
        action="store_true",
        help="only sections holding evidence of a failed check",
    )
    parser.add_argument(
        "--check-kind",
        choices=CHECK_KINDS,
        help="only failed checks of this kind (implies --failed-checks); "
        "text_table: prose contradicting its table",
    )
    parser.add_argument("--doc", help="only this doc_id")
    parser.add_argument(
        "--per-report", action="store_true", help="the best section of each report only"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="hits to show (default: 10)"
    )
    parser.add_argument("--offset", type=int, default=0, help="hits to skip (paging)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="log detail")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    limit = (
        args.limit if args.limit is not None else int(search_config().get("limit", 10))
    )
    if limit < 0 or args.offset < 0:
        parser.error("--limit and --offset must not be negative")
    labels, categories = _split(args.label), _split(args.category)
    unknown = _unknown(labels, "sections", "labels") + _unknown(
        categories, "weaknesses", "categories"
    )
    if unknown:
        parser.error("; ".join(unknown))
    try:
        year_from, year_to = parse_years(args.year)
        filters = Filters(
            labels=labels,
            categories=categories,
            agency=args.agency,
            year_from=year_from,
            year_to=year_to,
            province=args.province,
            admin_level=args.admin_level,
            template=args.template,
            doc_id=args.doc,
            failed_checks=args.check_kind or ("any" if args.failed_checks else None),
        )
        marks = (
            ("\x1b[1;31m", "\x1b[0m")
            if sys.stdout.isatty() and not args.json
            else ("【", "】")
        )
        with SqliteIndex(args.db, readonly=True) as index:
            result = index.search(
                " ".join(args.query),
                filters,
                limit=limit,
                offset=args.offset,
                per_report=args.per_report,
                marks=marks,
            )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        else:
            print_result(result, args.offset)
    except BrokenPipeError:  # `| head`: the reader has seen enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    return 0 if result.total else 1


def _unknown(values: tuple[str, ...], config: str, key: str) -> list[str]:
    known = load_config(config).get(key) or []
    bad = [v for v in values if v not in known]
    return (
        [f"unknown {key[:-1]} {', '.join(bad)} (known: {', '.join(known)})"]
        if bad
        else []
    )


def print_result(result: SearchResult, offset: int = 0) -> None:
    what = f"match {result.query!r}" if result.match else "pass the filters"
    filters = ", ".join(f"{k}={v}" for k, v in result.filters.items())
    print(
        f"{result.total} sections in {result.reports} reports {what}"
        + (f" (FTS5: {result.match})" if result.match else "")
        + (f"; filters: {filters}" if filters else "")
        + f"  [{result.seconds * 1000:.1f} ms]"
    )
    for rank, hit in enumerate(result.hits, offset + 1):
        score = f"  score {hit.score:.2f}" if hit.score is not None else ""
        print(
            f"\n{rank:>3}. {hit.doc_id}  {hit.agency or '?'}  {hit.year or '?'}  "
            f"[{hit.label or 'unlabelled'}]{score}"
        )
        print("     " + " › ".join(t for t in hit.title_path if t))
        print("     " + hit.snippet)
        notes = []
        if hit.weaknesses:
            notes.append(
                "weaknesses: "
                + "; ".join(f"{w['category']}: {w['text']}" for w in hit.weaknesses)
            )
        if hit.failed_checks:
            notes.append(
                "failed checks: "
                + "; ".join(
                    f"{c['kind']} {c['indicator'] or c['rule']}"
                    for c in hit.failed_checks
                )
            )
        for note in notes:
            print("     " + note)
    if result.facets:
        print(f"\nFacets over all {result.total} matching sections:")
        for name, counts in result.facets.items():
            shown = " · ".join(
                f"{k or '(none)'} {n}" for k, n in list(counts.items())[:12]
            )
            more = f" · … {len(counts) - 12} more" if len(counts) > 12 else ""
            print(f"  {name:<13}{shown or '-'}{more}")


if __name__ == "__main__":
    sys.exit(main())
