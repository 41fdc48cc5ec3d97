"""The stage contract, checked (after scikit-learn's ``utils/estimator_checks``).

``check_stage(stage, report)`` runs a document stage on a copy of ``report`` seen
through a recording proxy and returns what broke the contract: reading a field it does
not declare (``requires`` or ``assigns``), writing one it does not assign, returning
something other than the ``Report``, giving different output on the same input,
offsets outside the text, or output that does not round-trip through JSON. The tests
run it on every registered stage over real reports; it is also how to check a stage
of one's own.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..records import Record, Report
from .registry import ALWAYS_ALLOWED, Stage, allowed, owned_subfields, registered

_MUTATORS = (
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
)


@dataclass
class FieldLog:
    """The field paths a stage read and wrote (list positions collapsed)."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    _proxies: dict[int, Any] = field(default_factory=dict)
    _keep: list[Any] = field(default_factory=list)

    def wrap(self, value: Any, path: str) -> Any:
        if isinstance(value, (Record, list, dict)):
            key = id(value)
            if key not in self._proxies:
                kind = (
                    _RecordProxy
                    if isinstance(value, Record)
                    else (_ListProxy if isinstance(value, list) else _DictProxy)
                )
                self._proxies[key] = kind(value, path, self)
                self._keep.append(value)  # ids stay unique while the proxy lives
            return self._proxies[key]
        return value


def unwrap(value: Any) -> Any:
    """The real object behind a proxy, recursively through lists and dicts."""
    if isinstance(value, _Proxy):
        return object.__getattribute__(value, "_target")
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    if isinstance(value, tuple):
        return tuple(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


class _Proxy:
    __slots__ = ("_log", "_path", "_target")

    def __init__(self, target: Any, path: str, log: FieldLog):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_log", log)

    @property  # isinstance(proxy, Section) holds
    def __class__(self):  # type: ignore[override]
        return type(object.__getattribute__(self, "_target"))

    def __eq__(self, other: object) -> bool:
        return object.__getattribute__(self, "_target") == unwrap(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_target"))

    def _child(self, name: str) -> str:
        path = object.__getattribute__(self, "_path")
        return f"{path}.{name}" if path else name


class _RecordProxy(_Proxy):
    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in ("__class__", "__eq__", "__repr__", "_child") or name.startswith(
            "__"
        ):
            return object.__getattribute__(self, name)
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        attribute = getattr(type(target), name, None)
        if callable(attribute) and not isinstance(attribute, property):
            # A method runs with the proxy as self, so what it touches is recorded.
            return attribute.__get__(self, type(target))
        path = object.__getattribute__(self, "_child")(name)
        log.reads.add(path)
        return log.wrap(getattr(target, name), path)

    def __setattr__(self, name: str, value: Any) -> None:
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        log.writes.add(object.__getattribute__(self, "_child")(name))
        setattr(target, name, unwrap(value))


class _ListProxy(_Proxy):
    __slots__ = ()

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_target"))

    def __bool__(self) -> bool:
        return bool(object.__getattribute__(self, "_target"))

    def __iter__(self) -> Iterator[Any]:
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        path = object.__getattribute__(self, "_path")
        return (log.wrap(v, path) for v in list(target))

    def __getitem__(self, index: Any) -> Any:
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        path = object.__getattribute__(self, "_path")
        value = target[index]
        if isinstance(index, slice):
            return [log.wrap(v, path) for v in value]
        return log.wrap(value, path)

    def __contains__(self, item: Any) -> bool:
        return unwrap(item) in object.__getattribute__(self, "_target")

    def __add__(self, other: Any) -> list[Any]:
        return list(self) + list(other)

    def __radd__(self, other: Any) -> list[Any]:
        return list(other) + list(self)

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        method = getattr(target, name)
        if name in _MUTATORS:
            log: FieldLog = object.__getattribute__(self, "_log")
            log.writes.add(object.__getattribute__(self, "_path"))

            def mutate(*args: Any, **kwargs: Any) -> Any:
                return method(*unwrap(args), **kwargs)

            return mutate
        return method

    def __setitem__(self, index: Any, value: Any) -> None:
        object.__getattribute__(self, "_log").writes.add(
            object.__getattribute__(self, "_path")
        )
        object.__getattribute__(self, "_target")[index] = unwrap(value)


class _DictProxy(_ListProxy):
    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        return iter(object.__getattribute__(self, "_target"))

    def __getitem__(self, key: Any) -> Any:
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        return log.wrap(target[key], object.__getattribute__(self, "_path"))

    def get(self, key: Any, default: Any = None) -> Any:
        target = object.__getattribute__(self, "_target")
        log: FieldLog = object.__getattribute__(self, "_log")
        if key not in target:
            return default
        return log.wrap(target[key], object.__getattribute__(self, "_path"))

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        method = getattr(target, name)
        if name in ("update", "setdefault", "pop", "popitem", "clear"):
            object.__getattribute__(self, "_log").writes.add(
                object.__getattribute__(self, "_path")
            )
        return method


def offsets(report: Report) -> Iterable[tuple[int, int]]:
    """Every span a record holds into ``report.text``."""
    for section in report.sections:
        yield section.start, section.end
    for table in report.tables:
        yield table.start, table.end
        for cell in table.cells:
            yield cell.start, cell.end
    for item in [*report.metrics, *report.weaknesses]:
        yield item.start, item.end
    for check in report.checks:
        for evidence in check.evidence:
            if evidence.doc_id in (None, report.doc_id):
                yield evidence.start, evidence.end
    yield from (tuple(span) for span in report.tokens + report.sentences)


def check_stage(stage: Stage, report: Report) -> list[str]:
    """What ``stage`` does against its contract on ``report``; [] when nothing."""
    spec = stage.spec
    owned = owned_subfields(cls.spec for cls in registered("document").values())
    problems: list[str] = []
    before = copy.deepcopy(report.to_dict())
    log = FieldLog()
    result = unwrap(stage(log.wrap(Report.from_dict(before), "")))
    if not isinstance(result, Report):
        return [f"returned {type(result).__name__}, not the Report"]
    declared = (*spec.requires, *spec.assigns, *ALWAYS_ALLOWED, "doc_id")
    for path in sorted(log.reads):
        if not allowed(path, declared, owned):
            problems.append(f"reads {path!r}, which it does not declare")
    for path in sorted(log.writes):
        if not allowed(path, (*spec.assigns, *ALWAYS_ALLOWED), owned):
            problems.append(f"writes {path!r}, which it does not assign")
    after = result.to_dict()
    for name, value in before.items():
        touched = any(
            allowed(name, [a], owned) or a.startswith(name + ".")
            for a in (*spec.assigns, *ALWAYS_ALLOWED)
        )
        if not touched and after[name] != value:
            problems.append(f"changed {name!r}, which it does not assign")
    if [e for e in result.errors if e.stage == spec.name]:
        problems.append(f"recorded errors on a real report: {result.errors}")
    again = unwrap(stage(Report.from_dict(before))).to_dict()
    if again != after:
        problems.append("is not deterministic: a second run gave other output")
    for start, end in offsets(result):
        if not 0 <= start <= end <= len(result.text):
            problems.append(f"span {start}-{end} is outside the text")
            break
    if Report.from_dict(
        json.loads(json.dumps(after, ensure_ascii=False))
    ).to_dict() != (after):
        problems.append("output does not round-trip through JSON")
    return problems
