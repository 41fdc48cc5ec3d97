"""End to end: ``python -m nlp.run`` on the shipped sample corpus, scored against gold.

The floors are the scores measured when each stage landed (see the issue notes); a
change that lowers one fails here. Raise them as the pipeline improves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SAMPLE

from nlp.evaluation import evaluate

# Measured after issue 13 (docs/labels.md): the rules have now seen the 10 department
# reports added to corpora/gold, so these floors guard against regressions only; the
# honest figures are the agency-grouped CV ones (python -m nlp.evaluate corpora/gold
# --cv) and the pre-issue-13 baseline of those 10 reports.
FLOORS = {
    "meta": 1.0,
    "agency": 1.0,
    "agency_recall": 1.0,
    "sections": 1.0,
    "cells": 0.98,  # the tables engineer owns these
    "metrics": 1.0,
    "indicators": 1.0,
    "checks": 1.0,
    "weaknesses": 0.925,
    "categories": 1.0,
}


@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nlp.run",
            str(SAMPLE),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed: 0" in result.stdout
    return out


@pytest.mark.slow
def test_every_sample_report_is_processed(run_output: Path):
    summary = json.loads((run_output / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["documents"] == len(list(SAMPLE.iterdir())) and summary["failed"] == 0
    )
    assert summary["counts"]["sections"] > 0 and summary["counts"]["cells"] > 0
    assert (run_output / "weaknesses.json").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(FLOORS))
def test_scores_against_gold(run_output: Path, task: str):
    result = evaluate(GOLD, SAMPLE, pred_dir=run_output)
    score = result["overall"][task]["score"]
    assert score is not None and score >= FLOORS[task], (task, result["overall"][task])


# The held-out gold (corpora/heldout) was annotated without the pipeline, for reports
# the rules were not tuned on; its scores are the honest ones. Check recall there is
# 8/8 since P8 is checked (the two P8 failures the annotator marked as disputable).
HELDOUT_FLOORS = {
    "meta": 1.0,
    "agency": 1.0,
    "agency_recall": 1.0,
    "sections": 1.0,
    "cells": 0.99,
    "metrics": 1.0,
    "indicators": 0.965,
    "checks": 1.0,
    "weaknesses": 1.0,
    "categories": 1.0,
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "gold_dir", [GOLD, GOLD.parent / "heldout"], ids=["dev", "heldout"]
)
def test_no_false_alarm(run_output: Path, gold_dir: Path):
    result = evaluate(gold_dir, SAMPLE, pred_dir=run_output)
    alarms = {
        (doc, miss["false_alarm"]["rule"], miss["false_alarm"]["indicator"])
        for doc, tasks in result["misses"].items()
        for miss in tasks.get("checks", [])
        if "false_alarm" in miss
    }
    # No fail the gold does not list (004's P8, 1050 > 0+1000+0+0+0, was a gold gap
    # until a second annotator's review added it to the dev gold).
    assert not alarms, alarms


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(HELDOUT_FLOORS))
def test_scores_against_heldout_gold(run_output: Path, task: str):
    result = evaluate(GOLD.parent / "heldout", SAMPLE, pred_dir=run_output)
    score = result["overall"][task]["score"]
    assert score is not None and score >= HELDOUT_FLOORS[task], (
        task,
        result["overall"][task],
    )
