"""Agency-grouped cross-validation (``nlp.evaluate --cv``): groups, folds, and that no
model is scored on gold it was fitted to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import GOLD, SAMPLE

from nlp.evaluation import crossval as cv
from nlp.training.data import report_groups
from nlp.training.examples import prepare_reports

HELDOUT = GOLD.parent / "heldout"


@pytest.fixture(scope="module")
def groups() -> dict[str, str]:
    golds = {
        g["doc"]: g
        for d in (GOLD, HELDOUT)
        for g in (json.loads(p.read_text("utf-8")) for p in d.glob("*.gold.json"))
    }
    return report_groups(prepare_reports(SAMPLE), golds)


def test_one_agency_or_one_website_is_one_group(groups):
    pingtan = {g for d, g in groups.items() if d.startswith("pingtan-")}
    assert len(pingtan) == 1  # 平潭县 and 平潭综合实验区 share www.pingtan.gov.cn
    assert groups["hongze-district-2023.pdf"] == groups["hongze-district-2024.pdf"]
    assert groups["huaian-city-2024.pdf"] != groups["hongze-district-2023.pdf"]
    assert groups["000_8ef287be2d4f18ab.txt"] != groups["004_15ed71d81f93ac9f.txt"]
    assert len(set(groups.values())) == 28


def test_folds_never_share_a_group(groups):
    docs = sorted(groups)
    for folds in (None, 5):
        fold_list = cv.make_folds(groups, docs, folds)
        flat = [g for fold in fold_list for g in fold]
        assert len(flat) == len(set(flat)) == len(set(groups.values()))
    assert len(cv.make_folds(groups, docs, 5)) == 5


def test_gold_sets_say_how_they_were_used():
    assert cv.gold_set(GOLD, "fusong-sjj-2017.txt") == "gold-added"
    assert cv.gold_set(GOLD, "local-01-2009.txt") == "gold"
    assert cv.gold_set(HELDOUT, "pingtan-zone-2011.txt") == "heldout"


@pytest.mark.slow
def test_no_model_is_scored_on_gold_it_was_fitted_to(tmp_path, monkeypatch):
    """A small cross-validation (five reports of five agencies): every fold's models
    are fitted without the held-out agency's examples, and the output has the plain
    and the CV score of every task and the weakness confusion table."""
    names = [
        "000_8ef287be2d4f18ab.txt",
        "003_1ccb1d8209286b28.txt",
        "004_15ed71d81f93ac9f.txt",
        "local-17-2018.txt",
        "hongze-district-2023.pdf",
    ]
    gold = tmp_path / "gold"
    corpus = tmp_path / "sample"
    gold.mkdir()
    corpus.mkdir()
    for name in names:
        shutil.copy(GOLD / f"{name}.gold.json", gold)
        shutil.copy(SAMPLE / name, corpus)
    fitted: list[tuple[str, set[str]]] = []
    for task in cv.TASKS.values():
        original = task.fit

        def spy(self, examples, config, *args, _original=original, **kwargs):
            fitted.append((self.name, {e["doc"] for e in examples}))
            return _original(self, examples, config, *args, **kwargs)

        monkeypatch.setattr(task, "fit", spy)
    tested: list[set[str]] = []
    original_process = cv.Processor.process

    def process(self, path: Path):
        tested.append({path.name})
        return original_process(self, path)

    monkeypatch.setattr(cv.Processor, "process", process)
    result = cv.crossval([gold], corpus, folds=None)
    assert result["folds"] == 5 and result["reports"] == 5
    # plain scores first (5 reports), then one report per fold after two fits
    per_fold = tested[5:]
    for k, doc in enumerate(per_fold):
        for name, docs in fitted[2 * k : 2 * k + 2]:
            assert not (doc & docs), (name, doc)
    table = result["tasks"]["sections"]
    assert table["cv"]["all"]["total"] == table["plain"]["all"]["total"] > 0
    assert result["confusion"]["labels"]
    assert "weakness categories" in cv.format_crossval(result).lower()
