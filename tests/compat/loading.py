"""Loading a run's output as an analyst would, and checking the types that come out.

Shared by tests/test_arrow.py (the dev venv: the newest versions) and
tests/compat/test_oldest.py (a venv with the oldest datasets, pyarrow and pandas
pyproject allows, made by .ci/run). Needs only those three and ``nlp.io.arrow``.
Run directly: ``python tests/compat/loading.py OUT CACHE`` prints what it found.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.json as paj

from nlp.io.arrow import features, record_schema


def _check_types(schema: pa.Schema, where: str) -> None:
    check = schema.field("checks").type.value_type
    cell = schema.field("tables").type.value_type.field("cells").type.value_type
    found = {
        **{f"checks.{n}": check.field(n).type for n in ("left", "right", "expected")},
        "cells.value": cell.field("value").type,
    }
    for name, kind in found.items():
        assert pa.types.is_float64(kind), f"{where}: {name} is {kind}"
    assert schema.field("meta").type.field("year").type == pa.int64(), where
    assert pa.types.is_struct(schema.field("config").type), where


def check_loading(out: Path, cache: Path) -> dict[str, Any]:
    """Load ``out/corpus.jsonl`` and ``out/docs/*.json`` with pyarrow (explicit
    schema), datasets (with and without the schema's features) and pandas; raise
    AssertionError naming the loader and the field when a type is wrong."""
    jsonl = out / "corpus.jsonl"
    docs = sorted(str(p) for p in (out / "docs").glob("*.json"))
    schema = record_schema()

    # pyarrow: the explicit schema, for the JSON lines and the pretty-printed docs.
    table = paj.read_json(
        jsonl,
        parse_options=paj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="error"
        ),
    )
    assert table.schema.equals(schema), "pyarrow: schema differs"
    doc_tables = [
        paj.read_json(
            path,
            parse_options=paj.ParseOptions(
                explicit_schema=schema, newlines_in_values=True
            ),
        )
        for path in docs
    ]
    assert all(t.schema.equals(schema) for t in doc_tables)
    assert sum(t.num_rows for t in doc_tables) == table.num_rows

    # datasets, with the features: left to infer, a reader guesses each block's
    # types from its rows (an empty list there is a list of nulls, a struct in the
    # next block cannot join it), so the schema is what makes loading reliable.
    kwargs = {"split": "train", "cache_dir": str(cache)}
    typed = datasets.load_dataset(
        "json", data_files=str(jsonl), features=features(), **kwargs
    )
    assert typed.features == features(), "datasets: features differ"
    _check_types(typed.data.schema, "datasets with features")
    per_doc = datasets.load_dataset(
        "json", data_files=docs, features=features(), **kwargs
    )
    assert per_doc.num_rows == table.num_rows
    assert sorted(per_doc["doc_id"]) == sorted(typed["doc_id"])

    # pandas: the checks flattened one row each, numbers as numbers.
    records = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
    checks = pd.json_normalize(records, "checks", ["doc_id"])
    for name in ("left", "right", "expected"):
        assert checks[name].dtype == "float64", f"pandas: checks.{name}"
    frame = table.to_pandas()
    assert frame["doc_id"].tolist() == [r["doc_id"] for r in records]
    checks.to_parquet(cache / "checks.parquet")  # failed on mixed columns before
    return {
        "rows": table.num_rows,
        "docs": len(docs),
        "checks": len(checks),
        "versions": {
            "datasets": datasets.__version__,
            "pyarrow": pa.__version__,
            "pandas": pd.__version__,
        },
    }


if __name__ == "__main__":
    found = check_loading(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(found))
