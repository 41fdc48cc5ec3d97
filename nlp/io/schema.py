"""The JSON Schema of the output record, generated from ``nlp/records.py`` so the
contract and the code cannot drift apart (printed by ``python -m nlp.schema``)."""

from __future__ import annotations

import dataclasses
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ..records import SCHEMA_VERSION, Record, Report

_PRIMITIVES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _schema_for(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [_schema_for(a, defs) for a in get_args(hint)]
        return {"anyOf": options}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if origin is list:
        (item,) = get_args(hint) or (Any,)
        return {"type": "array", "items": _schema_for(item, defs)}
    if origin is dict:
        _key, value = get_args(hint) or (str, Any)
        return {"type": "object", "additionalProperties": _schema_for(value, defs)}
    if hint is type(None):
        return {"type": "null"}
    if hint is Any:
        return {}
    if hint in _PRIMITIVES:
        if hint is float:
            return {"type": "number"}
        return {"type": _PRIMITIVES[hint]}
    if isinstance(hint, type) and issubclass(hint, Record):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # reserve before recursion
            defs[name] = _record_schema(hint, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _record_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = get_type_hints(cls)
    properties = {}
    required = []
    for f in dataclasses.fields(cls):
        properties[f.name] = _schema_for(hints[f.name], defs)
        if (
            f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ):
            required.append(f.name)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def record_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = _record_schema(Report, defs)
    root["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    # Every field is always written by to_dict(), so the output has them all.
    root["required"] = list(root["properties"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"nlp-report-record-v{SCHEMA_VERSION}",
        "title": "Annual report record (docs/SPEC.md §5)",
        **root,
        "$defs": defs,
    }
