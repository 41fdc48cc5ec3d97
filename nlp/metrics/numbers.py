"""Numerals and quantities as Chinese reports write them: 1628条, 十余次, 260万余条.

``parse_numeral`` reads one numeral (Arabic, Chinese or mixed, with 万/亿 scales);
``parse_quantity`` reads a whole stated figure (qualifiers, numeral, scale, unit) into
value, bounds, qualifier and unit. Pure Chinese numerals go through cn2an; what cn2an
gets wrong or refuses is handled here first (see ``CN2AN_GAPS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

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


@dataclass(frozen=True)
class Quantity:
    value: float | int
    low: float | int | None
    high: float | int | None
    qualifier: str | None
    unit: str | None
    raw: str = ""


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _clean(value: float) -> float | int:
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
    return _clean(float(Decimal(1).scaleb(exponent)))


def _cn2an(text: str) -> float | int | None:
    for mode in ("normal", "smart"):
        try:
            return _clean(cn2an.cn2an(text, mode))
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
        return Numeral(_clean(value), step=_clean(step))
    if not any(ch in _DIGIT_VALUE or ch in "十几" for ch in text):
        return None  # 百, 千万: scales alone are words, not numbers (十 is ten)
    if "几" in text:
        # 几 alone is "a few", no figure; 几十, 十几, 几百 are.
        return _parse_vague(text) if any(ch in CN_SCALES for ch in text) else None
    pair = _RANGE_PAIR.search(text)
    if pair and _DIGIT_VALUE[pair.group(2)] == _DIGIT_VALUE[pair.group(1)] + 1:
        low = _cn2an(text[: pair.start()] + pair.group(1) + text[pair.end() :])
        high = _cn2an(text[: pair.start()] + pair.group(2) + text[pair.end() :])
        if low is not None and high is not None:
            return Numeral(low, low=low, high=high, vague="range")
    value = _cn2an(text)
    if value is None:
        return None
    return Numeral(value, step=_chinese_step(text))


def _parse_vague(text: str) -> Numeral | None:
    """十几 -> 11-19 (value 10), 十几万 -> 110000-190000 (value 10万), 几十 -> 20-90."""
    position = text.index("几")
    leading = position == 0 or text[position - 1] not in CN_SCALES
    low = _cn2an(text.replace("几", "二" if leading else "一", 1))
    high = _cn2an(text.replace("几", "九", 1))
    if low is None or high is None:
        return None
    base = low if leading else _cn2an(text.replace("几", "", 1))
    return Numeral(base if base is not None else low, low=low, high=high, vague="几")


# --- quantities -------------------------------------------------------------------

# Canonical qualifier for each surface form, and how it bounds the value.
QUALIFIERS = {
    "约": ("约", "approximate"),
    "大约": ("约", "approximate"),
    "左右": ("约", "approximate"),
    "上下": ("约", "approximate"),
    "近": ("近", "near"),
    "将近": ("近", "near"),
    "接近": ("近", "near"),
    "余": ("余", "more"),
    "多": ("多", "more"),
    "有余": ("余", "more"),
    "以上": ("以上", "at_least"),
    "超过": ("超过", "at_least"),
    "逾": ("超过", "at_least"),
    "不到": ("不到", "at_most"),
    "不足": ("不足", "at_most"),
    "少于": ("不到", "at_most"),
    "以下": ("以下", "at_most"),
    "以内": ("以下", "at_most"),
    "几": ("几", "range"),
}
PREFIX_QUALIFIERS = (
    "大约",
    "将近",
    "接近",
    "超过",
    "不到",
    "不足",
    "少于",
    "约",
    "近",
    "逾",
)
SUFFIX_QUALIFIERS = ("以上", "左右", "上下", "以下", "以内", "有余")
DEFAULT_UNITS = (
    "万人次",
    "人次",
    "件次",
    "条次",
    "场次",
    "批次",
    "个次",
    "大类",
    "大项",
    "小项",
    "万元",
    "亿元",
    "元",
    "条",
    "件",
    "次",
    "篇",
    "个",
    "人",
    "名",
    "期",
    "场",
    "家",
    "项",
    "份",
    "则",
    "起",
    "批",
    "类",
    "通",
    "只",
    "户",
    "所",
    "台",
    "套",
    "册",
    "轮",
    "例",
    "宗",
    "块",
    "位",
    "%",
)
MONEY_UNITS = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


def bounds(
    value: float,
    kind: str | None,
    step: float = 1,
    tolerance: float = 0.1,
) -> tuple[float | int | None, float | int | None]:
    """``(low, high)`` for a value stated with a qualifier of ``kind``; exact -> Nones.

    approximate (约, 左右): value ± tolerance; near (近): [value·(1-tolerance), value];
    more (余, 多): [value, value + step), step being the place of the last written
    digit (3790余 < 3800, 1000余 < 2000, 十余 < 20); at_least (以上): [value, open);
    at_most (不到): (open, value].
    """
    if kind == "approximate":
        return _clean(value * (1 - tolerance)), _clean(value * (1 + tolerance))
    if kind == "near":
        return _clean(value * (1 - tolerance)), value
    if kind == "more":
        return value, _clean(value + step)
    if kind == "at_least":
        return value, None
    if kind == "at_most":
        return None, value
    return None, None


def _quantity_pattern(units: tuple[str, ...]) -> re.Pattern[str]:
    unit_alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    prefix = "|".join(PREFIX_QUALIFIERS)
    suffix = "|".join(SUFFIX_QUALIFIERS)
    return re.compile(
        rf"^(?P<pre>{prefix})?(?P<num>{NUMERAL})(?P<q1>余|多)?(?P<scale>[万亿])?"
        rf"(?P<q2>余|多)?\s*(?P<unit>{unit_alt})?(?P<post>{suffix})?$"
    )


_DEFAULT_PATTERN = _quantity_pattern(DEFAULT_UNITS)


def parse_quantity(
    text: str, units: tuple[str, ...] | None = None, tolerance: float = 0.1
) -> Quantity | None:
    """Read a stated figure (约260万余条, 0.5万元, 两三个, 十几万); None if not one."""
    pattern = _DEFAULT_PATTERN if units is None else _quantity_pattern(units)
    match = pattern.match(text.strip())
    if not match:
        return None
    return quantity_from_parts(
        numeral_text=match["num"],
        scale=match["scale"],
        unit=match["unit"],
        qualifier_words=[match["pre"], match["q1"], match["q2"], match["post"]],
        raw=text,
        tolerance=tolerance,
    )


def quantity_from_parts(
    numeral_text: str,
    scale: str | None,
    unit: str | None,
    qualifier_words: list[str | None],
    raw: str = "",
    tolerance: float = 0.1,
) -> Quantity | None:
    """Assemble a ``Quantity`` from the pieces the extractor's regex captured."""
    # Money keeps its scale in the unit (0.5万元 -> 0.5 万元), as the tables do.
    head = numeral_text[:-1]
    if (
        unit == "元"
        and scale is None
        and numeral_text[-1:] in ("万", "亿")
        and head
        and not head.endswith(("万", "亿"))
    ):
        numeral_text, scale = head, numeral_text[-1]
    numeral = parse_numeral(numeral_text)
    if numeral is None:
        return None
    value, step = numeral.value, numeral.step
    low, high = numeral.low, numeral.high
    if scale:
        if unit == "元":
            unit = scale + "元"
        else:
            factor = SCALE_VALUE[scale]
            value, step = _clean(value * factor), _clean(step * factor)
            low = None if low is None else _clean(low * factor)
            high = None if high is None else _clean(high * factor)
    qualifier, kind = None, None
    if numeral.vague:
        qualifier, kind = ("几", "range") if numeral.vague == "几" else ("约", "range")
    for word in qualifier_words:
        if word and word in QUALIFIERS and kind is None:
            qualifier, kind = QUALIFIERS[word]
    if kind != "range":
        low, high = bounds(value, kind, step, tolerance)
    return Quantity(value, low, high, qualifier, unit, raw)
