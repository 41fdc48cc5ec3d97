"""Training data for the section classifier, and the stage's accuracy on the gold.

``build_section_examples`` turns reports into labelled texts: gold section labels
(``corpora/gold``) where a gold heading matches a segmented section (GOLD.md rule), and
weak labels from the heading rules elsewhere; ``python -m nlp.train sections`` trains
and ships the model from them. ``gold_section_accuracy`` scores segmenter, rules and a
model together by the GOLD.md rule. How well that generalises to reports the model has
not seen (here: the Pingtan reports held out)::

    python -m nlp.sections.training corpora/sample corpora/gold corpora/heldout \\
        --holdout pingtan
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import load_config
from ..records import Report, Section
from .classifier import (
    STRUCTURAL_LABELS,
    LabelPolicy,
    SectionTextClassifier,
    own_text_length,
    section_text,
)

SEED = 0


def normalise_title(title: str) -> str:
    """GOLD.md: NFKC, all white space removed."""
    return "".join(unicodedata.normalize("NFKC", title).split())


def match_gold_sections(
    sections: Sequence[Section], gold: Sequence[dict[str, Any]]
) -> list[int | None]:
    """For each gold section, the index of the output section it matches, or None.

    GOLD.md: an output section whose title contains the gold title or is contained in
    it. Matches are taken in document order; each output section matches once.
    """
    titles = [normalise_title(s.title) for s in sections]
    used: set[int] = set()
    result: list[int | None] = []
    last = -1
    for item in gold:
        want = normalise_title(item["title"])
        order = [*range(last + 1, len(sections)), *range(last + 1)]
        found = None
        for i in order:
            have = titles[i]
            if i in used or not have or not want:
                continue
            if want in have or have in want:
                found = i
                break
        result.append(found)
        if found is not None:
            used.add(found)
            last = found
    return result


def read_gold(
    gold_dir: str | Path | Sequence[str | Path], doc_name: str
) -> dict[str, Any] | None:
    """The gold of ``doc_name`` from the first of the gold directories holding it."""
    dirs = [gold_dir] if isinstance(gold_dir, (str, Path)) else gold_dir
    for directory in dirs:
        path = Path(directory) / f"{doc_name}.gold.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def build_section_examples(
    reports: Iterable[Report],
    gold_dir: str | Path | Sequence[str | Path] | None,
    config: str = "sections",
) -> list[dict[str, Any]]:
    """Labelled section texts: ``{text, label, source, doc, agency, title}``.

    ``reports`` carry normalised ``text``; they are segmented here when they have no
    sections yet. Gold labels win; elsewhere the heading rules label what they can
    (sections only the model could label are left out).
    """
    from ..segment.headings import SectionSegmenter

    settings = load_config(config)
    policy = LabelPolicy(settings)
    body_chars = int(settings["classifier"]["body_chars"])
    segmenter: SectionSegmenter | None = None
    examples: list[dict[str, Any]] = []
    for report in reports:
        sections = report.sections
        if not sections:
            segmenter = segmenter or SectionSegmenter(config)
            sections = segmenter.segment(report.text)
        doc = Path(report.source.path).name
        gold = read_gold(gold_dir, doc) if gold_dir else None
        gold_labels: dict[int, str] = {}
        agency = report.meta.agency
        if gold:
            agency = agency or gold.get("meta", {}).get("agency")
            matches = match_gold_sections(sections, gold.get("sections", []))
            for item, index in zip(gold.get("sections", []), matches):
                if index is not None:
                    gold_labels[index] = item["label"]
        labels: dict[str, str] = {}
        for i, section in enumerate(sections):
            if i in gold_labels:
                label, source = gold_labels[i], "gold"
            elif section.label in STRUCTURAL_LABELS:
                label, source = section.label, "structure"
            else:
                parent = labels.get(section.parent) if section.parent else None
                own = own_text_length(report.text, sections, i)
                decision = policy.decide(section, parent, own, None)
                if decision is None:
                    continue
                label, source = decision.label, "rule"
            labels[section.id] = label
            if label in STRUCTURAL_LABELS:
                continue  # given by structure; the model never decides them
            examples.append(
                {
                    "text": section_text(report.text, sections, i, body_chars),
                    "label": label,
                    "source": source,
                    "doc": doc,
                    "agency": agency,
                    "title": section.title,
                }
            )
    return examples


def gold_section_accuracy(
    reports: Iterable[Report], gold_dir: str | Path | Sequence[str | Path], model
) -> dict[str, Any]:
    """Section label accuracy by the GOLD.md rule, segmenting and labelling with
    ``model``; a gold section no output section matches counts wrong."""
    from ..segment.headings import SectionSegmenter
    from .classifier import SectionClassifier

    segmenter = SectionSegmenter()
    labeller = SectionClassifier.with_model(model)
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


def load_reports(corpus: str | Path) -> list[Report]:
    from ..ingest import is_supported, load_report

    paths = sorted(p for p in Path(corpus).iterdir() if p.is_file() and is_supported(p))
    return [load_report(p) for p in paths]


def _excluded(report: Report, prefixes: Sequence[str]) -> bool:
    return any(Path(report.source.path).name.startswith(p) for p in prefixes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="directory of reports (e.g. corpora/sample)")
    parser.add_argument(
        "gold",
        nargs="+",
        help="directories of *.gold.json (corpora/gold corpora/heldout)",
    )
    parser.add_argument(
        "--holdout",
        action="append",
        default=[],
        help="hold out reports named so (prefix)",
    )
    args = parser.parse_args(argv)
    reports = load_reports(args.corpus)
    held_out = [r for r in reports if _excluded(r, args.holdout)]
    kept = [r for r in reports if not _excluded(r, args.holdout)]
    examples = build_section_examples(kept, args.gold)
    model = SectionTextClassifier(random_state=SEED).fit(
        [e["text"] for e in examples], [e["label"] for e in examples]
    )
    result = {
        "holdout": args.holdout,
        "train_examples": len(examples),
        "train_reports": len(kept),
        "trained_on_gold_docs": gold_section_accuracy(kept, args.gold, model),
    }
    if held_out:
        result["held_out_gold_docs"] = gold_section_accuracy(held_out, args.gold, model)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
