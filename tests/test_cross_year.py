"""Cross-year checks: one agency under several names, R5, R6 and C1 (SPEC §4)."""

from __future__ import annotations

import random

import pytest

from nlp.corpus_steps.cross_year import compact, cross_year_checks
from nlp.stages.meta.agency import _same_place, agency_groups, agency_key


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("洪泽区人民政府", "淮安市洪泽区人民政府", True),
        ("平潭综合实验区", "平潭综合实验区管委会", True),
        ("汤浦镇", "汤浦镇人民政府", True),
        ("衡阳市教育局", "乐清市教育局", False),  # departments keep their place
        ("兵团教育局", "衡阳市教育局", False),
        ("淮安市人民政府", "淮安市洪泽区人民政府", False),  # a city is not its district
    ],
)
def test_agency_groups(a, b, same):
    groups = agency_groups([a, b])
    assert (groups[a] == groups[b]) is same


def _groups_pairwise(names):
    """agency_groups as it was first written: each key against every earlier group."""
    keys = {name: agency_key(name) for name in names if name}
    canonical = {}
    for key in sorted(set(keys.values()), key=len):
        match = next((c for c in canonical.values() if _same_place(key, c)), None)
        canonical[key] = match or key
    return {name: canonical[key] for name, key in keys.items()}


def test_agency_groups_same_as_pairwise():
    # Nested places whose shorter forms are groups of their own (东区 in 铁东区),
    # with and without a government suffix or a department.
    places = ["江苏省", "淮安市", "洪泽区", "铁东区", "东区", "四平市", "乐清市"]
    places += ["兴华乡", "锡山区", "无锡市", "西区", "解放街道", "平潭县", "县", "区"]
    tails = ["", "人民政府", "教育局", "司法局", "管委会", "办事处", "街道"]
    rng = random.Random(7)
    names = sorted(
        {
            "".join(rng.choice(places) for _ in range(rng.randint(0, 4)))
            + rng.choice(tails)
            for _ in range(3000)
        }
    )
    groups = agency_groups(names)
    assert groups == _groups_pairwise(names)
    assert len(set(groups.values())) < len(set(map(agency_key, names)))


def _cell(indicator, value, row="行", column=None, status="ok", start=0):
    return {
        "indicator": indicator,
        "row": row,
        "column": column,
        "value": value,
        "raw": str(value),
        "unit": None,
        "start": start,
        "end": start + 1,
        "status": status,
    }


def _record(doc_id, agency, year, cells):
    return {
        "doc_id": doc_id,
        "meta": {"agency": agency, "year": year},
        "tables": [{"cells": cells}],
        "weaknesses": [],
    }


def test_r5_carried_over_applications():
    last = _record("a-2021", "洪泽区人民政府", 2021, [_cell("t3.carried_out.total", 3)])
    this = _record(
        "b-2022", "淮安市洪泽区人民政府", 2022, [_cell("t3.carried_in.total", 2)]
    )
    checks = cross_year_checks([compact(last), compact(this)])["b-2022"]
    (r5,) = [c for c in checks if c.indicator == "t3.carried_in.total"]
    assert (r5.rule, r5.verdict, r5.left, r5.right) == ("R5", "fail", 2, 3)
    assert {e.doc_id for e in r5.evidence} == {"a-2021", "b-2022"}


def test_r6_valid_documents_carried_forward():
    last = _record("a", "某县", 2021, [_cell("t2.normative.valid", 665)])
    this = _record(
        "b",
        "某县",
        2022,
        [
            _cell("t2.normative.made", 88),
            _cell("t2.normative.repealed", 55),
            _cell("t2.normative.valid", 698),
        ],
    )
    (r6,) = [
        c
        for c in cross_year_checks([compact(last), compact(this)])["b"]
        if c.rule == "R6"
    ]
    assert (r6.verdict, r6.expected) == ("pass", 698)


def test_c1_cumulative_column_continues():
    # pingtan-county-2012/2013: 主动公开信息数 本年度 | 历年累计
    def rows(year_value, cumulative):
        return [
            _cell("pre.proactive.total", year_value, "主动公开信息数", "2012年度"),
            _cell(None, cumulative, "主动公开信息数", "历年累计"),
        ]

    y2012 = _record("c2012", "平潭县人民政府", 2012, rows(2026, 3542))
    y2013 = _record("c2013", "平潭县人民政府", 2013, rows(1853, 5395))
    bad = _record("c2013", "平潭县人民政府", 2013, rows(1853, 5000))
    (ok,) = cross_year_checks([compact(y2012), compact(y2013)])["c2013"]
    assert (ok.rule, ok.verdict, ok.expected) == ("C1", "pass", 5395)
    (flag,) = cross_year_checks([compact(y2012), compact(bad)])["c2013"]
    assert (flag.verdict, flag.left, flag.expected) == ("fail", 5000, 5395)


def test_gaps_in_the_series_are_not_compared():
    last = _record("a", "某县", 2019, [_cell("t3.carried_out.total", 3)])
    this = _record("b", "某县", 2021, [_cell("t3.carried_in.total", 2)])
    assert cross_year_checks([compact(last), compact(this)]) == {}


# -- the compact record a corpus run keeps per report ---------------------------------
def test_compact_keeps_only_what_the_corpus_steps_read():
    record = _record(
        "a-2016",
        "洪泽区人民政府",
        2016,
        [
            _cell("t3.carried_in.total", 2),
            _cell("t2.rules.valid", 5),
            _cell("t2.licensing.processed", 9),  # no cross-year rule reads it
            _cell("pre.apply.total", 4),  # no 历年累计 beside it
        ],
    )
    record["meta"]["evidence"] = {"agency": {"start": 0, "end": 7}}
    record["weaknesses"] = [
        {"id": "w0", "text": "队伍建设有待加强", "category": "staffing",
         "improvement": "加强培训", "start": 3, "end": 11, "confidence": 0.9}
    ]  # fmt: skip
    small = compact(record)
    assert small["meta"] == {"agency": "洪泽区人民政府", "year": 2016}
    assert set(small["cells"]) == {"t3.carried_in.total", "t2.rules.valid"}
    assert small["weaknesses"] == [
        {"id": "w0", "text": "队伍建设有待加强", "category": "staffing",
         "improvement": "加强培训"}
    ]  # fmt: skip


def test_compact_records_survive_json():
    """Workers may hand compact records over as JSON: the checks are the same."""
    import json

    last = _record("a", "洪泽区人民政府", 2021, [_cell("t3.carried_out.total", 3)])
    this = _record("b", "洪泽区人民政府", 2022, [_cell("t3.carried_in.total", 3)])
    direct = cross_year_checks([compact(last), compact(this)])
    via_json = cross_year_checks(
        [json.loads(json.dumps(compact(r), ensure_ascii=False)) for r in (last, this)]
    )
    assert direct == via_json and direct["b"][0].verdict == "pass"
