"""One real run for the site tests: the whole sample corpus through ``nlp.run``, with
one report moved into a sub-folder under a Chinese file name and two broken files
added, then the site built from it. Run once per test session, shared by
``test_view.py`` and ``test_view_browser.py``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE

from nlp.view import build_site

MOVED = ("fusong-sjj-2017.txt", "sub/抚松县审计局2017.txt")
BROKEN = {"empty.txt": b"", "truncated.pdf": b"%PDF-1.4\n%broken\n"}
_CACHE: dict[str, Path] = {}


def sample_run(tmp: Path) -> Path:
    """The run folder (``OUT``) of the sample corpus."""
    if "out" not in _CACHE:
        corpus = tmp / "corpus"
        shutil.copytree(SAMPLE, corpus)
        (corpus / "sub").mkdir()
        (corpus / MOVED[0]).rename(corpus / MOVED[1])
        for name, data in BROKEN.items():
            (corpus / name).write_bytes(data)
        out = tmp / "out"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "nlp.run",
                str(corpus),
                "--out",
                str(out),
                "--no-progress",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["failed"] == len(BROKEN), result.stdout + result.stderr
        _CACHE["out"] = out
    return _CACHE["out"]


def sample_site(tmp: Path) -> Path:
    """The site built from ``sample_run``."""
    if "site" not in _CACHE:
        out = sample_run(tmp)
        site = out.parent / "site"
        build_site(out, site)
        _CACHE["site"] = site
    return _CACHE["site"]


def records(out: Path) -> list[dict]:
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((out / "docs").glob("*.json"))
    ]
