"""The training workflow: ``train(task, out)`` makes and documents one shipped model.

TASK is ``sections`` or ``weaknesses``. The training data are built as a Hugging Face
``Dataset`` from ``corpora/`` (gold labels plus weak labels from the rules), split by
agency so that no agency is in both train and test; the chosen backend is trained and
evaluated on the held-out agencies against two baselines (majority label, rules only);
``DIR/meta.json`` and a model card ``DIR/README.md`` are written. The shipped models in
``models/`` are made by ``python -m nlp.train`` with the default backend.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_config, load_yaml
from ..errors import ModelError
from ..models.neural import SpacyTextClassifier, TransformersTextClassifier
from ..models.persistence import write_meta
from ..models.text_classifier import TextClassifier
from ..stages.meta.agency import agency_groups
from ..stages.segment import HeadingRules
from ..stages.weaknesses import CueCategorizer
from .card import model_card
from .data import data_hash, split_by_agency, to_dataset
from .examples import build_section_examples, build_weakness_examples, prepare_reports
from .metrics import classification_metrics, majority_baseline

logger = logging.getLogger("nlp.train")
ROOT = CONFIG_DIR.parent
BACKEND_NAMES = ("sklearn", "spacy", "transformers")


def read_golds(gold_dir: Path) -> dict[str, dict[str, Any]]:
    golds = {}
    for file in sorted(gold_dir.glob("*.gold.json")):
        gold = json.loads(file.read_text(encoding="utf-8"))
        golds[gold["doc"]] = gold
    return golds


class SectionsTask:
    """Section labels (SPEC §1) from a section's title and the start of its text."""

    name = "sections"

    def examples(self, reports, gold_dir: Path) -> list[dict[str, Any]]:
        return build_section_examples(reports, gold_dir)

    def rules(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        rules = HeadingRules()
        return [rules.match(e.get("title") or "").label or "other" for e in examples]


class WeaknessesTask:
    """Weakness categories (SPEC §2) of problem statements."""

    name = "weaknesses"

    def examples(self, reports, gold_dir: Path) -> list[dict[str, Any]]:
        golds = read_golds(gold_dir)
        return [
            {
                "text": e.text,
                "label": e.label,
                "source": e.source,
                "doc": Path(e.doc_id).name,
            }
            for e in build_weakness_examples(reports, golds)
        ]

    def rules(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        cues = CueCategorizer(load_config("weaknesses"))
        return [cues(e["text"]).label or "other" for e in examples]


TASKS = {"sections": SectionsTask, "weaknesses": WeaknessesTask}


def make_model(
    task, backend: str, seed: int, params: dict[str, Any], checkpoint: str | None
):
    if backend == "sklearn":
        return TextClassifier(random_state=seed, **params)
    if backend == "spacy":
        return SpacyTextClassifier(seed=seed, **params)
    if backend == "transformers":
        return TransformersTextClassifier(checkpoint=checkpoint, seed=seed, **params)
    raise ModelError(
        f"Unknown backend {backend!r}; choose one of {', '.join(BACKEND_NAMES)}."
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    result = {"python": platform.python_version()}
    for package in (
        "scikit-learn",
        "spacy",
        "datasets",
        "jieba",
        "skops",
        "transformers",
        "torch",
    ):
        try:
            result[package] = version(package)
        except PackageNotFoundError:
            pass
    return result


def train(
    task_name: str,
    out: Path,
    config_path: Path | None = None,
    backend: str = "sklearn",
    checkpoint: str | None = None,
    compare: Sequence[str] = (),
) -> dict[str, Any]:
    config_path = config_path or CONFIG_DIR / "train" / f"{task_name}.yaml"
    config = load_yaml(config_path)
    seed = int(config.get("seed", 0))
    task = TASKS[task_name]()
    corpus, gold_dir = ROOT / config["corpus"], ROOT / config["gold"]
    started = time.perf_counter()

    reports = prepare_reports(corpus)
    groups = agency_groups([r.meta.agency for r in reports if r.meta.agency])
    agency_of = {
        Path(r.source.path).name: groups.get(r.meta.agency, r.doc_id) for r in reports
    }
    examples = task.examples(reports, gold_dir)
    for e in examples:
        e["agency"] = agency_of.get(e["doc"], e["doc"])
    dataset = to_dataset(examples)
    train_set, test_set = split_by_agency(
        dataset,
        float(config.get("test_fraction", 0.3)),
        seed,
        config.get("test_agencies") or (),
    )
    labels_train = list(train_set["label"])
    gold_test = list(test_set["label"])
    params = dict((config.get("backends") or {}).get(backend) or {})

    def fit_and_score(
        name: str, model_params: dict[str, Any]
    ) -> tuple[Any, dict[str, Any]]:
        model = make_model(task, name, seed, model_params, checkpoint)
        model.fit(list(train_set["text"]), labels_train)
        predicted = (
            [str(p) for p in model.predict(list(test_set["text"]))]
            if len(test_set)
            else []
        )
        return model, classification_metrics(
            gold_test, predicted, sorted(set(labels_train))
        )

    _, metrics = fit_and_score(backend, params)
    test_rows = [
        dict(zip(test_set.column_names, row))
        for row in zip(*(test_set[c] for c in test_set.column_names))
    ]
    rules_pred = task.rules(test_rows)
    metrics["baseline_majority"] = _short(
        classification_metrics(
            gold_test, majority_baseline(labels_train, len(gold_test)), []
        )
    )
    metrics["baseline_rules"] = _short(
        classification_metrics(gold_test, rules_pred, [])
    )
    compared = {}
    for other in compare:
        if other == backend:
            continue
        other_params = dict((config.get("backends") or {}).get(other) or {})
        _, other_metrics = fit_and_score(other, other_params)
        compared[other] = _short(other_metrics)

    # The shipped model learns from every example once the held-out figures are taken.
    final = make_model(task, backend, seed, params, checkpoint)
    if config.get("refit_on_all", True):
        final.fit(list(dataset["text"]), list(dataset["label"]))
    else:
        final.fit(list(train_set["text"]), labels_train)

    command = f"python -m nlp.train {task_name} --backend {backend} --out {out}"
    if config_path != CONFIG_DIR / "train" / f"{task_name}.yaml":
        command += f" --config {config_path}"
    meta = {
        "name": task_name,
        "task": task_name,
        "backend": backend,
        "version": str(config.get("version")),
        "labels": sorted(str(c) for c in final.classes_),
        "config": {
            "train": config,
            "train_config_file": str(config_path.relative_to(ROOT))
            if config_path.is_relative_to(ROOT)
            else str(config_path),
        },
        "seed": seed,
        "data_hash": data_hash(dataset),
        "data": {
            "examples": len(dataset),
            "train_examples": len(train_set),
            "train_by_source": dict(Counter(train_set["source"])),
            "train_agencies": len(set(train_set["agency"])),
            "test_examples": len(test_set),
            "test_agencies": sorted(set(test_set["agency"])),
            "split": "by agency; test = gold examples of held-out agencies",
            "refit_on_all": bool(config.get("refit_on_all", True)),
        },
        "metrics": metrics,
        "backends_compared": compared,
        "versions": _versions(),
        "command": command,
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    out.mkdir(parents=True, exist_ok=True)
    if backend == "sklearn":
        final.to_disk(out, meta)
    else:
        final.to_disk(out)
    # meta.json holds the whole meta whatever the backend wrote beside the model.
    meta_file = out / "meta.json"
    existing = (
        json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    )
    existing.update(meta)
    write_meta(out, existing)
    (out / "README.md").write_text(model_card(existing), encoding="utf-8")
    return existing


def _short(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("accuracy", "macro_f1", "n")}


def _short(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("accuracy", "macro_f1", "n")}
