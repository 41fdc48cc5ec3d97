"""The one era function (nlp/stages/meta/era.py): every era question, one answer."""

from __future__ import annotations

import pytest

from nlp.stages.meta.era import EraRules, era_rules


@pytest.mark.parametrize(
    "template,year,kinds,indicators,era",
    [
        ("2021", None, set(), [], "2021"),
        ("unknown", 2018, set(), [], "pre2019"),
        ("unknown", 2019, set(), [], "2019"),
        ("unknown", 2020, set(), [], "2019"),
        ("unknown", 2023, set(), [], "2021"),
        ("unknown", None, set(), [], None),
        ("unknown", None, {"stat_pre2019"}, [], "pre2019"),
        ("unknown", None, {"t2"}, ["t2.rules.made"], "2021"),
        ("unknown", None, {"t2"}, ["t2.rules.new_made"], "2019"),
    ],
)
def test_era_of_a_report(template, year, kinds, indicators, era):
    assert era_rules().of_report(template, year, kinds, indicators) == era


@pytest.mark.parametrize(
    "hits,year,template",
    [
        ({"2021": 3, "2019": 1}, 2019, "2021"),  # the tables say, not the year
        ({"2019": 2}, 2022, "2019"),
        ({"pre2019": 3}, None, "pre2019"),
        ({}, None, "unknown"),
        ({}, 2016, "pre2019"),
        ({}, 2020, "2019"),
        ({}, 2021, "2021"),
    ],
)
def test_template_from_markers_then_year(hits, year, template):
    assert era_rules().template(hits, year) == template


@pytest.mark.parametrize(
    "template,year,layout",
    [
        ("2019", 2023, "2019"),
        ("unknown", 2020, "2019"),
        ("unknown", 2021, "2021"),
        ("unknown", None, "2021"),
    ],
)
def test_table_layout_to_assume(template, year, layout):
    assert era_rules().table_layout(template, year) == layout


def test_thresholds_come_from_the_config():
    shifted = EraRules(pre2019_last_year=2017, format2019_last_year=2021)
    assert shifted.by_year(2018) == "2019"
    assert shifted.by_year(2021) == "2019"
    assert not shifted.expects_2021_layout(2021)
    assert era_rules().expects_2021_layout(2021)
