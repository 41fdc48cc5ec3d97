"""Neural classifier backends: spaCy textcat and a fine-tuned transformer.

Each follows the scikit-learn contract: parameters stored as given in ``__init__``,
``fit(texts, labels) -> self``, ``predict``/``predict_proba``, learned state in
attributes ending in ``_``, ``to_disk``/``from_disk``; used before ``fit`` they raise
``NotFittedError``. The default backend is ``text_classifier.TextClassifier``
(applied at run time by ``linear.LinearTextModel``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Errors, ModelError, NotFittedError


class SpacyTextClassifier:
    """spaCy ``textcat`` (exclusive classes) on ``spacy.blank("zh")`` with the jieba
    segmenter. The pipeline config is spaCy's own ``config.cfg``, saved with the model."""

    def __init__(
        self,
        epochs: int = 15,
        dropout: float = 0.2,
        seed: int = 0,
        batch_size: int = 16,
    ):
        self.epochs = epochs
        self.dropout = dropout
        self.seed = seed
        self.batch_size = batch_size

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "dropout": self.dropout,
            "seed": self.seed,
            "batch_size": self.batch_size,
        }

    @staticmethod
    def blank():
        import logging

        import jieba
        import spacy

        jieba.setLogLevel(logging.WARNING)  # its default logger prints at DEBUG
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SpacyTextClassifier:
        import spacy
        from spacy.training import Example

        spacy.util.fix_random_seed(self.seed)
        rng = random.Random(self.seed)
        nlp = self.blank()
        textcat = nlp.add_pipe("textcat")
        classes = sorted(set(labels))
        for label in classes:
            textcat.add_label(label)
        examples = [
            Example.from_dict(
                nlp.make_doc(t), {"cats": {c: float(c == y) for c in classes}}
            )
            for t, y in zip(texts, labels)
        ]
        optimizer = nlp.initialize(lambda: examples)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for start in range(0, len(examples), self.batch_size):
                nlp.update(
                    examples[start : start + self.batch_size],
                    sgd=optimizer,
                    drop=self.dropout,
                )
        self.nlp_ = nlp
        self.classes_ = np.array(classes)
        return self

    def _check(self) -> None:
        if not hasattr(self, "nlp_"):
            raise NotFittedError(Errors.E202.format(name=type(self).__name__))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self._check()
        rows = [
            [doc.cats.get(c, 0.0) for c in self.classes_]
            for doc in self.nlp_.pipe(texts)
        ]
        return np.array(rows, dtype=float).reshape(len(rows), len(self.classes_))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)]

    def to_disk(self, path: str | Path) -> None:
        self._check()
        path = Path(path)
        self.nlp_.to_disk(path / "spacy")
        (path / "spacy_params.json").write_text(
            json.dumps(self.get_params()), encoding="utf-8"
        )

    @classmethod
    def from_disk(cls, path: str | Path) -> SpacyTextClassifier:
        import spacy

        path = Path(path)
        if not (path / "spacy").is_dir():
            raise ModelError(
                Errors.E200.format(path=path, task="<task> --backend spacy")
            )
        model = cls(
            **json.loads((path / "spacy_params.json").read_text(encoding="utf-8"))
        )
        model.nlp_ = spacy.load(path / "spacy")
        model.classes_ = np.array(model.nlp_.get_pipe("textcat").labels)
        return model


class TransformersTextClassifier:
    """Fine-tunes a local transformer checkpoint directory for sequence classification.

    Nothing is downloaded: ``checkpoint`` must be a directory holding a model and its
    tokenizer (``save_pretrained`` output). A plain PyTorch loop with fixed seeds keeps
    runs reproducible on the CPU.
    """

    def __init__(
        self,
        checkpoint: str | None = None,
        epochs: int = 3,
        learning_rate: float = 5e-5,
        batch_size: int = 8,
        max_length: int = 256,
        seed: int = 0,
        max_steps: int | None = None,
    ):
        self.checkpoint = checkpoint
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.seed = seed
        self.max_steps = max_steps

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "checkpoint",
                "epochs",
                "learning_rate",
                "batch_size",
                "max_length",
                "seed",
                "max_steps",
            )
        }

    def fit(
        self, texts: Sequence[str], labels: Sequence[str]
    ) -> TransformersTextClassifier:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as e:
            raise ModelError(
                "The transformers backend needs the optional extra: pip install -e '.[transformers]'"
            ) from e
        if not self.checkpoint or not Path(self.checkpoint).is_dir():
            raise ModelError(
                f"Transformer checkpoint {self.checkpoint!r} is not a local directory. Pass "
                "--checkpoint DIR holding a model and tokenizer saved with save_pretrained()."
            )
        torch.manual_seed(self.seed)
        random.seed(self.seed)
        np.random.seed(self.seed)
        classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(classes)}
        tokenizer = AutoTokenizer.from_pretrained(
            self.checkpoint, local_files_only=True
        )
        model = AutoModelForSequenceClassification.from_pretrained(
            self.checkpoint,
            num_labels=len(classes),
            id2label=dict(enumerate(classes)),
            label2id=index,
            local_files_only=True,
            ignore_mismatched_sizes=True,
        )
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate)
        order = list(range(len(texts)))
        rng = random.Random(self.seed)
        steps = 0
        for _ in range(self.epochs):
            rng.shuffle(order)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                encoded = tokenizer(
                    [texts[i] for i in batch],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                target = torch.tensor([index[labels[i]] for i in batch])
                loss = model(**encoded, labels=target).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                steps += 1
                if self.max_steps and steps >= self.max_steps:
                    break
            if self.max_steps and steps >= self.max_steps:
                break
        model.eval()
        self.model_ = model
        self.tokenizer_ = tokenizer
        self.classes_ = np.array(classes)
        self.steps_ = steps
        return self

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(Errors.E202.format(name=type(self).__name__))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        self._check()  # before importing torch: the extra may not be installed
        import torch

        rows = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                encoded = self.tokenizer_(
                    list(texts[start : start + self.batch_size]),
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                rows.append(
                    torch.softmax(self.model_(**encoded).logits, dim=-1).numpy()
                )
        return np.concatenate(rows) if rows else np.zeros((0, len(self.classes_)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)]

    def to_disk(self, path: str | Path) -> None:
        self._check()
        path = Path(path) / "transformer"
        self.model_.save_pretrained(path)
        self.tokenizer_.save_pretrained(path)
        params = {**self.get_params(), "classes": list(self.classes_)}
        (path / "nlp_params.json").write_text(
            json.dumps(params, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def from_disk(cls, path: str | Path) -> TransformersTextClassifier:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path) / "transformer"
        if not path.is_dir():
            raise ModelError(
                Errors.E200.format(path=path, task="<task> --backend transformers")
            )
        params = json.loads((path / "nlp_params.json").read_text(encoding="utf-8"))
        classes = params.pop("classes")
        model = cls(**params)
        model.model_ = AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True
        ).eval()
        model.tokenizer_ = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model.classes_ = np.array(classes)
        return model
