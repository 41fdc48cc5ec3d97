"""``python -m nlp.view OUT --site SITE``: a static site of a run's findings.

Writes SITE/index.html (the corpus overview), SITE/reports/*.html (one page per
report), SITE/agencies/*.html (one per agency), SITE/review.html, and the review list
OUT/review.csv and OUT/review.xlsx. ``--screenshots DIR`` then photographs a report
page, an agency page and the overview with headless Chromium (the README's images).
Exit code 0 when every record was shown, 1 when some record file could not be read,
2 on bad usage or a run folder that cannot be shown.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import NlpError
from ..view.load import read_run
from ..view.screenshots import take_screenshots
from ..view.site import build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.view",
        description="Build a static site (no server, no network) of a run's findings.",
    )
    parser.add_argument("out", type=Path, help="output folder of `python -m nlp.run`")
    parser.add_argument(
        "--site", type=Path, default=Path("site"), help="site folder (default: site)"
    )
    parser.add_argument(
        "--copy-sources",
        action="store_true",
        help="copy each report's source file into SITE/sources/ and link it there",
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write report.png, agency.png and overview.png into DIR",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        result = build_site(args.out, args.site, copy_sources=args.copy_sources)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"Built {result.site}/index.html: {result.reports} report pages, "
        f"{result.agencies} agency pages, the overview and the review list "
        f"({result.review_rows} checks to review) in {result.seconds:.2f}s."
    )
    print("Review list: " + ", ".join(str(p) for p in result.review_files))
    for problem in result.problems:
        print(f"  NOT SHOWN {problem['file']}: {problem['message']}", file=sys.stderr)
    if args.screenshots is not None:
        try:
            shots = take_screenshots(read_run(args.out), args.site, args.screenshots)
        except NlpError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print("Screenshots: " + ", ".join(str(p) for p in shots))
    return 1 if result.problems else 0
