"""Chinese and Arabic numerals, the one home for reading them.

``parse_numeral`` reads one numeral of a figure (Arabic, Chinese or mixed, with 万/亿
scales, ranges such as 两三 and 十几); ``cn_to_int`` reads the small numbers of headings
and enumerations (一 .. 九十九) and ``int_to_cn`` writes them. Pure Chinese numerals go
through cn2an; what cn2an gets wrong or refuses is handled here first (``CN2AN_GAPS``).
Every reader returns None on input that is not a numeral.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CN_DIGITS = "零〇一二两三四五六七八九"
CN_SCALES = "十百千万亿"
_DIGIT_VALUE = {ch: i for i, ch in enumerate("零一二三四五六七八九")}
_DIGIT_VALUE.update({"〇": 0, "两": 2})
SCALE_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

# Regex fragments shared with the extractor. Arabic: 1,234 / 0.5 / 3790.
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Chinese: a run of numeral characters; 几 stands for an unknown digit (十几, 几十).
CHINESE = rf"[{CN_DIGITS}{CN_SCALES}几]+"
# Mixed: Arabic then a scale, optionally with a colloquial tail digit (13万2 = 132000).
MIXED = rf"(?:{ARABIC})[万亿千](?:\d(?![\d.]))?"
NUMERAL = rf"{MIXED}|{ARABIC}|{CHINESE}"
# The first character of every NUMERAL (each form starts with a digit or with one of
# CHINESE's characters).
NUMERAL_START = rf"[\d{CN_DIGITS}{CN_SCALES}几]"

# What cn2an (the installed version) does with forms that reports use; each row is a
# regression test, and each wrong or refused form is handled before cn2an is called.
CN2AN_GAPS = {
    "两三": "cn2an gives 23; it is a range 2-3",
    "十几万": "cn2an raises ValueError; a range 110000-190000",
    "十余": "cn2an raises ValueError; 余 is a qualifier, read it apart",
    "13万2": "cn2an 'normal' raises ValueError ('smart' gives 132000)",
    "1,234": "cn2an raises ValueError on thousands separators",
    "两百": "correct (200) in 'normal' mode only; 'strict' raises ValueError",
    "百": "cn2an raises ValueError; a bare scale is not a number here either",
    "统一": "cn2an raises ValueError, as it should; never offered to it",
}

_RANGE_PAIR = re.compile(r"([一二两三四五六七八])([二三四五六七八九])")
_ARABIC_ONLY = re.compile(rf"(?:{ARABIC})$")
_MIXED_PARTS = re.compile(rf"({ARABIC})([万亿千])(\d)?$")


@dataclass(frozen=True)
class Numeral:
    """A numeral as read: ``value``, and ``low``/``high`` when it states a range."""

    value: float | int
    low: float | int | None = None
    high: float | int | None = None
    vague: str | None = None  # "几" or "range" when the numeral itself is imprecise
    step: float | int = 1  # the place of its last significant digit (for 余/多)


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def clean_number(value: float) -> float | int:
    if isinstance(value, float):
        value = round(value, 10)
        if value.is_integer():
            return int(value)
    return value


def _step_of(digits: str) -> float | int:
    """Place value of the last non-zero digit: 3790 -> 10, 1000 -> 1000, 0.5 -> 0.1."""
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return 1
    if number == 0:
        return 1
    exponent = number.normalize().as_tuple().exponent
    return clean_number(float(Decimal(1).scaleb(exponent)))


# cn2an compiles its patterns when imported (0.1-0.2 s), and only pure Chinese
# numerals reach it (a third of the sample reports have one): it is imported the
# first time one does.
_CN2AN: list[Any] = []


def _cn2an() -> Any:
    if not _CN2AN:
        _CN2AN.append(importlib.import_module("cn2an").cn2an)
    return _CN2AN[0]


def cn2an_value(text: str) -> float | int | None:
    read = _cn2an()
    for mode in ("normal", "smart"):
        try:
            return clean_number(read(text, mode))
        except (ValueError, KeyError, IndexError, TypeError):
            continue
    return None


def _chinese_step(text: str) -> float | int:
    """Place value of the last non-zero digit of a Chinese numeral (三百二十 -> 10)."""
    step = 1
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch in SCALE_VALUE:
            step = step * SCALE_VALUE[ch] if step != 1 else SCALE_VALUE[ch]
            # 二百三十: the last digit 三 sits before 十, so its place is 十.
            continue
        if ch in _DIGIT_VALUE and _DIGIT_VALUE[ch] != 0:
            return step
        step = 1
    return step


def parse_numeral(text: str) -> Numeral | None:
    """Read one numeral, or None when ``text`` is not one (统一, 百, 一是 ...)."""
    text = text.strip()
    if not text:
        return None
    if _ARABIC_ONLY.match(text):
        digits = text.replace(",", "")
        return Numeral(_number(digits), step=_step_of(digits))
    mixed = _MIXED_PARTS.match(text)
    if mixed:
        head, scale, tail = mixed.groups()
        digits = head.replace(",", "")
        scale_value = SCALE_VALUE[scale]
        value = float(digits) * scale_value
        step = _step_of(digits) * scale_value
        if tail:  # 13万2: the tail digit is the next place down
            value += int(tail) * scale_value / 10
            step = scale_value / 10
        return Numeral(clean_number(value), step=clean_number(step))
    if not any(ch in _DIGIT_VALUE or ch in "十几" for ch in text):
        return None  # 百, 千万: scales alone are words, not numbers (十 is ten)
    if "几" in text:
        # 几 alone is "a few", no figure; 几十, 十几, 几百 are.
        return _parse_vague(text) if any(ch in CN_SCALES for ch in text) else None
    pair = _RANGE_PAIR.search(text)
    if pair and _DIGIT_VALUE[pair.group(2)] == _DIGIT_VALUE[pair.group(1)] + 1:
        low = cn2an_value(text[: pair.start()] + pair.group(1) + text[pair.end() :])
        high = cn2an_value(text[: pair.start()] + pair.group(2) + text[pair.end() :])
        if low is not None and high is not None:
            return Numeral(low, low=low, high=high, vague="range")
    value = cn2an_value(text)
    if value is None:
        return None
    return Numeral(value, step=_chinese_step(text))


def _parse_vague(text: str) -> Numeral | None:
    """十几 -> 11-19 (value 10), 十几万 -> 110000-190000 (value 10万), 几十 -> 20-90."""
    position = text.index("几")
    leading = position == 0 or text[position - 1] not in CN_SCALES
    low = cn2an_value(text.replace("几", "二" if leading else "一", 1))
    high = cn2an_value(text.replace("几", "九", 1))
    if low is None or high is None:
        return None
    base = low if leading else cn2an_value(text.replace("几", "", 1))
    return Numeral(base if base is not None else low, low=low, high=high, vague="几")


_SMALL_DIGITS = {ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}
_SMALL = re.compile("^(?:([一二三四五六七八九])?(十))?([一二三四五六七八九])?$")
_CN_WRITTEN = "零一二三四五六七八九十"


def cn_to_int(text: str) -> int | None:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十三 -> 23; None for anything else (0, 百, 统一)."""
    match = _SMALL.match(text or "")
    if not match or not text:
        return None
    tens, ten, units = match.groups()
    value = (_SMALL_DIGITS[tens] if tens else 1) * 10 if ten else 0
    return value + (_SMALL_DIGITS[units] if units else 0)


def int_to_cn(number: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (1 <= number <= 99)."""
    if not 0 < number < 100:
        raise ValueError(f"{number} is outside 1-99")
    if number <= 10:
        return _CN_WRITTEN[number]
    tens, units = divmod(number, 10)
    return (
        ("" if tens == 1 else _CN_WRITTEN[tens])
        + "十"
        + (_CN_WRITTEN[units] if units else "")
    )
