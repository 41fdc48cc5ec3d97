"""The training workflow: ``train(task, out)`` makes and documents one shipped model.

TASK is ``sections`` or ``weaknesses``. The training data are built as a Hugging Face
``Dataset`` from ``corpora/`` (gold labels from every gold folder of the task's
config, plus weak labels from the rules). The figures of the model card are
agency-held-out: every gold example is predicted by a model fitted without its agency
group (``data.report_groups``; leave one group out), and compared with two baselines
(majority label, rules only). The shipped model is then fitted on every example, with
its calibration (``fitting.fit_calibrated``), and written with ``DIR/meta.json`` and a
model card ``DIR/README.md``. The shipped models in ``models/`` are made by
``python -m nlp.train`` with the default backend.
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
from ..models.persistence import write_meta
from ..stages.label_sections import LabelPolicy
from ..stages.weaknesses import CueCategorizer
from .card import model_card
from .data import data_hash, report_groups, to_dataset
from .examples import build_section_examples, build_weakness_examples, prepare_reports
from .fitting import BACKEND_NAMES, fit_calibrated, make_model
from .metrics import classification_metrics, majority_baseline

logger = logging.getLogger("nlp.train")
ROOT = CONFIG_DIR.parent
__all__ = ["BACKEND_NAMES", "TASKS", "read_golds", "train"]


def read_golds(gold_dirs: Path | Sequence[Path]) -> dict[str, dict[str, Any]]:
    dirs = [gold_dirs] if isinstance(gold_dirs, (str, Path)) else gold_dirs
    golds = {}
    for directory in dirs:
        for file in sorted(Path(directory).glob("*.gold.json")):
            gold = json.loads(file.read_text(encoding="utf-8"))
            golds[gold["doc"]] = gold
    return golds


class SectionsTask:
    """Section labels (SPEC §1) from a section's title and the start of its text."""

    name = "sections"

    def examples(self, reports, gold_dirs) -> list[dict[str, Any]]:
        return build_section_examples(reports, gold_dirs)

    def rules(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        """What the heading rules alone say (``other`` where they are silent)."""
        return [e.get("rule_label") or "other" for e in examples]

    def rule_outcomes(self, examples: Sequence[dict[str, Any]]):
        return [
            (e["rule_kind"], e.get("rule_label") == e["label"])
            for e in examples
            if e.get("rule_kind")
        ]

    def fit(self, examples, config, backend: str = "sklearn", checkpoint=None):
        policy = LabelPolicy(load_config("sections"))
        return fit_calibrated(
            examples,
            config,
            backend,
            checkpoint,
            rule_outcomes=self.rule_outcomes,
            rule_prior=policy.rule_prior,
        )


class WeaknessesTask:
    """Weakness categories (SPEC §2) of problem statements."""

    name = "weaknesses"

    def examples(self, reports, gold_dirs) -> list[dict[str, Any]]:
        golds = read_golds(gold_dirs)
        return [
            {
                "text": e.text,
                "label": e.label,
                "source": e.source,
                "doc": Path(e.doc_id).name,
            }
            for e in build_weakness_examples(reports, golds)
        ]

    def _cues(self) -> CueCategorizer:
        return CueCategorizer(load_config("weaknesses"))

    def rules(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        cues = self._cues()
        return [cues(e["text"]).label or "other" for e in examples]

    def rule_outcomes(self, examples: Sequence[dict[str, Any]]):
        cues = self._cues()
        outcomes = []
        for e in examples:
            cue = cues(e["text"])
            if cue.label is not None:
                outcomes.append((cue.kind, cue.label == e["label"]))
        return outcomes

    def fit(self, examples, config, backend: str = "sklearn", checkpoint=None):
        return fit_calibrated(
            examples,
            config,
            backend,
            checkpoint,
            rule_outcomes=self.rule_outcomes,
            rule_prior=self._cues().rule_prior,
        )


TASKS = {"sections": SectionsTask, "weaknesses": WeaknessesTask}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    result = {"python": platform.python_version()}
    for package in (
        "scikit-learn",
        "numpy",
        "spacy",
        "datasets",
        "jieba",
        "transformers",
        "torch",
    ):
        try:
            result[package] = version(package)
        except PackageNotFoundError:
            pass
    return result


def gold_dirs_of(config: dict[str, Any]) -> list[Path]:
    gold = config["gold"]
    return [ROOT / g for g in ([gold] if isinstance(gold, str) else gold)]


def grouped_predictions(
    examples: Sequence[dict[str, Any]],
    config: dict[str, Any],
    backend: str,
    checkpoint: str | None,
) -> tuple[list[int], list[str], list[str]]:
    """Every gold example predicted by a model fitted without its agency group:
    (indices of the gold examples, their predictions, the majority label of each
    fold's training labels)."""
    seed = int(config.get("seed", 0))
    params = dict((config.get("backends") or {}).get(backend) or {})
    gold_groups = sorted(
        {e["agency"] for e in examples if e.get("source") == "gold"}, key=str
    )
    indices: list[int] = []
    predicted: list[str] = []
    majority: list[str] = []
    for group in gold_groups:
        test = [
            i
            for i, e in enumerate(examples)
            if e["agency"] == group and e.get("source") == "gold"
        ]
        train = [e for e in examples if e["agency"] != group]
        labels = [str(e["label"]) for e in train]
        if len(set(labels)) < 2:
            continue
        model = make_model(backend, seed, params, checkpoint)
        model.fit([str(e["text"]) for e in train], labels)
        indices.extend(test)
        predicted.extend(
            str(p) for p in model.predict([str(examples[i]["text"]) for i in test])
        )
        majority.extend(majority_baseline(labels, len(test)))
    return indices, predicted, majority


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
    corpus, gold_dirs = ROOT / config["corpus"], gold_dirs_of(config)
    started = time.perf_counter()

    reports = prepare_reports(corpus)
    groups = report_groups(reports, read_golds(gold_dirs))
    examples = task.examples(reports, gold_dirs)
    for e in examples:
        e["agency"] = groups.get(e["doc"], e["doc"])
    dataset = to_dataset(examples)

    indices, predicted, majority = grouped_predictions(
        examples, config, backend, checkpoint
    )
    gold = [str(examples[i]["label"]) for i in indices]
    labels_all = sorted({str(e["label"]) for e in examples})
    metrics = classification_metrics(gold, predicted, labels_all)
    metrics["baseline_majority"] = _short(classification_metrics(gold, majority, []))
    metrics["baseline_rules"] = _short(
        classification_metrics(gold, task.rules([examples[i] for i in indices]), [])
    )
    compared = {}
    for other in compare:
        if other == backend:
            continue
        o_indices, o_pred, _ = grouped_predictions(examples, config, other, checkpoint)
        o_gold = [str(examples[i]["label"]) for i in o_indices]
        compared[other] = _short(classification_metrics(o_gold, o_pred, []))

    # The shipped model learns from every example once the held-out figures are taken.
    final = task.fit(examples, config, backend, checkpoint)

    command = f"python -m nlp.train {task_name} --backend {backend} --out {out}"
    if config_path != CONFIG_DIR / "train" / f"{task_name}.yaml":
        command += f" --config {config_path}"
    gold_groups = sorted({examples[i]["agency"] for i in indices})
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
            "train_examples": len(dataset),
            "train_by_source": dict(Counter(dataset["source"])),
            "train_agencies": len(set(dataset["agency"])),
            "test_examples": len(indices),
            "test_agencies": gold_groups,
            "split": "leave one agency group out; test = the group's gold examples",
            "refit_on_all": True,
        },
        "metrics": metrics,
        "calibration": (getattr(final, "meta_", None) or {}).get("calibration", {}),
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
