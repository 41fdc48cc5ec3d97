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


@pytest.fixture(scope="session")
def loaded():
    """Cached ``load_report`` of sample files by name."""
    from nlp.ingest import load_report

    cache: dict[str, Report] = {}

    def load(name: str) -> Report:
        if name not in cache:
            cache[name] = load_report(SAMPLE / name, SAMPLE)
        return cache[name]

    return load
