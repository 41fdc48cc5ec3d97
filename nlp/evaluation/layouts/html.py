"""``html``: the report as a government CMS page publishes it.

Navigation, breadcrumb, an article info bar and a footer stand around the body, as on
the portals the crawled reports come from. The body is ``<p>`` paragraphs and
``<table border="1">`` tables whose header cells carry ``rowspan``/``colspan`` (table
三's two-level applicant header and its row groups, table 四's 行政复议/行政诉讼
headers, table 二's 第二十条第（一）项 caption rows) and whose blank cells hold
``&nbsp;``. Four page variants are chosen from the report's name (deterministically):
UTF-8 or GB2312/GBK encoded, plain ``<td>`` cells or Word-pasted
``<td><p><span style=…>`` cells. The page furniture the crawl kept (breadcrumbs, 发布时间
lines, footers) is printed in the page's own furniture areas, never in the body.
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

from .model import Block, Cell, Document, Table

#: (declared charset, Python codec, Word-pasted cells?)
VARIANTS = [
    ("utf-8", "utf-8", False),
    ("gb2312", "gbk", True),
    ("gbk", "gbk", False),
    ("utf-8", "utf-8", True),
]

NAV = ["首页", "政务公开", "政务服务", "互动交流", "走进本地", "专题专栏"]
SPAN = 'style="font-family:宋体;font-size:10.5pt"'


def variant(doc: Document) -> tuple[str, str, bool]:
    """The page variant of a report (charset, codec, word-pasted cells)."""
    h = int(hashlib.sha256(doc.stem.encode("utf-8")).hexdigest()[:8], 16)
    return VARIANTS[h % len(VARIANTS)]


def _text(text: str) -> str:
    return escape(text, quote=False).replace("\n", "<br/>")


def _cell(cell: Cell, word: bool, width: int) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    body = _text(cell.text) if cell.text else "&nbsp;"
    if word:
        align = "left" if cell.role == "label" and len(cell.text) > 8 else "center"
        return (
            f'<td width="{width * cell.colspan}" valign="center"{attrs}>'
            f'<p align="{align}"><span {SPAN}>{body}</span></p></td>'
        )
    if cell.header or cell.role == "caption":
        return f'<td{attrs} style="text-align:center;font-weight:bold">{body}</td>'
    return f"<td{attrs}>{body}</td>"


def render_table(table: Table, word: bool) -> str:
    """One ``<table>`` with the spans of the template."""
    width = max(40, 600 // max(1, table.ncols()))
    lines = [
        (
            '<table border="1" cellspacing="0" cellpadding="0" width="100%" '
            'style="border-collapse:collapse;">'
        ),
        "<tbody>",
    ]
    for row in table.rows:
        cells = "".join(_cell(c, word, width) for c in row)
        lines.append(f"<tr>{cells}</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _block(block: Block, word: bool) -> str:
    if block.kind == "table" and block.table:
        return render_table(block.table, word)
    text = _text(block.text)
    if block.kind == "title":
        return f'<p style="text-align:center;"><strong>{text}</strong></p>'
    if block.kind == "heading":
        if word:
            return (
                f'<p style="text-indent:2em;"><span style="font-family:黑体;">'
                f"{text}</span></p>"
            )
        return f'<p style="text-indent:2em;"><strong>{text}</strong></p>'
    if word:
        return (
            f'<p style="text-indent:2em;line-height:1.75;"><span '
            f'style="font-family:仿宋_GB2312;font-size:16px;">{text}</span></p>'
        )
    return f'<p style="text-indent:2em;">{text}</p>'


def render_page(doc: Document) -> tuple[str, str, str]:
    """(page text, declared charset, codec)."""
    charset, codec, word = variant(doc)
    title = _text(doc.title)
    nav = "".join(f'<li><a href="/{i}/">{n}</a></li>' for i, n in enumerate(NAV))
    info = f"发布时间：{_text(doc.published)}　" if doc.published else ""
    crawl_top = "".join(
        f'<div class="old-furniture">{_text(x)}</div>' for x in doc.furniture_top
    )
    crawl_bottom = "".join(
        f'<div class="old-furniture">{_text(x)}</div>' for x in doc.furniture_bottom
    )
    body = "\n".join(_block(b, word) for b in doc.blocks)
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<meta name="ColumnName" content="政府信息公开年报" />
<title>{title}</title>
<link href="/images/public.css" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="topbar"><span>无障碍浏览</span> | <span>长者模式</span> | \
<a href="/login/">登录</a> <a href="/register/">注册</a></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> \
&gt; <a href="/zwgk/nb/">政府信息公开年报</a></div>
{crawl_top}
<div class="article">
<h1 class="article-title">{title}</h1>
<div class="article-info">{info}【字体：<a>大</a> <a>中</a> <a>小</a>】　\
<a href="javascript:window.print()">【打印本页】</a></div>
<div id="zoom" class="TRS_Editor">
{body}
</div>
</div>
{crawl_bottom}
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> \
<a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="footer"><p><a href="/sitemap/">网站地图</a> | <a href="/contact/">联系我们</a> | \
<a href="/statement/">网站声明</a></p>
<p>主办单位：本级人民政府办公室　承办：政务公开办公室</p></div>
</body>
</html>
"""
    return page, charset, codec


def render_html(doc: Document, out: Path) -> dict[str, str]:
    """Write the page; returns what the manifest records of it."""
    page, charset, codec = render_page(doc)
    out.write_bytes(page.encode(codec, errors="xmlcharrefreplace"))
    return {"tool": "nlp.evaluation.layouts.html (Python stdlib)", "encoding": charset}
