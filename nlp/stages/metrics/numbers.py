"""Quantities as reports state them: 1628条, 十余次, 约260万余条, 0.5万元.

``parse_quantity`` reads a whole stated figure (qualifiers, numeral, scale, unit) into
value, bounds, qualifier and unit; the numeral itself is read by ``nlp.text.numerals``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...text.numerals import NUMERAL, SCALE_VALUE, parse_numeral
from ...text.numerals import clean_number as _clean


@dataclass(frozen=True)
class Quantity:
    value: float | int
    low: float | int | None
    high: float | int | None
    qualifier: str | None
    unit: str | None
    raw: str = ""


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
