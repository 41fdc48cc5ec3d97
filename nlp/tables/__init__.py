"""Statistical tables: reading them (stage ``tables``) and checking their arithmetic
and layout (stage ``table_checks``). Importing the package registers both stages."""

from .checks import TableChecker
from .parse import TableParser
from .schema import IndicatorSchema, load_schema

__all__ = ["IndicatorSchema", "TableChecker", "TableParser", "load_schema"]
