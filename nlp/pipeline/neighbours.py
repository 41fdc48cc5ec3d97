"""A second reading of the reports whose run-together digits the document alone
could not settle, with the same agency's neighbouring years as evidence.

After a corpus's reports are read, ``cross_year.neighbour_evidence`` finds every
report with cells still ``unreadable`` among its run-together digits and a previous
or next year of the same agency; that report is read again with the neighbours'
printed cells handed to ``resolve_splits.v1`` (``Pipeline(component_cfg=)``), where
the cross-year relations R5–R7 and C1 choose what its cells show (never what its
checks judge). One pass: a report settled this way does not in turn settle another.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

from ..corpus_steps.cross_year import compact, neighbour_evidence

# The stage that takes the evidence, by its short name.
RESOLVER = "resolve_splits"


def neighbour_cfg(neighbours: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``component_cfg`` of a reading with these neighbouring years."""
    return {RESOLVER: {"neighbours": neighbours}}


def failed_again(first_errors: int, record: dict[str, Any]) -> bool:
    """Whether a second reading failed where the first (with ``first_errors``
    errors) did not (a stage raised, the time limit): then the first is kept."""
    return len(record.get("errors") or ()) > first_errors


def settle_with_neighbours(
    records: MutableMapping[Hashable, dict[str, Any]],
    read_again: Callable[[Hashable, dict[str, dict[str, Any]]], dict[str, Any]],
) -> list[Hashable]:
    """Read again, in place, every record of ``records`` (in memory, any keys) that
    its neighbouring years may settle: ``read_again(key, component_cfg)`` gives the
    new record, which replaces the first unless it failed (``failed_again``).
    Returns the keys replaced, in the order of ``records``."""
    keys = {record["doc_id"]: key for key, record in records.items()}
    plan = neighbour_evidence([compact(record) for record in records.values()])
    again = [key for doc_id, key in keys.items() if doc_id in plan]
    done = []
    for key in again:
        record = read_again(key, neighbour_cfg(plan[records[key]["doc_id"]]))
        if not failed_again(len(records[key].get("errors") or ()), record):
            records[key] = record
            done.append(key)
    return done
