"""Report metadata (stage ``meta.v1``), the one home of era detection (``era``) and of
agency names (``agency``)."""

from .agency import agency_aliases, agency_groups, agency_key, same_agency
from .agency_finder import AgencyFinder, AgencyResult
from .era import ERAS, EraRules, era_rules
from .stage import MetaExtractor

__all__ = [
    "ERAS",
    "AgencyFinder",
    "AgencyResult",
    "EraRules",
    "MetaExtractor",
    "agency_aliases",
    "agency_groups",
    "agency_key",
    "era_rules",
    "same_agency",
]
