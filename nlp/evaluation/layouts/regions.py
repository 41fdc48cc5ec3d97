"""Where each report's statistical tables stand in its text (``regions.yaml``).

:func:`propose` finds the stretches with a heuristic: table 二 from its first
``第二十条第（一）项`` caption to the heading of section 三, table 三 from its 勾稽 note
(or 申请人情况) to the heading of section 四, table 四 from after that heading to the
heading of section 五, and the pre-2019 统计表 from its header cell (指标名称, 统计指标,
指标) to the end of the body. The proposal was written to ``corpora/layouts/regions.yaml``
and every region checked by eye; :func:`load` reads the reviewed file and checks that
each region still starts and ends with the text recorded for it.

A region is ``lines: [first, last]`` (1-based, inclusive, lines of
:attr:`.source.Source.lines`) and, when it starts or ends inside a line (crawls that run
a whole report in one line), ``cols: [start, end]``: the column in the first line where
the cut starts and the column in the last line where it ends (exclusive; null for the
end of the line). ``head`` and ``tail`` are the cut's first and last characters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .source import Source, is_bottom_furniture

T2_START = re.compile(r"第二十条\s*第?\s*[（(]\s*一\s*[)）]\s*项")
T3_START = re.compile(r"[（(]本列数据的勾稽关系|申请人情况")
PRE_START = re.compile(
    r"指\s*标\s*名\s*称|统\s*计\s*指\s*标|^指\s*标\s*\|", re.MULTILINE
)
SNIP = 12


@dataclass
class Region:
    """One table stretch: its kind and its [start, end) offsets in the source text."""

    table: str
    start: int
    end: int


def _offset(src: Source, line: int, col: int | None, end: bool) -> int:
    text_lines = src.lines
    base = sum(len(x) + 1 for x in text_lines[: line - 1])
    if col is None:
        col = len(text_lines[line - 1]) if end else 0
    return base + col


def _position(src: Source, offset: int) -> tuple[int, int]:
    """(1-based line, column) of an offset."""
    text = src.text
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return line, col


def to_entry(src: Source, region: Region) -> dict[str, Any]:
    """The yaml entry of a region."""
    text = src.text
    l0, c0 = _position(src, region.start)
    l1, c1 = _position(src, region.end)
    whole_first = c0 == 0
    whole_last = c1 == len(src.lines[l1 - 1])
    entry: dict[str, Any] = {"table": region.table, "lines": [l0, l1]}
    if not (whole_first and whole_last):
        entry["cols"] = [c0, None if whole_last else c1]
    cut = text[region.start : region.end]
    entry["head"] = cut[:SNIP]
    entry["tail"] = cut[-SNIP:]
    return entry


def from_entry(src: Source, entry: dict[str, Any]) -> Region:
    """A region of the yaml, checked against the source text."""
    l0, l1 = entry["lines"]
    c0, c1 = entry.get("cols", [0, None])
    region = Region(
        entry["table"], _offset(src, l0, c0, False), _offset(src, l1, c1, True)
    )
    cut = src.text[region.start : region.end]
    if not cut.startswith(entry["head"]) or not cut.endswith(entry["tail"]):
        raise ValueError(
            f"{src.path.name}: region {entry} no longer matches the text "
            f"(starts {cut[:SNIP]!r}, ends {cut[-SNIP:]!r})"
        )
    return region


def _find_title(text: str, title: str, start: int) -> re.Match[str] | None:
    pat = re.compile(r"\s*".join(re.escape(ch) for ch in title if not ch.isspace()))
    return pat.search(text, start)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def propose(src: Source, gold: dict[str, Any]) -> list[Region]:
    """Heuristic table stretches of a report whose gold has cells."""
    cells = gold.get("cells") or {}
    kinds = {k.split(".")[0] for k in cells}
    text = src.text
    titles = [s["title"] for s in gold.get("sections", [])]

    def title_after(words: tuple[str, ...], start: int) -> re.Match[str] | None:
        for word in words:
            for t in titles:
                if word in re.sub(r"\s", "", t):
                    m = _find_title(text, t, start)
                    if m:
                        return m
        return None

    out: list[Region] = []
    if kinds & {"t2", "t3", "t4"}:
        m2 = T2_START.search(text)
        h3 = title_after(("收到和处理政府信息公开申请",), m2.end() if m2 else 0)
        if m2 and h3:
            out.append(Region("t2", *_strip(text, m2.start(), h3.start())))
        m3 = T3_START.search(text, h3.end() if h3 else 0)
        h4 = title_after(("行政复议", "行政诉讼"), m3.end() if m3 else 0)
        if m3 and h4:
            out.append(Region("t3", *_strip(text, m3.start(), h4.start())))
        h5 = title_after(("存在的主要问题", "主要问题"), h4.end() if h4 else len(text))
        if h4 and h5:
            out.append(Region("t4", *_strip(text, h4.end(), h5.start())))
    if "pre" in kinds:
        m = None
        for m in PRE_START.finditer(text):
            pass  # the last header cell: the table follows the prose
        if m:
            last = len(src.lines)
            while last > 1 and is_bottom_furniture(src.lines[last - 1]):
                last -= 1
            end = _offset(src, last, None, True)
            tail = text[:end].rstrip()
            if tail.endswith("附件下载"):
                end = len(tail) - len("附件下载")
            out.append(Region("stat_pre2019", *_strip(text, m.start(), end)))
    return out


def load(path: Path) -> dict[str, Any]:
    """The reviewed ``regions.yaml`` (report file name -> entry)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return data.get("reports", {})


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a valid YAML quoted scalar


def dump(path: Path, reports: dict[str, Any], header: str) -> None:
    """Write ``regions.yaml``: one report a block, one region a line."""
    out = [header.rstrip("\n"), "version: 1", "reports:"]
    for name in sorted(reports):
        entry = reports[name]
        out.append(f"  {name}:")
        for key in ("reviewed", "note"):
            if key in entry:
                out.append(f"    {key}: {_scalar(entry[key])}")
        regions = entry.get("regions", [])
        if not regions:
            out.append("    regions: []")
            continue
        out.append("    regions:")
        for r in regions:
            keys = [k for k in ("table", "lines", "cols", "head", "tail") if k in r]
            body = ", ".join(f"{k}: {_scalar(r[k])}" for k in keys)
            out.append(f"      - {{{body}}}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
