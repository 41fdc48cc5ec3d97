"""Records as JSON, quickly: orjson, with the standard library where orjson declines.

A record is written on one line with no spaces (``dumps``), the form every reader of
``docs/`` and ``corpus.jsonl`` sees and ``nlp.search.record_sha256`` hashes. orjson
encodes a record's dataclasses directly: 0.19 ms a sample report, against 1.12 ms to
build its dict and 0.99 ms more for ``json.dumps`` (docs/speed.md). Where orjson refuses a
value that ``json`` takes (an integer past 64 bits, a key that is not a string), the
standard library writes the same compact form, so nothing a record may hold is lost.
Floats are written as the shortest text that reads back to the same number, by both
(orjson spells 1e-05 as 0.00001: the same value).
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def _plain(value: Any) -> Any:
    """What ``json`` needs in place of a dataclass: its fields, as orjson reads them
    (private ``_`` attributes left out)."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON bytes (UTF-8, non-ASCII kept)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a big integer, a non-str key...
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), default=_plain
        ).encode("utf-8")


def dumps_str(value: Any) -> str:
    return dumps(value).decode("utf-8")


def loads(data: bytes | str) -> Any:
    """JSON text or bytes back to Python values; what orjson rejects and ``json``
    reads (``NaN``, which ``json.dumps`` writes for a float that is not a number)
    goes to ``json``, which raises its own error on text that is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
