"""The training workflow: agency split, metrics, backends, reproducible shipped models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from nlp.errors import NotFittedError
from nlp.models.neural import SpacyTextClassifier, TransformersTextClassifier
from nlp.training.data import split_by_agency, to_dataset
from nlp.training.metrics import classification_metrics

# Real problem statements and section titles cut from the sample reports.
TEXTS = [
    ("信息发布的标题、内容、格式等存在不规范的情况", "mechanism"),
    ("部分栏目更新信息不多", "timeliness"),
    ("信息公开的实效性有待进一步加强", "timeliness"),
    ("对政府信息公开平台建设有待进一步完善", "platform"),
    ("公开的长效工作机制建设不够“全”", "mechanism"),
    ("政务公开公众参与度有待进一步提升", "participation"),
    ("政策解读形式不够丰富", "interpretation"),
    ("信息公开及时性有待加强", "timeliness"),
]


def _examples():
    rows = []
    for i, (text, label) in enumerate(TEXTS * 3):
        rows.append(
            {
                "text": text,
                "label": label,
                "source": "gold" if i % 2 else "weak",
                "doc": f"d{i % 6}.txt",
                "agency": f"agency{i % 6}",
            }
        )
    return rows


def test_split_by_agency_is_disjoint_and_deterministic():
    dataset = to_dataset(_examples())
    train, test = split_by_agency(dataset, 0.3, seed=0)
    assert set(train["agency"]).isdisjoint(test["agency"])
    assert set(test["source"]) == {"gold"}
    _again_train, again_test = split_by_agency(dataset, 0.3, seed=0)
    assert list(again_test["text"]) == list(test["text"])
    _named_train, named_test = split_by_agency(dataset, test_agencies=["agency1"])
    assert set(named_test["agency"]) == {"agency1"}


def test_classification_metrics():
    m = classification_metrics(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    assert m["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["per_label"]["a"]["precision"] == 1.0
    assert m["confusion"]["matrix"] == [[1, 1], [0, 1]]


def test_backends_refuse_to_predict_before_fit():
    for model in (SpacyTextClassifier(), TransformersTextClassifier()):
        with pytest.raises(NotFittedError):
            model.predict(["x"])


@pytest.mark.slow
def test_spacy_backend_round_trip(tmp_path: Path):
    texts, labels = zip(*TEXTS)
    model = SpacyTextClassifier(epochs=3, seed=0).fit(list(texts), list(labels))
    predicted = list(model.predict(list(texts)))
    model.to_disk(tmp_path)
    again = SpacyTextClassifier.from_disk(tmp_path)
    assert list(again.predict(list(texts))) == predicted


def _tiny_checkpoint(directory: Path, texts: list[str]) -> Path:
    """A tiny BERT and a character vocabulary, built here: nothing is downloaded."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    directory.mkdir(parents=True, exist_ok=True)
    chars = sorted({ch for text in texts for ch in text})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(
        str(directory / "vocab.txt"), do_lower_case=False
    )
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=2,
    )
    transformers.BertForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.mark.slow
def test_transformers_backend_trains_a_tiny_local_model(tmp_path: Path):
    texts, labels = (list(x) for x in zip(*TEXTS))
    checkpoint = _tiny_checkpoint(tmp_path / "tiny", texts)
    model = TransformersTextClassifier(
        checkpoint=str(checkpoint),
        epochs=2,
        batch_size=4,
        max_length=32,
        seed=0,
        max_steps=4,
    ).fit(texts, labels)
    assert model.steps_ == 4
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(set(labels)))
    assert proba.sum(axis=1) == pytest.approx([1.0] * len(texts), abs=1e-5)
    predicted = list(model.predict(texts))
    assert set(predicted) <= set(labels)
    model.to_disk(tmp_path / "out")
    again = TransformersTextClassifier.from_disk(tmp_path / "out")
    assert list(again.predict(texts)) == predicted


def test_transformers_backend_needs_a_local_checkpoint(tmp_path: Path):
    from nlp.errors import ModelError

    pytest.importorskip("transformers")
    with pytest.raises(ModelError, match="not a local directory"):
        TransformersTextClassifier(checkpoint=str(tmp_path / "missing")).fit(
            ["a", "b"], ["x", "y"]
        )


@pytest.mark.slow
@pytest.mark.parametrize("task", ["sections", "weaknesses"])
def test_train_reproduces_the_shipped_metrics(task: str, tmp_path: Path):
    from nlp.training.loop import train

    shipped = json.loads(
        (ROOT / "models" / task / "meta.json").read_text(encoding="utf-8")
    )
    meta = train(task, tmp_path / task)
    assert meta["data_hash"] == shipped["data_hash"]
    for key in ("accuracy", "macro_f1"):
        assert meta["metrics"][key] == pytest.approx(shipped["metrics"][key], abs=0.01)
    assert (
        (tmp_path / task / "README.md")
        .read_text(encoding="utf-8")
        .startswith(f"# {task} classifier")
    )
