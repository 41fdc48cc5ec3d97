"""Shared fixtures: the shipped sample corpus, its gold, and small report builders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.records import Report, Source

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"
GOLD = ROOT / "corpora" / "gold"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return GOLD


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.gold.json").read_text(encoding="utf-8"))


def make_report(text: str, doc_id: str = "test.txt", **meta) -> Report:
    """A report over ``text`` as if read and cleaned (for stage tests on snippets)."""
    report = Report(
        doc_id=doc_id, source=Source(path=doc_id, sha256="", format="txt"), text=text
    )
    for key, value in meta.items():
        setattr(report.meta, key, value)
    return report


def clean_report(path: Path, root: Path | None = None) -> Report:
    """A file read and cleaned (``normalize.v1``), as the stages after it see it."""
    from nlp.io.readers import load_report
    from nlp.pipeline.registry import create

    return create("normalize.v1")(load_report(path, root))


@pytest.fixture(scope="session")
def loaded():
    """Cached cleaned reports of sample files by name."""
    cache: dict[str, Report] = {}

    def load(name: str) -> Report:
        if name not in cache:
            cache[name] = clean_report(SAMPLE / name, SAMPLE)
        return cache[name]

    return load
