"""HTML pages as crawled: keep the report body, drop page furniture, tables as rows."""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import Errors, IngestError
from .base import RawDocument
from .text import decode

_DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "nav",
        "header",
        "footer",
        "form",
        "select",
        "button",
        "input",
        "textarea",
        "object",
        "embed",
        "svg",
        "canvas",
        "template",
        "head",
    ]
)
_FURNITURE_ATTR = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|share|sidebar|toolbar|copyright|"
    r"position|location|banner|search|login|related|links?$",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "address",
        "center",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "figure",
        "figcaption",
        "hr",
    ]
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def _decode_html(path: Path, data: bytes) -> tuple[str, str]:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "ignore").lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(
            name, name
        )
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            pass
    return decode(path, data)


def _is_furniture(element) -> bool:
    for attr in ("id", "class", "role"):
        value = element.get(attr)
        if value and _FURNITURE_ATTR.search(value):
            # A whole-page wrapper may carry such a class too: only drop small blocks.
            return len(element.text_content()) < 2000
    return False


def read_html(path: Path, data: bytes) -> RawDocument:
    import lxml.etree
    import lxml.html

    text, encoding = _decode_html(path, data)
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as e:
        raise IngestError("html", Errors.E107.format(path=path, detail=e)) from e
    body = root.find("body")
    if body is None:
        body = root
    parts: list[str] = []
    _walk(body, parts)
    out = "".join(parts)
    out = re.sub(r"[ \t\r\f\v]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return RawDocument(
        text=out.strip() + "\n",
        format="html",
        encoding=encoding,
        title=page_title(root),
    )


def page_title(root) -> str | None:
    """The page's <title> (metadata for ``meta``: crawled pages often leave the
    report's title and agency out of the body), white space collapsed."""
    element = root.find(".//title")
    if element is None:
        return None
    title = " ".join(element.text_content().split())
    return title or None


def _walk(element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in _DROP_TAGS or (tag and _is_furniture(element)):
        if element.tail:
            parts.append(element.tail)
        return
    if tag == "table":
        _table(element, parts)
    else:
        if tag in _BLOCK_TAGS or tag == "br":
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            _walk(child, parts)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def _table(table, parts: list[str]) -> None:
    """One line per row, cells joined by ' | ' (the pipe-row shape the parsers read)."""
    parts.append("\n")
    for row in table.iter("tr"):
        cells = []
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            value = " ".join(cell.text_content().split())
            cells.append(value)
            # Repeat a colspan cell so that column positions stay aligned.
            span = cell.get("colspan")
            if span and span.isdigit() and int(span) > 1:
                cells.extend([value] * (int(span) - 1))
        if any(cells):
            parts.append(" | ".join(cells) + " |\n")
    parts.append("\n")
