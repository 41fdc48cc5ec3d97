"""The records load with one type per field: the Arrow schema (nlp.io.arrow) against
the dataclasses, and the output of ``nlp.run corpora/sample`` read by pyarrow (explicit
schema), datasets and pandas. tests/compat/ runs ``check_loading`` at the oldest
versions pyproject allows."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import ROOT, SAMPLE

from nlp.errors import NlpError
from nlp.io.arrow import arrow_type, record_fields, record_schema
from nlp.records import Record, Report, record_types

sys.path.insert(0, str(Path(__file__).parent / "compat"))
from loading import check_loading


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    subprocess.run(
        [sys.executable, "-m", "nlp.run", str(SAMPLE), "--out", str(out)]
        + ["--no-progress", "--jobs", "2"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


def test_every_record_class_has_one_arrow_type_per_field():
    for cls in record_types():
        fields = record_fields(cls)
        assert [f.name for f in fields] == [f.name for f in dataclasses.fields(cls)]
        for f in fields:
            assert not pa.types.is_null(f.type), (cls.__name__, f.name)


def test_the_schema_follows_the_dataclasses():
    schema = record_schema()
    assert schema.names == [f.name for f in dataclasses.fields(Report)]
    check = schema.field("checks").type.value_type
    for name in ("left", "right", "expected"):
        assert check.field(name).type == pa.float64()
        assert check.field(f"{name}_text").type == pa.string()
    cell = schema.field("tables").type.value_type.field("cells").type.value_type
    assert cell.field("value").type == pa.float64()
    assert pa.types.is_struct(schema.field("meta").type.field("evidence").type)
    assert pa.types.is_struct(schema.field("config").type)


@pytest.mark.parametrize(
    "hint", [int | str, dict[str, int], float | int], ids=["union", "dict", "numbers"]
)
def test_a_field_without_one_arrow_type_is_refused(hint):
    broken = dataclasses.make_dataclass("Broken", [("x", hint)], bases=(Record,))
    with pytest.raises(NlpError, match="E900"):
        record_fields(broken)


def test_literals_and_optional_records_map_to_one_type():
    from typing import Literal

    assert arrow_type(Literal["a", "b"]) == pa.string()
    assert arrow_type(list[list[int]]) == pa.list_(pa.list_(pa.int64()))


def test_the_sample_output_loads_with_pyarrow_datasets_and_pandas(
    sample_out: Path, tmp_path: Path
):
    found = check_loading(sample_out, tmp_path / "hf-cache")
    assert found["rows"] == 43 and found["docs"] == 43


def test_the_loaders_read_back_every_value(sample_out: Path):
    import pyarrow.json as paj

    table = paj.read_json(
        sample_out / "corpus.jsonl",
        parse_options=paj.ParseOptions(
            explicit_schema=record_schema(), unexpected_field_behavior="error"
        ),
    )
    lines = (sample_out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    # 7 == 7.0: numbers read as float64 keep their value; nothing dropped or added.
    assert table.to_pylist() == [json.loads(line) for line in lines]
