"""File names and links of the site's pages.

Pages are named in ASCII so the site survives any file system a USB stick carries
(FAT and exFAT fold case and dislike some characters): a document id that is not plain
ASCII, or collides with another once case is folded, gets a short hash. Links are
relative, so the site opens from ``file://`` wherever it is copied.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

REPORTS = "reports"
AGENCIES = "agencies"
PLOTS = "plots"
STATIC = "static"
GO = "go"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _digest(value: str, length: int = 8) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:length]


def page_names(doc_ids: list[str]) -> dict[str, str]:
    """Each document id's report page file name (``reports/<name>``), unique even
    on a case-folding file system."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for doc_id in sorted(doc_ids):
        base = _UNSAFE.sub("_", doc_id).strip("._") or "report"
        base = base[:80]
        name = f"{base}.html"
        if base != doc_id or name.lower() in taken:
            name = f"{base}-{_digest(doc_id)}.html"
        taken.add(name.lower())
        names[doc_id] = name
    return names


def agency_page(name: str) -> str:
    """An agency's page file name (``agencies/<name>``)."""
    return f"a-{_digest(name, 10)}.html"


def fragment(kind: str, key: str) -> str:
    """``#check=…`` / ``#w=…``: the spot in a report page a link opens at."""
    return f"#{kind}={quote(key, safe='')}"


def foreign_key(doc_id: str, check_id: str) -> str:
    """The key of a check shown on a report page other than its own."""
    return f"{check_id}@{doc_id}"
