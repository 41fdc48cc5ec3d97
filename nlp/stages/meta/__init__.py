"""Report metadata (stage ``meta.v1``), the one home of era detection (``era``) and of
agency names (``agency``)."""

from .agency import AgencyFinder, agency_aliases, agency_groups, agency_key
from .era import ERAS, EraRules, era_rules
from .stage import MetaExtractor

__all__ = [
    "ERAS",
    "AgencyFinder",
    "EraRules",
    "MetaExtractor",
    "agency_aliases",
    "agency_groups",
    "agency_key",
    "era_rules",
]
