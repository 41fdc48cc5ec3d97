"""Spark types of the record and the tidy tables, converted from the Arrow schemas.

Spark's JSON reader guesses types from the data (a number printed in one row and a
string in another becomes a string column); reading with these schemas keeps every
field the one type the dataclasses give it.
"""

from __future__ import annotations

from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import StructType

from ..io.arrow import record_schema
from ..io.tables import table_schemas


def record_struct() -> StructType:
    """The Spark schema of one output record."""
    return from_arrow_schema(record_schema())


def table_structs() -> dict[str, StructType]:
    """The Spark schema of each tidy table, by name."""
    return {name: from_arrow_schema(s) for name, s in table_schemas().items()}
