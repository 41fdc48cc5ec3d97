"""Statistical tables: reading them (stage ``tables``), choosing among splits of
run-together digits by the prose (stage ``resolve_splits``) and checking their
arithmetic and layout (stage ``table_checks``). Importing the package registers them."""

from .checks import TableChecker
from .parse import TableParser
from .resolve import SplitResolver
from .schema import IndicatorSchema, load_schema

__all__ = [
    "IndicatorSchema",
    "SplitResolver",
    "TableChecker",
    "TableParser",
    "load_schema",
]
