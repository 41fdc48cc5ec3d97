"""Training data as a Hugging Face ``datasets.Dataset``, split by agency.

No agency is in both train and test, so the test figures say how a model does on an
agency it has never seen. Only gold-labelled examples are tested on: weak labels come
from the rules, and testing on them would only measure agreement with the rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

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
