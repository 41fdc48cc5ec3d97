"""The statistical tables (stage ``tables.v1``) and the choice among splits of
run-together digits that the prose singles out (stage ``resolve_splits.v1``)."""

from .parse import TableParser
from .resolve_splits import SplitResolver

__all__ = ["SplitResolver", "TableParser"]
