"""Heading numbers and enumeration markers, compiled from ``configs/numbering.yaml``.

``Numbering`` is the one reader of numbering patterns: the heading styles (一、 (一)
1. (1) 第一部分 ①) with their numbers, the number in front of a title, the line start
that opens a heading, the ordinals in front of a table row label, and the enumeration
markers of problem statements (一是 (一) 1. ①).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import load_config
from .numerals import cn_to_int, int_to_cn

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def read_number(digits: str, numeral: str) -> int | None:
    """The number a marker's ``num`` group stands for, by its numeral kind."""
    if numeral == "cn":
        return cn_to_int(digits)
    if numeral == "circled":
        at = CIRCLED.find(digits)
        return at + 1 if at >= 0 else None
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class Style:
    name: str
    pattern: re.Pattern[str]
    numeral: str
    inline: bool = False

    def number(self, match: re.Match[str]) -> int | None:
        return read_number(match.group("num"), self.numeral)


@dataclass(frozen=True)
class Numbering:
    version: str
    headings: tuple[Style, ...]
    enumerations: tuple[Style, ...]
    heading_prefix: re.Pattern[str]
    line_start_heading: re.Pattern[str]
    label_ordinals: re.Pattern[str]
    leading_marker: re.Pattern[str]
    part_marker: str  # a fragment other patterns embed

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Numbering:
        def styles(key: str) -> tuple[Style, ...]:
            return tuple(
                Style(
                    spec["name"],
                    re.compile(spec["pattern"]),
                    spec["numeral"],
                    bool(spec.get("inline")),
                )
                for spec in config[key]
            )

        return cls(
            version=str(config["version"]),
            headings=styles("headings"),
            enumerations=styles("enumerations"),
            heading_prefix=re.compile(config["heading_prefix"]),
            line_start_heading=re.compile(config["line_start_heading"]),
            label_ordinals=re.compile(config["label_ordinals"]),
            leading_marker=re.compile(config["leading_marker"]),
            part_marker=config["part_marker"],
        )

    def strip_heading_number(self, title: str) -> str:
        return self.heading_prefix.sub("", title, count=1)

    def title_number(self, title: str, style: str = "cn_dun") -> int | None:
        """The number a title starts with in ``style`` (一、 -> 1), or None."""
        for candidate in self.headings:
            if candidate.name == style:
                match = candidate.pattern.match(title.lstrip())
                return candidate.number(match) if match else None
        return None


@functools.lru_cache(maxsize=4)
def _load(path: str | None) -> Numbering:
    return Numbering.from_config(load_config(Path(path) if path else "numbering"))


def numbering(path: str | Path | None = None) -> Numbering:
    """The compiled numbering of ``configs/numbering.yaml`` (cached per process)."""
    return _load(str(path) if path else None)


@functools.lru_cache(maxsize=64)
def cn_dun_heading(number: int) -> re.Pattern[str]:
    """A top-level heading of one number (五、) where a heading can stand."""
    return re.compile(rf"(?:(?<=[\s。:;|\d])|^){int_to_cn(number)}[、.]")
