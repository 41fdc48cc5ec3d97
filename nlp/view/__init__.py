"""A static site for people who read the findings, not the JSON: one page per report
(text, outline, tables as grids, every check's evidence highlighted), one per agency,
a corpus overview with plots, and the review list (``python -m nlp.view``)."""

from .load import RunData, read_run
from .site import SiteResult, build_site

__all__ = ["RunData", "SiteResult", "build_site", "read_run"]
