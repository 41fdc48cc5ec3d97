"""Steps over the whole corpus, after every document: the cross-year checks
(``cross_year.v1``) and recurring weaknesses (``recurring.v1``)."""

from .cross_year import CrossYearChecks, compact, cross_year_checks
from .recurring import Recurrence, find_recurring

__all__ = [
    "CrossYearChecks",
    "Recurrence",
    "compact",
    "cross_year_checks",
    "find_recurring",
]
