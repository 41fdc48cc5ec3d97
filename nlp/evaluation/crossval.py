"""Agency-grouped cross-validation: scores of what was learned from the gold, on gold
it was not fitted to.

The shipped section and weakness models are fitted on all the gold, so their plain
gold scores measure memory. Here every report is scored by a pipeline whose models
were fitted (with ``nlp.training.fitting``, exactly as ``python -m nlp.train`` fits
the shipped ones, calibration included) without any report of its agency group:
groups are agencies (``nlp.training.data.report_groups``: one agency, or one website,
per group), folds leave one group out (or deal groups to ``folds`` folds). The plain
score of the shipped pipeline is given beside it.

Rules cannot be refitted per fold; their honest figure is the score on gold they were
not written against. Every score is therefore also given per gold set, with what is
known of how each set was used (``GOLD_SETS``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_yaml
from ..pipeline.corpus import Processor
from ..training.data import report_groups
from ..training.examples import prepare_reports
from ..training.loop import TASKS
from .report import LABELS
from .scorers import TASKS as SCORE_TASKS
from .scorers import Score, score_document, weakness_pairs

logger = logging.getLogger(__name__)
ROOT = CONFIG_DIR.parent

# How each gold folder was used while the rules were written (docs/labels.md).
GOLD_SETS = {
    "gold": "development gold: the rules were written and tuned against it",
    "heldout": "annotated without the pipeline; rules not tuned on it before issue 13",
}
# The ten short department reports added to corpora/gold in issue 13: no rule had
# seen them before that issue (their baseline is in docs/labels.md).
ADDED_IN_ISSUE_13 = (
    "fusong",
    "gongxian",
    "liaoning",
    "nanshan",
    "penglai",
    "shucheng",
    "tianxin",
    "xianning",
    "xishan",
    "yaohai",
)


def gold_set(directory: Path, doc: str) -> str:
    if directory.name == "gold" and doc.startswith(ADDED_IN_ISSUE_13):
        return "gold-added"
    return directory.name


def load_golds(gold_dirs: Sequence[Path]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Report file name -> (gold set, gold) over all ``gold_dirs``."""
    golds: dict[str, tuple[str, dict[str, Any]]] = {}
    for directory in gold_dirs:
        for file in sorted(Path(directory).glob("*.gold.json")):
            gold = json.loads(file.read_text(encoding="utf-8"))
            golds[gold["doc"]] = (gold_set(Path(directory), gold["doc"]), gold)
    return golds


def make_folds(groups: dict[str, str], docs: Sequence[str], folds: int | None):
    """Lists of test groups: one group per fold (``folds`` None), else the groups of
    ``docs`` dealt, largest first, to the fold holding fewest reports so far."""
    sizes = Counter(groups[d] for d in docs)
    ordered = sorted(sizes, key=lambda g: (-sizes[g], g))
    if not folds or folds >= len(ordered):
        return [[g] for g in ordered]
    bins: list[list[str]] = [[] for _ in range(folds)]
    load = [0] * folds
    for group in ordered:
        k = min(range(folds), key=lambda i: (load[i], i))
        bins[k].append(group)
        load[k] += sizes[group]
    return bins


def train_configs() -> dict[str, dict[str, Any]]:
    return {name: load_yaml(CONFIG_DIR / "train" / f"{name}.yaml") for name in TASKS}


