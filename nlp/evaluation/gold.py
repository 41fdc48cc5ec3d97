"""Gold annotations (docs/GOLD.md) and the predictions they are scored against.

``load_gold`` reads a folder of ``*.gold.json``; ``predictions`` runs the pipeline on
the gold's reports (or reads an ``nlp.run`` output folder); ``evaluate`` scores them
task by task, overall and per document.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import Errors, NlpError
from ..io.writers import output_name
from ..pipeline.corpus import Processor, iter_corpus
from ..pipeline.neighbours import settle_with_neighbours
from .scorers import TASKS, Score, score_document


class GoldError(NlpError):
    """A gold folder or file that cannot be used."""


def load_gold(gold_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    files = sorted(gold_dir.glob("*.gold.json"))
    if not files:
        raise GoldError(Errors.E301.format(path=gold_dir))
    return [(f, json.loads(f.read_text(encoding="utf-8"))) for f in files]


def predictions(
    golds: list[tuple[Path, dict[str, Any]]],
    corpus: Path,
    pred_dir: Path | None,
    config: str | None,
) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    if pred_dir is not None:
        for gold_file, gold in golds:
            path = pred_dir / "docs" / output_name(gold["doc"])
            if not path.is_file():
                raise GoldError(
                    Errors.E302.format(name=gold["doc"], gold=gold_file, where=pred_dir)
                )
            result[gold["doc"]] = json.loads(path.read_text(encoding="utf-8"))
        return result
    processor = Processor(config, corpus)
    for gold_file, gold in golds:
        path = corpus / gold["doc"]
        if not path.is_file():
            raise GoldError(
                Errors.E302.format(name=gold["doc"], gold=gold_file, where=corpus)
            )
        result[gold["doc"]] = processor.process(path).to_dict()
    # The neighbouring years settle run-together digits as in a corpus run, so the
    # corpus's other reports are read too (their records are not scored); the
    # cross-year checks themselves need the corpus, in-document scores don't.
    others = {
        path.relative_to(corpus).as_posix(): path
        for path in iter_corpus(corpus)
        if path.relative_to(corpus).as_posix() not in result
    }
    records = {
        **result,
        **{k: processor.process(p).to_dict() for k, p in others.items()},
    }
    settle_with_neighbours(
        records,
        lambda doc, cfg: processor.process(corpus / doc, component_cfg=cfg).to_dict(),
    )
    return {doc: records[doc] for doc in result}


def evaluate(
    gold_dir: Path,
    corpus: Path | None = None,
    pred_dir: Path | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    golds = load_gold(gold_dir)
    corpus = corpus or _default_corpus(gold_dir)
    preds = predictions(golds, corpus, pred_dir, config)
    overall = {task: Score() for task in TASKS}
    per_doc: dict[str, dict[str, Any]] = {}
    misses: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for _, gold in golds:
        scores = score_document(gold, preds[gold["doc"]])
        per_doc[gold["doc"]] = {t: _as_json(s) for t, s in scores.items()}
        for task, s in scores.items():
            overall[task].merge(s)
            if s.misses:
                misses[gold["doc"]][task] = s.misses
    return {
        "gold": str(gold_dir),
        "documents": len(golds),
        "overall": {t: _as_json(s) for t, s in overall.items()},
        "per_document": per_doc,
        "misses": misses,
    }


def _as_json(score: Score) -> dict[str, Any]:
    value = score.value
    return {
        "score": round(value, 4) if value is not None else None,
        "correct": score.correct,
        "total": score.total,
        "extra": score.extra,
    }


def _default_corpus(gold_dir: Path) -> Path:
    for candidate in (
        gold_dir.parent / "sample",
        gold_dir.parent / "dev",
        gold_dir.parent,
    ):
        if candidate.is_dir() and any(candidate.iterdir()):
            return candidate
    return gold_dir.parent
