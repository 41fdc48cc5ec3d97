"""Shipped models as arrays and JSON: applied with numpy, identical to scikit-learn.

Training uses scikit-learn (``TextClassifier``); the pipeline loads a
``LinearTextModel`` (vocabulary.json, weights.npz read without pickle) and must give
the labels and probabilities the fitted scikit-learn pipeline gives.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SAMPLE

from nlp.errors import ModelError
from nlp.models.linear import LinearTextModel
from nlp.models.loading import load_model
from nlp.models.text_classifier import TextClassifier
from nlp.training.calibration import fit_temperature, rule_reliability


def _texts() -> list[str]:
    """Lines of real reports: varied enough for a few thousand n-grams."""
    lines = []
    for name in ("pingtan-zone-2019.txt", "local-11-2014.txt", "xishan-sfj-2010.txt"):
        text = (SAMPLE / name).read_text(encoding="utf-8")
        lines += [line.strip() for line in text.splitlines() if len(line.strip()) > 8]
    return lines[:240]


@pytest.mark.parametrize("n_labels", [2, 3, 5])
@pytest.mark.parametrize(
    "params", [{}, {"ngram_range": (1, 3), "lowercase": True, "C": 4.0}]
)
def test_numpy_model_gives_the_sklearn_labels(tmp_path, n_labels, params):
    texts = _texts()
    labels = [f"l{i % n_labels}" for i in range(len(texts))]
    model = TextClassifier(**params).fit(texts[:160], labels[:160])
    unseen = [*texts[160:], "", "a  b\n\nc", "完全没有见过的文字"]
    expected = model.pipeline_.predict(unseen)
    model.to_disk(tmp_path / "m", {"seed": 0})
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, LinearTextModel)
    assert list(loaded.predict(unseen)) == list(expected)
    assert np.allclose(
        loaded.predict_proba(unseen), model.pipeline_.predict_proba(unseen)
    )
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert files == {"meta.json", "vocabulary.json", "weights.npz"}


def test_temperature_scales_probabilities_not_labels(tmp_path):
    texts = _texts()
    labels = [f"l{i % 3}" for i in range(len(texts))]
    model = TextClassifier().fit(texts, labels)
    before = model.predict_proba(texts)
    model.set_temperature(0.5).to_disk(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert list(loaded.predict(texts)) == list(model.pipeline_.predict(texts))
    after = loaded.predict_proba(texts)
    assert after.max(axis=1).mean() > before.max(axis=1).mean()


def test_broken_model_files_are_refused(tmp_path):
    TextClassifier().fit(["a b", "c d", "e f"], ["x", "y", "x"]).to_disk(tmp_path)
    (tmp_path / "weights.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="incompatible"):
        load_model(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    meta["format"] = "skops"
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="format"):
        load_model(tmp_path)


@pytest.mark.parametrize("task", ["sections", "weaknesses"])
def test_shipped_models_are_arrays_and_json(task):
    folder = ROOT / "models" / task
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == "linear-text-v1"
    assert not list(folder.glob("*.skops")) and not list(folder.glob("*.pkl"))
    model = load_model(folder, task)
    assert [str(c) for c in model.classes_] == meta["labels"]
    assert meta["calibration"]["temperature"] == model.temperature_
    assert set(meta["calibration"]["rules"]) >= {"single"} or task == "sections"


def test_the_pipeline_runs_without_sklearn_or_skops():
    """Importing and running the pipeline with the shipped models imports neither."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nlp.pipeline.corpus import Processor\n"
        f"p = Processor(None, Path({str(SAMPLE)!r}))\n"
        f"r = p.process(Path({str(SAMPLE / 'pingtan-zone-2019.txt')!r}))\n"
        "assert r.sections and r.weaknesses and not r.errors, r.errors\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sklearn', 'skops'))\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout


def test_fit_temperature_recovers_a_known_scale():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(400, 4)) * 3
    # Labels drawn from softmax(logits / 2): the right temperature is 2.
    p = np.exp(logits / 2)
    p /= p.sum(axis=1, keepdims=True)
    labels = [str(rng.choice(4, p=row)) for row in p]
    assert fit_temperature(logits, labels, ["0", "1", "2", "3"]) == pytest.approx(
        2.0, rel=0.25
    )


def test_rule_reliability_is_smoothed_towards_its_prior():
    outcomes = [("a", True)] * 2 + [("b", True)] * 90 + [("b", False)] * 10
    found = rule_reliability(outcomes, {"a": 0.5, "b": 0.5, "c": 0.7}, strength=4)
    assert found["a"] == pytest.approx((2 + 2) / 6, abs=1e-3)  # 2 of 2: not 1.0
    assert found["b"] == pytest.approx(92 / 104, abs=1e-3)
    assert found["c"] == 0.7
