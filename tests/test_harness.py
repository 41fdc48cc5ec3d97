"""The layout round-trip harness read back: every rendering of corpora/layouts through
the whole pipeline, scored against the gold it was rendered from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from nlp.evaluation.harness import (
    MANIFEST,
    Entry,
    _checker,
    format_entries,
    format_prose_rows,
    format_rows,
    manifest_entries,
    prose_rows,
    rendered_fails,
    score_files,
    summary_rows,
)
from nlp.pipeline.corpus import Processor

LAYOUTS = {"html", "docx", "pdf", "md", "md_pipe", "cell_per_line", "run_together"}
# Fails the renderings hold that the gold does not list (docs/tables.md), counted as
# held by the rendering rather than as false fails:
# - pingtan-county-2012/2013: the national form printed without the report's local
#   row 电子邮件申请数 (3 and 3), so 收到申请数 ≠ its four printed channels (P1);
KNOWN = {
    ("pingtan-county-2012", "P1"),
    ("pingtan-county-2013", "P1"),
}
# Gold fails the renderings cannot show, counted apart from the fails to find:
# - pingtan-county-2012/2013: the report's table has two channel rows (网站, 政府公报)
#   and its 主动公开信息数 exceeds them (P8); the national form prints five, the other
#   three blank, and a sum over blanks cannot be judged.
KNOWN_LOST = {
    ("pingtan-county-2012", "pre.proactive.total"),
    ("pingtan-county-2013", "pre.proactive.total"),
}


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor().load()


def test_manifest_lists_every_rendering():
    entries = manifest_entries(MANIFEST)
    assert len(entries) == 301
    assert {e.group for e in entries} == LAYOUTS
    assert all(e.path.is_file() and e.gold.is_file() for e in entries)
    only = manifest_entries(MANIFEST, ["md"])
    assert len(only) == 43 and {e.group for e in only} == {"md"}


def test_gold_entries_by_source_format():
    entries = format_entries(ROOT / "corpora" / "gold", ROOT / "corpora" / "sample")
    counts = {g: sum(e.group == g for e in entries) for g in {e.group for e in entries}}
    assert counts == {"txt": 30, "pdf": 3}


def _entries(stems: set[str]) -> list[Entry]:
    return [e for e in manifest_entries(MANIFEST) if e.path.stem in stems]


def test_modern_tables_read_back_in_every_layout(processor):
    # Two 2021-format reports in all seven layouts: every cell of tables 二, 三, 四,
    # the two R4 failures of hongze-district-2023 found, and no false fail. Where a
    # crawl ran the digits together, cells the digits leave open stay unreadable
    # (never a wrong number), and the R4 failures are still found: every cut of the
    # row breaks R4.
    groups = score_files(
        _entries({"huaian-city-2024", "hongze-district-2023"}), processor
    )
    assert set(groups) == LAYOUTS
    for layout, group in groups.items():
        cells, checks = group.scores["cells"], group.scores["checks"]
        assert checks.extra == 0, (layout, group.misses)
        assert checks.correct == checks.total == 2, layout
        assert group.wrong == 0, (layout, group.misses)
        if layout == "run_together":
            assert cells.correct >= cells.total - 20
            continue
        assert cells.correct == cells.total, (layout, group.misses)


def test_a_wrong_number_is_counted_as_shown_wrong(processor, tmp_path: Path):
    (entry,) = [e for e in _entries({"huaian-city-2024"}) if e.group == "md_pipe"]
    text = entry.path.read_text(encoding="utf-8")
    row = "| 72 | 64 | 178 | 37 | 351 |"
    assert row in text
    changed = tmp_path / entry.path.name
    changed.write_text(text.replace(row, "| 73 | 64 | 178 | 37 | 351 |"), "utf-8")
    groups = score_files([Entry(changed, entry.gold, "x", rendered=True)], processor)
    assert groups["x"].wrong == 1
    assert summary_rows(groups)[-1]["cells_shown_wrong"] == 1


PINGTAN_2012 = {
    "pre.apply.received": 21,
    "pre.apply.in_person": 18,
    "pre.apply.fax": 0,
    "pre.apply.online": 0,
    "pre.apply.letter": 0,
}


def test_rendered_fails_are_the_relations_the_gold_cells_break():
    checker = _checker()
    # The national form without the report's local row 电子邮件申请数 (3): P1 fails.
    pre = {"meta": {"template": "pre2019"}}
    assert ("P1", "pre.apply.received") in rendered_fails(
        {**pre, "cells": PINGTAN_2012}, checker
    )
    # With the channels adding up, nothing is held.
    cells = {**PINGTAN_2012, "pre.apply.online": 3}
    assert ("P1", "pre.apply.received") not in rendered_fails(
        {**pre, "cells": cells}, checker
    )
    assert rendered_fails({**pre, "cells": {}}, checker) == set()
    # Cells the template of the gold's era does not print are not in the rendering.
    assert (
        rendered_fails({"meta": {"template": "2021"}, "cells": PINGTAN_2012}, checker)
        == set()
    )


def test_a_sum_over_cells_the_rendering_prints_blank_is_not_held():
    checker = _checker()
    meta = {"meta": {"template": "pre2019"}}
    # Two channels printed, three blank: the total above them cannot be judged (P8).
    two = {"pre.proactive.total": 2026, "pre.proactive.website": 1795}
    cells = {**two, "pre.proactive.gazette": 0}
    assert not any(
        r == "P8" for r, _ in rendered_fails({**meta, "cells": cells}, checker)
    )
    # All five printed: the total exceeds them and P8 fails.
    five = {
        **cells,
        "pre.proactive.weibo": 0,
        "pre.proactive.wechat": 0,
        "pre.proactive.other": 0,
    }
    assert ("P8", "pre.proactive.total") in rendered_fails(
        {**meta, "cells": five}, checker
    )


def test_a_gold_fail_the_rendering_cannot_show_is_counted_apart(processor):
    groups = score_files(
        [e for e in _entries({"pingtan-county-2012"}) if e.group == "md_pipe"],
        processor,
    )
    group = groups["md_pipe"]
    lost = [m["lost_by_rendering"] for m in group.misses if "lost_by_rendering" in m]
    assert group.lost == 1 and lost[0]["indicator"] == "pre.proactive.total"
    checks = group.scores["checks"]
    assert checks.correct == checks.total, group.misses
    # Scored as a report, the same miss counts against the fails found.
    entry = next(e for e in _entries({"pingtan-county-2012"}) if e.group == "md_pipe")
    report_group = score_files(
        [Entry(path=entry.path, gold=entry.gold, group="x")], processor
    )["x"]
    assert report_group.lost == 0
    assert report_group.scores["checks"].correct < report_group.scores["checks"].total


def test_a_fail_the_rendering_holds_is_not_a_false_fail(processor):
    groups = score_files(
        [e for e in _entries({"pingtan-county-2012"}) if e.group == "html"], processor
    )
    group = groups["html"]
    assert group.held == 1 and group.scores["checks"].extra == 0, group.misses
    held = [m for m in group.misses if "held_by_rendering" in m]
    assert held[0]["held_by_rendering"]["rule"] == "P1"
    # The same file scored as a report (not a rendering) keeps it a false fail.
    entry = _entries({"pingtan-county-2012"})[0]
    as_report = Entry(path=entry.path, gold=entry.gold, group="x")
    report_group = score_files([as_report], processor)["x"]
    assert report_group.held == 0 and report_group.scores["checks"].extra >= 1


def test_summary_table(processor):
    groups = score_files(_entries({"huaian-city-2024"}), processor)
    rows = summary_rows(groups)
    assert rows[-1]["group"] == "all" and rows[-1]["files"] == 7
    assert rows[-1]["cells_total"] == 7 * 200
    text = format_rows(rows, "title")
    assert text.splitlines()[0] == "title"
    assert any(line.startswith("md_pipe ") for line in text.splitlines())
    prose = prose_rows(groups)
    assert prose[-1]["group"] == "all" and prose[-1]["files"] == 7
    sections = prose[-1]["sections"]
    assert sections["total"] == 7 * 11 and sections["correct"] <= sections["total"]
    assert format_prose_rows(prose, "prose").splitlines()[0] == "prose"


def test_evaluate_prints_layouts_and_formats(tmp_path: Path, capsys):
    from nlp.cli.evaluate import main

    gold = tmp_path / "gold"
    gold.mkdir()
    name = "huaian-city-2024.pdf.gold.json"
    (gold / name).write_bytes((ROOT / "corpora" / "gold" / name).read_bytes())
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    manifest["files"] = [
        {**f, "file": str(MANIFEST.parent / f["file"])}
        for f in manifest["files"]
        if f["source"].endswith("huaian-city-2024.pdf")
        and f["layout"] in ("md", "html")
    ]
    small = tmp_path / "manifest.json"
    small.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "harness.json"
    code = main(
        [
            str(gold),
            "--corpus",
            str(ROOT / "corpora" / "sample"),
            "--quiet",
            "--by-format",
            "--layouts",
            str(small),
            "--harness-json",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Tables per source format" in printed and "Tables per layout" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    layouts = {r["group"]: r for r in data["layouts"]["summary"]}
    assert set(layouts) == {"md", "html", "all"}
    assert layouts["md"]["cells"] == 1.0 and layouts["all"]["false_fails"] == 0
    assert {r["group"] for r in data["formats"]["summary"]} == {"pdf", "all"}


@pytest.mark.slow
def test_every_layout_reads_back(processor):
    """The whole harness: cells ≥ 0.99 in every layout but the crawl that ran digits
    together (≥ 0.975: what its digits leave open stays unreadable), every gold fail
    a rendering can show found, no false fail, and what the renderings hold beyond
    the gold or cannot show of it only the known ones."""
    groups = score_files(manifest_entries(MANIFEST), processor)
    for layout, group in groups.items():
        cells = group.scores["cells"]
        floor = 0.975 if layout == "run_together" else 0.99
        assert cells.value >= floor, (layout, cells.value)
        alarms = [m["false_fail"] for m in group.misses if "false_fail" in m]
        assert group.scores["checks"].extra == 0 and not alarms, (layout, alarms)
        held = {
            (Path(m["file"]).stem, m["held_by_rendering"]["rule"])
            for m in group.misses
            if "held_by_rendering" in m
        }
        assert held <= KNOWN, (layout, held - KNOWN)
        lost = {
            (Path(m["file"]).stem, m["lost_by_rendering"]["indicator"])
            for m in group.misses
            if "lost_by_rendering" in m
        }
        assert lost <= KNOWN_LOST, (layout, lost - KNOWN_LOST)
        checks = group.scores["checks"]
        missed = [m for m in group.misses if "gold_check_missed" in m]
        assert checks.correct == checks.total and not missed, (layout, missed)