def crossval(
    gold_dirs: Sequence[Path],
    corpus: Path,
    config: str | None = None,
    folds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Scores of the shipped pipeline and of the agency-grouped cross-validation over
    the gold of ``gold_dirs`` (reports in ``corpus``); see the module docstring."""
    say = progress or (lambda message: None)
    golds = load_golds(gold_dirs)
    gold_by_doc = {doc: gold for doc, (_, gold) in golds.items()}
    say(f"preparing {corpus}")
    reports = prepare_reports(corpus)
    groups = report_groups(reports, gold_by_doc)
    configs = train_configs()
    tasks = {name: task() for name, task in TASKS.items()}
    examples = {name: tasks[name].examples(reports, list(gold_dirs)) for name in tasks}
    for rows in examples.values():
        for e in rows:
            e["agency"] = groups.get(e["doc"], e["doc"])

    processor = Processor(config, corpus)
    docs = [d for d in golds if (corpus / d).is_file()]
    say(f"scoring the shipped pipeline on {len(docs)} reports")
    plain = {doc: processor.process(corpus / doc).to_dict() for doc in docs}

    stages = {
        "sections": processor.pipeline.stage("label_sections"),
        "weaknesses": processor.pipeline.stage("weaknesses"),
    }
    shipped = {name: stage.classifier for name, stage in stages.items()}
    fold_list = make_folds(groups, docs, folds)
    predicted: dict[str, dict[str, Any]] = {}
    fold_info = []
    try:
        for k, test_groups in enumerate(fold_list):
            held = set(test_groups)
            test_docs = [d for d in docs if groups[d] in held]
            say(f"fold {k + 1}/{len(fold_list)}: {len(test_docs)} reports held out")
            info: dict[str, Any] = {"groups": test_groups, "reports": len(test_docs)}
            for name, stage in stages.items():
                train = [e for e in examples[name] if e["agency"] not in held]
                model = tasks[name].fit(train, configs[name])
                stage.use_classifier(model)
                info[name] = {
                    "train_examples": len(train),
                    "temperature": model.meta_["calibration"].get("temperature"),
                }
            for doc in test_docs:
                predicted[doc] = processor.process(corpus / doc).to_dict()
            fold_info.append(info)
    finally:
        for name, stage in stages.items():
            stage.use_classifier(shipped[name])
    return _scores(golds, plain, predicted, groups, fold_info, folds)


def _scores(golds, plain, predicted, groups, fold_info, folds) -> dict[str, Any]:
    sets = sorted({s for s, _ in golds.values()})
    table: dict[str, dict[str, Any]] = {}
    totals = {
        kind: {key: {t: Score() for t in SCORE_TASKS} for key in ["all", *sets]}
        for kind in ("plain", "cv")
    }
    misses: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    pairs: list[tuple[str, str]] = []
    for doc, (name, gold) in golds.items():
        if doc not in predicted:
            continue
        for kind, preds in (("plain", plain), ("cv", predicted)):
            scores = score_document(gold, preds[doc])
            for task, score in scores.items():
                for key in ("all", name):
                    totals[kind][key][task].merge(score)
                if kind == "cv" and score.misses:
                    misses[doc][task] = score.misses
        pairs.extend(weakness_pairs(gold, predicted[doc]))
    for task in SCORE_TASKS:
        table[task] = {
            kind: {key: _as_json(totals[kind][key][task]) for key in ["all", *sets]}
            for kind in ("plain", "cv")
        }
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in pairs:
        matrix[labels.index(g)][labels.index(p)] += 1
    in_sets = Counter(s for d, (s, _) in golds.items() if d in predicted)
    return {
        "reports": len(predicted),
        "groups": len({groups[d] for d in predicted}),
        "folds": len(fold_info),
        "scheme": "leave one agency group out"
        if not folds
        else f"{len(fold_info)} folds of agency groups",
        "sets": {s: {"reports": in_sets[s], "use": _use(s)} for s in sets},
        "tasks": table,
        "confusion": {"labels": labels, "matrix": matrix},
        "fold_details": fold_info,
        "misses": misses,
    }


def _use(name: str) -> str:
    if name == "gold-added":
        return (
            "the 10 department reports added in issue 13: unseen by the rules "
            "until that issue's baseline"
        )
    return GOLD_SETS.get(name, "")


def _as_json(score: Score) -> dict[str, Any]:
    value = score.value
    return {
        "score": round(value, 4) if value is not None else None,
        "correct": score.correct,
        "total": score.total,
    }


def format_crossval(result: dict[str, Any], command: str = "") -> str:
    """The cross-validation table as ``nlp.evaluate --cv`` prints it: per task the
    shipped pipeline's plain score and the agency-grouped CV score, over all gold and
    per gold set, then the weakness-category confusion table (CV)."""
    sets = list(result["sets"])
    lines = [
        f"Agency-grouped cross-validation: {result['reports']} reports, "
        f"{result['groups']} agency groups, {result['scheme']} "
        f"({result['folds']} folds)." + (f"  Command: {command}" if command else ""),
        "Models are refitted per fold without the held-out agencies; rules are not",
        "(read them by gold set).",
        "",
    ]
    for name in sets:
        info = result["sets"][name]
        lines.append(f"  {name} ({info['reports']} reports): {info['use']}")
    lines.append("")
    head = f"{'task':34s} {'shipped':>8s} {'CV':>8s} {'n':>5s}"
    head += "".join(f" {('CV ' + s)[:14]:>14s}" for s in sets)
    lines.append(head)
    for task, row in result["tasks"].items():
        plain, cv = row["plain"]["all"], row["cv"]["all"]
        if not cv["total"]:
            continue
        line = f"{LABELS.get(task, task):34s} {_fmt(plain['score']):>8s} "
        line += f"{_fmt(cv['score']):>8s} {cv['total']:>5d}"
        for s in sets:
            part = row["cv"][s]
            shown = f"{_fmt(part['score'])} ({part['total']})" if part["total"] else "-"
            line += f" {shown:>14s}"
        lines.append(line)
    conf = result["confusion"]
    if conf["labels"]:
        labels = conf["labels"]
        short = [label[:6] for label in labels]
        lines += [
            "",
            "Weakness categories, agency-grouped CV (rows gold, columns predicted):",
            f"{'':15s}" + "".join(f"{s:>7s}" for s in short),
        ]
        for label, row in zip(labels, conf["matrix"]):
            lines.append(f"{label:15s}" + "".join(f"{v:>7d}" for v in row))
    return "\n".join(lines)


def confusion_markdown(result: dict[str, Any]) -> str:
    """The confusion table as Markdown (docs/labels.md)."""
    conf = result["confusion"]
    labels = conf["labels"]
    lines = [
        "| gold \\ predicted | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for label, row in zip(labels, conf["matrix"]):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def default_gold_dirs() -> list[Path]:
    """The gold folders the shipped models are trained on (configs/train)."""
    gold = train_configs()["sections"]["gold"]
    return [ROOT / g for g in ([gold] if isinstance(gold, str) else gold)]
