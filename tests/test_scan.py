"""Scans that skip where a pattern cannot start (nlp.text.scan): same matches."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from nlp.config import load_config
from nlp.text.scan import finditer_near, lazy_prefix_anchor

TEXTS = [
    path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((ROOT / "corpora").rglob("*"))
    if path.suffix in (".txt", ".md", ".html") and path.is_file()
]


@pytest.mark.parametrize(
    "pattern, anchor",
    [
        ("[^\\W\\d_年月日号]{0,20}?政府信息公开(?:工作)?统计表", ("政府信息公开", 20)),
        ("[^\\]x]{0,5}?统计表", ("统计表", 5)),
        ("[a]{0,3}?统计表?", ("统计", 3)),  # 表 is optional
        ("[a]{0,3}?统|计表", None),  # an alternation outside groups
        ("[a]{0,3}?(?:统计|x)表", None),  # no literal right after the prefix
        ("[a]{1,3}?统计", None),
        ("(?m:^[ \\t]*[^\\n]{0,30}?统计表)", None),
    ],
)
def test_lazy_prefix_anchor(pattern, anchor):
    assert lazy_prefix_anchor(pattern) == anchor


def _patterns():
    tables = load_config("sections")["tables"]
    found = [p for p in tables["stat_captions"] + tables["captions"]]
    found += ["[^\\s,。]{0,12}?信息公开[^\\n]{0,6}?报告", "[^\\W\\d]{0,3}?年度"]
    return [p for p in found if lazy_prefix_anchor(p)]


@pytest.mark.parametrize("pattern", _patterns())
def test_finditer_near_finds_what_finditer_finds(pattern):
    regex = re.compile(pattern)
    anchor = lazy_prefix_anchor(pattern)
    texts = [*TEXTS, "年度年度年度", "信息公开信息公开工作报告报告", "x" * 30 + "年度"]
    for text in texts:
        expected = [(m.span(), m.groups()) for m in regex.finditer(text)]
        assert [
            (m.span(), m.groups()) for m in finditer_near(regex, text, *anchor)
        ] == (expected)
