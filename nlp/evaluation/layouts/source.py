"""A report's own text: read it, set crawl furniture aside, and cut it into blocks.

The source is read as lines: a text file as written (UTF-8, else GB18030), a PDF page by
page with pypdfium2 (page-number lines such as ``- 3 -`` dropped, pages joined). Table
regions (``regions.yaml``, see :mod:`.regions`) are offsets into ``"\\n".join(lines)``.

The prose between the regions becomes title, heading and paragraph blocks. Its
characters are kept; only line breaks move: PDF lines wrapped by the page are joined
back into paragraphs, and crawled pages that lost their line breaks (the Pingtan files
run a whole report in one line) are split before the report's headings (its gold
section titles, which record the headings as they stand in the text), before ordinals
that follow a full stop, before dates and 附件 lines.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .model import Block

PAGE_NUMBER = re.compile(r"^\s*[-—–]\s*\d{1,3}\s*[-—–]\s*$")
CRAWL_BODY = re.compile(r"^=+\s*正文\s*=+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\ufeff]")

#: Page furniture of crawled pages, looked for among the first / last lines only.
TOP_FURNITURE = re.compile(
    r"^(您现在的位置|您当前的位置|当前位置|首页\s*>|登录\s*注册|无障碍浏览|发布日期|发布时间"
    r"|作者[:：]|索引号|文号[:：]|发布单位|【字体|!\[\]\(\))|点击数|阅读次数|字体大小|官网$"
)
BOTTOM_FURNITURE = re.compile(
    r"^(【打印本页】|扫一扫|版权所有|地址[:：].*邮编|微信公众号$|政务微博$|相關詞條$|熱門詞條$"
    r"|聯絡我們$|政府信息公开年报$|文件下载$|政策咨询$|网站地图$|如果您对该政策文件有疑问|附件下载$)"
    r"|公网安备|ICP备"
)
INLINE_FURNITURE = re.compile(r"^当前位置[:：].{0,200}?相关链接[:：]\s*-->\s*")
ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{0,3}[)）]"
    r"|\d{1,2}[.、．](?!\d))"
)
INLINE_ORDINAL = re.compile(
    r"(?<=[。])\s*(?=[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2})[)）]|[一二三四五六七八九十]{1,3}、"
    r"|\d{1,2}[.、．](?!\d))"
)
CN_DATE = re.compile(
    r"二[○〇零O][一二三四五六七八九〇○零O]{2}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日"
)
ATTACHMENT = re.compile(r"附件\d*[：:]")
BOUNDARY = set("。；！？”）)：: \t\u3000")
RUN_IN = set("。：:．.，,")


@dataclass
class Source:
    """The lines of one report and what was set aside from them."""

    path: Path
    fmt: str
    lines: list[str]
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text region offsets refer to."""
        return "\n".join(self.lines)


def read_source(path: Path) -> Source:
    """Read a report (``.txt`` or ``.pdf``) into lines."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        lines: list[str] = []
        pdf = pdfium.PdfDocument(str(path))
        try:
            for page in pdf:
                text = page.get_textpage().get_text_range()
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                for line in text.split("\n"):
                    line = CONTROL.sub("", line)
                    if not PAGE_NUMBER.match(line):
                        lines.append(line)
        finally:
            pdf.close()
        return Source(path, "pdf", lines)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(path, "txt", [CONTROL.sub("", x) for x in text.split("\n")])


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _title_pattern(title: str) -> re.Pattern[str]:
    chars = [re.escape(ch) for ch in title if not ch.isspace()]
    return re.compile(r"\s*".join(chars))


def _clean_line(line: str) -> str:
    """A crawled line without the table-layout pipes around it."""
    return re.sub(r"^[|\s\u3000]+|[|\s\u3000]+$", "", line)


def strip_top(src: Source, lines: list[str]) -> tuple[list[str], list[str]]:
    """(top furniture, the rest) of a crawled text file's first lines; the crawler's
    own header (``标题: …`` up to ``==== 正文 ====``) goes to ``src.meta``."""
    body = list(lines)
    for i, line in enumerate(body):
        if CRAWL_BODY.match(line.strip()):
            for head in body[:i]:
                key, _, value = head.partition(":")
                if key.strip() in ("标题", "发布时间", "栏目") and value.strip():
                    src.meta[key.strip()] = value.strip()
            body = body[i + 1 :]
            break
    body = [x for x in body if _clean_line(x)]
    top: list[str] = []
    if body:  # a crawl that kept the page's breadcrumb and toolbar in the text line
        m = INLINE_FURNITURE.match(body[0])
        if m:
            top.append(m.group().strip())
            body[0] = body[0][m.end() :]
    head_idx = {
        i
        for i, x in enumerate(body[:8])
        if TOP_FURNITURE.search(_clean_line(x)) and len(x) < 160
    }
    top += [_clean_line(body[i]) for i in sorted(head_idx)]
    return top, [x for i, x in enumerate(body) if i not in head_idx]


def is_bottom_furniture(line: str) -> bool:
    """A footer line of a crawled page (or a line of bare table pipes)."""
    line = _clean_line(line)
    return not line or (len(line) < 160 and bool(BOTTOM_FURNITURE.search(line)))


def strip_bottom(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the rest, bottom furniture) of a crawled text file's last lines."""
    body = [x for x in lines if _clean_line(x)]
    bottom: list[str] = []
    while body and is_bottom_furniture(body[-1]):
        bottom.insert(0, _clean_line(body.pop()))
    if body and _clean_line(body[-1]).endswith(" 附件下载"):
        body[-1] = _clean_line(body[-1])[: -len("附件下载")].rstrip()
        bottom.insert(0, "附件下载")
    return body, bottom


