"""Search requests: the query string compiled to FTS5, and the filters.

A query is a list of terms separated by spaces. Each term is cut into jieba words with
the index's dictionary and matched as a phrase (the words next to each other), so
网站建设 finds 网站 followed by 建设 and never 网 … 站 … 建 … 设 scattered. Terms must
all match; ``A OR B`` matches either; ``-A`` excludes; ``"A B"`` is one phrase;
``title:A`` looks only at the headings (the section's and its ancestors').
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Errors, SearchError
from .analysis import SearchAnalyzer

_TERM = re.compile(r'(-?)(title:)?(?:"([^"]*)"|(\S+))')
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–~:]\s*(\d{4})?)?\s*$")


@dataclass(frozen=True)
class Filters:
    """Conditions on section fields; ``None`` / empty means no condition."""

    labels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    agency: str | None = None  # a part of the agency name
    year_from: int | None = None
    year_to: int | None = None
    province: str | None = None
    admin_level: str | None = None
    template: str | None = None
    failed_checks: str | None = None  # "any" or a check kind (sum, text_table, ...)
    doc_id: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, ())}


def parse_years(value: str | None) -> tuple[int | None, int | None]:
    """``"2017-2019"`` -> (2017, 2019); ``"2018"`` -> (2018, 2018); ``"2019-"`` -> (2019, None)."""
    if not value:
        return None, None
    match = _YEARS.match(value)
    if not match:
        raise SearchError(Errors.E809.format(value=value))
    first = int(match.group(1))
    if "-" not in value and "–" not in value and "~" not in value and ":" not in value:
        return first, first
    last = int(match.group(2)) if match.group(2) else None
    if last is not None and last < first:
        first, last = last, first
    return first, last


@dataclass
class CompiledQuery:
    """A query string as an FTS5 MATCH expression (``None`` when there is nothing to match)."""

    text: str
    match: str | None
    phrases: list[list[str]] = field(default_factory=list)  # positive phrases, as words


def compile_query(text: str, analyzer: SearchAnalyzer) -> CompiledQuery:
    groups: list[list[str]] = []  # OR-groups of positive phrases
    excluded: list[str] = []
    phrases: list[list[str]] = []
    join_next = False
    for match in _TERM.finditer(text or ""):
        negative, title, quoted, bare = match.groups()
        raw = quoted if quoted is not None else bare
        if quoted is None and not negative and not title and raw == "OR":
            join_next = bool(groups)
            continue
        words = analyzer.query_words(raw)
        if not words:
            join_next = False
            continue
        phrase = '"' + " ".join(w.replace('"', '""') for w in words) + '"'
        if title:
            phrase = f"{{title path}} : {phrase}"
        if negative:
            excluded.append(phrase)
        else:
            phrases.append(words)
            if join_next:
                groups[-1].append(phrase)
            else:
                groups.append([phrase])
        join_next = False
    if not groups:
        if excluded:
            raise SearchError(Errors.E808.format(query=text))
        return CompiledQuery(text or "", None, [])
    expression = " AND ".join(
        g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups
    )
    if excluded:
        expression = f"({expression}) NOT ({' OR '.join(excluded)})"
    return CompiledQuery(text, expression, phrases)
