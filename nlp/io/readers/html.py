"""HTML pages as crawled: keep the report body, drop page furniture, tables as rows."""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import Errors, IngestError
from .base import DEFAULT_LIMITS, Limits, RawDocument
from .text import decode, reads_as_report

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
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if reads_as_report(text):
                return text, name
    return decode(path, data)


def _is_furniture(element) -> bool:
    for attr in ("id", "class", "role"):
        value = element.get(attr)
        if value and _FURNITURE_ATTR.search(value):
            # A whole-page wrapper may carry such a class too: only drop small blocks.
            return len(element.text_content()) < 2000
    return False


def read_html(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    text, encoding = _decode_html(path, data)
    return html_document(path, text, encoding, limits)


def html_document(
    path: Path, text: str, encoding: str | None, limits: Limits = DEFAULT_LIMITS
) -> RawDocument:
    """The report body of an HTML page already decoded (a crawl dump's HTML cell)."""
    import lxml.etree
    import lxml.html

    # huge_tree lifts libxml2's silent cut at 256 levels (which loses all the text);
    # the depth is then bounded here, with a message that says so.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as e:
        raise IngestError("html", Errors.E107.format(path=path, detail=e)) from e
    depth = _depth(root)
    if limits.exceeded("max_html_depth", depth) or any(
        "Excessive depth" in entry.message for entry in parser.error_log
    ):
        raise IngestError(
            "html_too_deep",
            Errors.E113.format(path=path, depth=depth, limit=limits.max_html_depth),
        )
    body = root.find("body")
    if body is None:
        body = root
    parts: list[str] = []
    _walk(body, parts)
    out = "".join(parts)
    out = re.sub(r"[ \t\r\f\v]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    if not reads_as_report(out):
        raise IngestError(
            "undecodable", Errors.E115.format(path=path, tried=encoding or "none")
        )
    return RawDocument(
        text=out.strip() + "\n",
        format="html",
        encoding=encoding,
        title=page_title(root),
    )


def _depth(root) -> int:
    """The deepest element nesting under ``root`` (iteratively: no recursion)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in element)
    return deepest


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
    """One line per row, ``| a | b |``, every grid position a cell.

    A cell spanning several columns (colspan) or rows (rowspan) keeps its text at its
    top-left position; the positions it covers become explicit blank cells, so that a
    value stays under its column header and a blank cell is never lost. A layout
    table holding other tables is walked as ordinary blocks.
    """
    if any(True for _ in table.iterdescendants("table")):
        parts.append("\n")
        for child in table:
            _walk(child, parts)
        parts.append("\n")
        return
    parts.append("\n")
    for cells in _grid(table):
        if any(cells):
            parts.append("| " + " | ".join(cells) + " |\n")
    parts.append("\n")


def _span(cell, name: str) -> int:
    value = (cell.get(name) or "").strip()
    return min(int(value), 200) if value.isdigit() and int(value) > 1 else 1


def _fill_covered(cells: list[str], covered: dict[int, int]) -> None:
    """Blank cells for the positions a rowspan above covers at the row's end."""
    while covered.get(len(cells), 0) > 0:
        covered[len(cells)] -= 1
        cells.append("")


def _grid(table) -> list[list[str]]:
    """The table's rows with spans expanded into explicit blank cells."""
    rows: list[list[str]] = []
    covered: dict[int, int] = {}  # column -> rows a rowspan above still covers
    for row in table.iter("tr"):
        cells: list[str] = []
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            _fill_covered(cells, covered)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            start = len(cells)
            cells.append(" ".join(cell.text_content().split()))
            cells.extend([""] * (colspan - 1))
            if rowspan > 1:
                for column in range(start, start + colspan):
                    covered[column] = rowspan - 1
        # Columns still covered by a rowspan after the row's last cell.
        while any(n > 0 for c, n in covered.items() if c >= len(cells)):
            if covered.get(len(cells), 0) > 0:
                covered[len(cells)] -= 1
            cells.append("")
        rows.append(cells)
    return rows
