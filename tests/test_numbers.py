"""Numerals and stated figures (nlp.metrics.numbers), with cn2an's known gaps."""

from __future__ import annotations

import cn2an
import pytest

from nlp.stages.metrics.numbers import bounds, parse_quantity
from nlp.text.numerals import CN2AN_GAPS, parse_numeral

# (written figure, value, low, high, qualifier, unit) as docs/GOLD.md and SPEC §5 read them.
QUANTITIES = [
    ("1628条", 1628, None, None, None, "条"),
    ("一期", 1, None, None, None, "期"),
    ("两次", 2, None, None, None, "次"),
    ("十余次", 10, 10, 20, "余", "次"),
    ("3790余条", 3790, 3790, 3800, "余", "条"),
    ("260万余条", 2_600_000, 2_600_000, 2_700_000, "余", "条"),
    ("约260万余条", 2_600_000, 2_340_000, 2_860_000, "约", "条"),
    ("0.5万元", 0.5, None, None, None, "万元"),
    ("1.2亿元", 1.2, None, None, None, "亿元"),
    ("五十万元", 50, None, None, None, "万元"),
    ("3940元", 3940, None, None, None, "元"),
    ("180万次", 1_800_000, None, None, None, "次"),
    ("536万", 5_360_000, None, None, None, None),
    ("二百三十余万", 2_300_000, 2_300_000, 2_400_000, "余", None),
    ("1,234", 1234, None, None, None, None),
    ("两三个", 2, 2, 3, "约", "个"),
    ("十五六个", 15, 15, 16, "约", "个"),
    ("十几万", 100_000, 110_000, 190_000, "几", None),
    ("几十个", 20, 20, 90, "几", "个"),
    ("13万2", 132_000, None, None, None, None),
    ("两百", 200, None, None, None, None),
    ("一万二千", 12_000, None, None, None, None),
    ("约2000人次", 2000, 1800, 2200, "约", "人次"),
    ("2000人次左右", 2000, 1800, 2200, "约", "人次"),
    ("近1000条", 1000, 900, 1000, "近", "条"),
    ("70多件", 70, 70, 80, "多", "件"),
    ("1000余则", 1000, 1000, 2000, "余", "则"),
    ("100人以上", 100, 100, None, "以上", "人"),
    ("超过50件", 50, 50, None, "超过", "件"),
    ("不到10件", 10, None, 10, "不到", "件"),
    ("0件", 0, None, None, None, "件"),
    ("零", 0, None, None, None, None),
]


@pytest.mark.parametrize("written,value,low,high,qualifier,unit", QUANTITIES)
def test_parse_quantity(written, value, low, high, qualifier, unit):
    q = parse_quantity(written)
    assert q is not None, written
    assert (q.value, q.low, q.high, q.qualifier, q.unit) == (
        value,
        low,
        high,
        qualifier,
        unit,
    )


@pytest.mark.parametrize(
    "written",
    ["统一", "一是", "一体化", "进一步", "一站式", "百", "千万", "几", "第三", "个"],
)
def test_words_are_not_quantities(written):
    assert parse_quantity(written) is None


@pytest.mark.parametrize(
    "written,value",
    [("十", 10), ("二十", 20), ("两千", 2000), ("一千零五", 1005), ("〇", 0)],
)
def test_parse_numeral(written, value):
    assert parse_numeral(written).value == value


# What cn2an itself does with the forms of CN2AN_GAPS: if one of these starts passing,
# cn2an changed and the table (and the code working around it) should be revisited.
CN2AN_BEHAVIOUR = [
    ("两三", "normal", 23),
    ("十几万", "normal", ValueError),
    ("十余", "normal", ValueError),
    ("13万2", "normal", ValueError),
    ("13万2", "smart", 132000),
    ("1,234", "smart", ValueError),
    ("两百", "strict", ValueError),
    ("两百", "normal", 200),
    ("百", "normal", ValueError),
    ("统一", "smart", ValueError),
]


@pytest.mark.parametrize("written,mode,expected", CN2AN_BEHAVIOUR)
def test_cn2an_gaps_documented(written, mode, expected):
    assert written in CN2AN_GAPS
    if expected is ValueError:
        with pytest.raises(ValueError):
            cn2an.cn2an(written, mode)
    else:
        assert cn2an.cn2an(written, mode) == expected


@pytest.mark.parametrize(
    "kind,expected",
    [
        (None, (None, None)),
        ("approximate", (900, 1100)),
        ("near", (900, 1000)),
        ("more", (1000, 1100)),
        ("at_least", (1000, None)),
        ("at_most", (None, 1000)),
    ],
)
def test_bounds(kind, expected):
    assert bounds(1000, kind, step=100) == expected
