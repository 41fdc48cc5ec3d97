"""Training data as a Hugging Face ``datasets.Dataset``, split by agency.

No agency is in both train and test, so the test figures say how a model does on an
agency it has never seen. Only gold-labelled examples are tested on: weak labels come
from the rules, and testing on them would only measure agreement with the rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..stages.meta.agency import agency_groups

COLUMNS = ("text", "label", "source", "doc", "agency", "title")


def to_dataset(examples: Sequence[dict[str, Any]]):
    """A ``Dataset`` with the columns text, label, source (gold|weak|…), doc, agency and
    title (the section title where the task has one; empty otherwise)."""
    import datasets

    rows = {column: [str(e.get(column) or "") for e in examples] for column in COLUMNS}
    return datasets.Dataset.from_dict(rows)


def data_hash(dataset) -> str:
    """SHA-256 of the examples in a canonical order (independent of input order)."""
    rows = sorted(zip(*(dataset[c] for c in COLUMNS)))
    blob = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _rank(agency: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{agency}".encode()).hexdigest()


def split_by_agency(
    dataset,
    test_fraction: float = 0.3,
    seed: int = 0,
    test_agencies: Sequence[str] = (),
):
    """(train, test) ``Dataset``s with disjoint agencies.

    ``test_agencies`` (substrings) names the held-out agencies explicitly; otherwise
    agencies with gold labels are ordered by a seeded hash and taken until their gold
    examples reach ``test_fraction`` of all gold examples. Deterministic for a seed.
    """
    agencies = dataset["agency"]
    sources = dataset["source"]
    if test_agencies:
        held = {a for a in set(agencies) if any(t in a for t in test_agencies)}
    else:
        gold_counts: dict[str, int] = {}
        for agency, source in zip(agencies, sources):
            if source == "gold":
                gold_counts[agency] = gold_counts.get(agency, 0) + 1
        total = sum(gold_counts.values())
        held, taken = set(), 0
        for agency in sorted(gold_counts, key=lambda a: _rank(a, seed)):
            if taken >= test_fraction * total:
                break
            held.add(agency)
            taken += gold_counts[agency]
    train_idx = [i for i, a in enumerate(agencies) if a not in held]
    test_idx = [i for i, a in enumerate(agencies) if a in held and sources[i] == "gold"]
    return dataset.select(train_idx), dataset.select(test_idx)


_HOST = re.compile(r"https?://([A-Za-z0-9.\-]+)")


def report_groups(
    reports: Sequence[Any], golds: dict[str, dict[str, Any]] | None = None
) -> dict[str, str]:
    """File name -> group key for splits that keep an agency out of training when it
    is tested: one group per agency, and reports published on one website in one
    group (平潭县 and 平潭综合实验区 share www.pingtan.gov.cn and their wording).

    The agency is the gold's where it names one, else the pipeline's; names of one
    agency (洪泽区人民政府, 淮安市洪泽区人民政府) are merged by ``agency_groups``. A
    report with neither is a group of its own. The key is the group's first name in
    sorted order, so it does not depend on the order of ``reports``."""
    golds = golds or {}
    names: dict[str, str | None] = {}
    hosts: dict[str, str | None] = {}
    for report in reports:
        doc = Path(report.source.path).name
        gold_agency = (golds.get(doc) or {}).get("meta", {}).get("agency")
        names[doc] = gold_agency or (None if doc in golds else report.meta.agency)
        header = "\n".join(r.text for r in report.removals if r.kind == "header")
        found = _HOST.search(report.source.url or header)
        hosts[doc] = found.group(1).lower() if found else None
    canonical = agency_groups([n for n in names.values() if n])
    parent = {doc: doc for doc in names}

    def find(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[str, str] = {}
    for doc in sorted(names):
        for key in (
            f"agency:{canonical[names[doc]]}" if names[doc] else None,
            f"host:{hosts[doc]}" if hosts[doc] else None,
        ):
            if key is None:
                continue
            if key in first:
                union(first[key], doc)
            else:
                first[key] = doc
    return {doc: find(doc) for doc in names}
