"""Section labelling scored on its own: segmenter, rules and a given model together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..records import Report
from ..stages.label_sections import SectionClassifier
from ..stages.segment import SectionSegmenter
from ..training.examples import match_gold_sections, read_gold


def gold_section_accuracy(
    reports: Iterable[Report], gold_dir: str | Path | Sequence[str | Path], model: Any
) -> dict[str, Any]:
    """Section label accuracy by the docs/GOLD.md rule, segmenting and labelling with
    ``model``; a gold section no output section matches counts wrong."""
    segmenter = SectionSegmenter().initialize()
    labeller = SectionClassifier.with_model(model).initialize()
    right = total = 0
    for report in reports:
        gold = read_gold(gold_dir, Path(report.source.path).name)
        if not gold:
            continue
        report = labeller(segmenter(report))
        items = gold.get("sections", [])
        for item, index in zip(items, match_gold_sections(report.sections, items)):
            total += 1
            right += index is not None and report.sections[index].label == item["label"]
    return {"accuracy": round(right / total, 4) if total else None, "n": total}
