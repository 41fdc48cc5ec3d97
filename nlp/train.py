"""``python -m nlp.train TASK [--config FILE] [--backend B] --out DIR``: train a model.

TASK is ``sections`` or ``weaknesses``. The training data are built as a Hugging Face
``Dataset`` from ``corpora/`` (gold labels plus weak labels from the rules), split by
agency so that no agency is in both train and test; the chosen backend is trained and
evaluated on the held-out agencies against two baselines (majority label, rules only);
``DIR/meta.json`` and a model card ``DIR/README.md`` are written. The shipped models in
``models/`` are made by this command with the default backend.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .checks.cross_year import agency_groups
from .config import CONFIG_DIR, load_yaml
from .errors import ModelError, NlpError
from .training.card import model_card
from .training.data import data_hash, split_by_agency, to_dataset
from .training.metrics import classification_metrics, majority_baseline

logger = logging.getLogger("nlp.train")
ROOT = CONFIG_DIR.parent
BACKEND_NAMES = ("sklearn", "spacy", "transformers")


def load_reports(corpus: Path) -> list[Any]:
    """Every readable report of ``corpus``, cleaned, with its metadata."""
    from .corpus import iter_corpus
    from .errors import IngestError
    from .ingest import is_supported, load_report
    from .meta import MetaExtractor

    meta = MetaExtractor()
    reports = []
    for path in iter_corpus(corpus):
        if not is_supported(path):
            continue
        try:
            reports.append(meta(load_report(path, corpus)))
        except IngestError as e:
            logger.warning("skipping %s: %s", path, e)
    return reports


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
        from .sections.training import build_section_examples

        return build_section_examples(reports, gold_dir)

    def rules(self, examples: Sequence[dict[str, Any]]) -> list[str]:
        from .sections.rules import HeadingRules

        rules = HeadingRules()
        return [rules.match(e.get("title") or "").label or "other" for e in examples]

    def sklearn(self, seed: int, params: dict[str, Any]):
        from .sections.classifier import SectionTextClassifier

        return SectionTextClassifier(random_state=seed, **params)


class WeaknessesTask:
    """Weakness categories (SPEC §2) of problem statements."""

    name = "weaknesses"

    def examples(self, reports, gold_dir: Path) -> list[dict[str, Any]]:
        from .weaknesses.categorize import build_weakness_examples

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
        from .config import load_config
        from .weaknesses.categorize import CueCategorizer

        cues = CueCategorizer(load_config("weaknesses"))
        return [cues(e["text"]).label or "other" for e in examples]

    def sklearn(self, seed: int, params: dict[str, Any]):
        from .weaknesses.categorize import WeaknessClassifier

        return WeaknessClassifier(random_state=seed, **params)


TASKS = {"sections": SectionsTask, "weaknesses": WeaknessesTask}


def make_model(
    task, backend: str, seed: int, params: dict[str, Any], checkpoint: str | None
):
    if backend == "sklearn":
        return task.sklearn(seed, params)
    if backend == "spacy":
        from .training.backends import SpacyTextClassifier

        return SpacyTextClassifier(seed=seed, **params)
    if backend == "transformers":
        from .training.backends import TransformersTextClassifier

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

    reports = load_reports(corpus)
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
    meta_file.write_text(
        json.dumps(existing, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(model_card(existing), encoding="utf-8")
    return existing


def _short(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("accuracy", "macro_f1", "n")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument(
        "--config", type=Path, default=None, help="default: configs/train/TASK.yaml"
    )
    parser.add_argument("--backend", choices=BACKEND_NAMES, default="sklearn")
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="local transformer checkpoint directory (transformers backend)",
    )
    parser.add_argument(
        "--compare",
        nargs="*",
        default=[],
        choices=BACKEND_NAMES,
        help="also train these backends on the same split and report them in the card",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        meta = train(
            args.task,
            args.out,
            args.config,
            args.backend,
            args.checkpoint,
            args.compare,
        )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    m = meta["metrics"]
    print(
        f"{args.task} ({args.backend}): accuracy {m['accuracy']}, macro-F1 {m['macro_f1']} on {m['n']} held-out "
        f"gold examples; majority {m['baseline_majority']['accuracy']}, rules {m['baseline_rules']['accuracy']}"
    )
    for name, other in meta.get("backends_compared", {}).items():
        print(f"  {name}: accuracy {other['accuracy']}, macro-F1 {other['macro_f1']}")
    print(
        f"Wrote {args.out}/meta.json and {args.out}/README.md in {meta['train_seconds']}s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
