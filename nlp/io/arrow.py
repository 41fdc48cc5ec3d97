"""The Arrow schema of the output record, generated from ``nlp/records.py``.

Every field has one Arrow type: numbers are float64 (a JSON integer reads as one; the
printed form sits in its own string field), text fields are strings (never inferred as
timestamps), records are structs and lists are lists. Pass it to
``pyarrow.json.read_json`` (``ParseOptions(explicit_schema=...)``), to
``datasets.load_dataset("json", features=features())`` or to Spark
(``nlp.spark.schema``), so no reader has to guess a type from the first rows.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pyarrow as pa

from ..errors import Errors, NlpError
from ..records import Record, Report

_PRIMITIVES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def arrow_type(hint: Any) -> pa.DataType:
    """The one Arrow type of a field's type hint (``X | None`` is a nullable X)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise NlpError(Errors.E900.format(hint=hint))
        return arrow_type(args[0])
    if origin is Literal:
        values = get_args(hint)
        if not all(isinstance(v, str) for v in values):
            raise NlpError(Errors.E900.format(hint=hint))
        return pa.string()
    if origin is list:
        (item,) = get_args(hint)
        return pa.list_(arrow_type(item))
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint]
    if isinstance(hint, type) and issubclass(hint, Record):
        return pa.struct(record_fields(hint))
    # dict[...] and Any have no single Arrow type a JSON reader can fill.
    raise NlpError(Errors.E900.format(hint=hint))


def record_fields(cls: type) -> list[pa.Field]:
    """The Arrow fields of a record class, in the order ``to_dict`` writes them."""
    hints = get_type_hints(cls)
    return [
        pa.field(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(cls)
    ]


def record_schema() -> pa.Schema:
    """The Arrow schema of one output record (a line of ``corpus.jsonl``)."""
    return pa.schema(record_fields(Report))


def features():
    """The record schema as ``datasets.Features`` (for ``load_dataset("json", ...)``)."""
    import datasets

    return datasets.Features.from_arrow_schema(record_schema())


def records_table(records: list[dict[str, Any]]) -> pa.Table:
    """Records (``Report.to_dict()`` output) as a table of the record schema."""
    decline_pandas()
    return pa.Table.from_pylist(records, schema=record_schema())


class _PandasAbsent:
    """A finder that answers ``import pandas`` with ModuleNotFoundError."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


_pandas_declined = False


def decline_pandas() -> None:
    """Keep pyarrow from importing pandas to convert Python rows.

    pyarrow's first conversion of Python objects (``pa.array``, ``from_pylist``,
    even ``pa.scalar``) imports pandas, only to ask whether the objects are pandas
    ones (apache/arrow#34994): 0.36-0.42 s and about 50 MiB in every process that
    writes tidy tables, each worker of ``nlp.run`` and its parent. The rows here are
    plain lists and dicts, so that first conversion is made with pandas hidden:
    pyarrow notes it as absent for those questions. Nothing is lost: what needs
    pandas itself (``Table.to_pandas``) still imports it, since pyarrow tries again
    there. Does nothing when pandas is already imported, and after the first call."""
    global _pandas_declined
    if _pandas_declined:
        return
    _pandas_declined = True
    if "pandas" in sys.modules:
        return
    finder = _PandasAbsent()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])
    except ImportError:  # a pyarrow that asks differently: pandas stays unused
        pass
    finally:
        sys.meta_path.remove(finder)