def _width(line: str) -> float:
    """Printed width of a line in full-width characters (ASCII and spaces count half)."""
    return sum(
        1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in line.strip()
    )


def join_pdf_lines(lines: list[str], titles: list[re.Pattern[str]]) -> list[str]:
    """Join lines the page wrapped back into paragraphs."""
    lines = [x.rstrip() for x in lines if x.strip()]
    widths = sorted(_width(x) for x in lines if _width(x) >= 10)
    width = widths[int(0.9 * (len(widths) - 1))] if widths else 0.0
    paras: list[str] = []
    cur = ""
    for i, line in enumerate(lines):
        cur += line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        ends = (
            cur.endswith(("。", "！", "？"))
            or _width(line) < 0.8 * width
            or bool(ORDINAL.match(nxt))
            and not cur.endswith(("，", "、"))
            or any(p.fullmatch(_squash(cur)) for p in titles)
        )
        if ends or not nxt:
            paras.append(cur)
            cur = ""
    return paras


def _split_points(line: str, titles: list[re.Pattern[str]]) -> list[int]:
    points: set[int] = set()
    for pat in titles:
        for m in pat.finditer(line):
            prev = line[m.start() - 1] if m.start() else ""
            if (
                not prev
                or prev in BOUNDARY
                or (ORDINAL.match(m.group()) and not prev.isdigit())
            ):
                points.add(m.start())
    if len(line) > 200:
        points |= {m.end() for m in INLINE_ORDINAL.finditer(line)}
    for m in CN_DATE.finditer(line):
        if m.start() == 0 or line[m.start() - 1] in BOUNDARY:
            points |= {m.start(), m.end()}
    for m in ATTACHMENT.finditer(line):
        if m.start() > 0 and line[m.start() - 1] in BOUNDARY | {"日"}:
            points.add(m.start())
    m = re.match(r"^(\S{6,60}?(?:报告|年报))[ \u3000]+\S", line)
    if m and len(line) > 80:
        points.add(m.end(1))
    return sorted(p for p in points if 0 < p < len(line))


def heading_level(text: str) -> int:
    """1 for 一、, 2 for （一）, 3 for 1. (and 2 for anything else)."""
    if re.match(r"^[一二三四五六七八九十]{1,3}、", text):
        return 1
    if re.match(r"^\d{1,2}[.、．]", text):
        return 3
    return 2


def _piece_blocks(piece: str, titles: list[re.Pattern[str]]) -> list[Block]:
    piece = piece.strip()
    if not piece:
        return []
    for pat in titles:
        m = pat.match(piece)
        if not m:
            continue
        rest = piece[m.end() :]
        if not rest.strip():
            return [Block("heading", piece, heading_level(piece))]
        if rest[0] in RUN_IN:
            return [Block("paragraph", piece)]
        return [
            Block("heading", piece[: m.end()], heading_level(piece)),
            Block("paragraph", rest.strip()),
        ]
    if (
        len(piece) <= 40
        and ORDINAL.match(piece)
        and not re.search(r"[。；，,]", piece[:-1])
    ):
        return [Block("heading", piece, heading_level(piece))]
    return [Block("paragraph", piece)]


def prose_blocks(lines: list[str], titles: list[str], fmt: str) -> list[Block]:
    """Blocks of one stretch of prose (between two tables)."""
    pats = [_title_pattern(t) for t in titles if _squash(t)]
    if fmt == "pdf":
        lines = join_pdf_lines(lines, pats)
    else:
        lines = [_clean_line(x) for x in lines if _clean_line(x)]
        merged: list[str] = []
        for line in lines:  # a heading the page broke over two lines (三、\n回应…)
            if (
                merged
                and any(p.fullmatch(_squash(merged[-1] + line)) for p in pats)
                and not any(p.fullmatch(_squash(merged[-1])) for p in pats)
            ):
                merged[-1] += line
            else:
                merged.append(line)
        lines = merged
    blocks: list[Block] = []
    for line in lines:
        cuts = [0, *_split_points(line, pats), len(line)]
        for a, b in itertools.pairwise(cuts):
            blocks.extend(_piece_blocks(line[a:b], pats))
    return blocks


def mark_title(blocks: list[Block], fmt: str) -> list[Block]:
    """Turn the report's leading title line(s) into one title block."""
    lead: list[str] = []
    for b in blocks[:3]:
        text = b.text
        short = len(text) <= 60 and "。" not in text and not ORDINAL.match(text)
        if not short:
            break
        lead.append(text)
        if re.search(r"报告|年报", text):
            break
    if lead and re.search(r"报告|年报", "".join(lead)):
        return [Block("title", "\n".join(lead)), *blocks[len(lead) :]]
    return blocks
