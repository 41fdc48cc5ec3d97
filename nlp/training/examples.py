"""Training examples for the two text classifiers, built from reports and their gold.

``build_section_examples`` turns reports into labelled section texts: gold labels where
a gold heading matches a segmented section (the docs/GOLD.md rule), and weak labels from the
heading rules elsewhere. ``build_weakness_examples`` takes every gold weakness plus the
problem statements whose cue rule is confident (weak labels). ``prepare_reports`` reads
and cleans a corpus and fills ``meta`` (the part of the pipeline the builders need).
"""

from __future__ import annotations

import functools
import json
import logging
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import load_config
from ..errors import IngestError
from ..io.readers import is_supported, load_report
from ..pipeline.corpus import iter_corpus
from ..pipeline.registry import create
from ..records import Report, Section
from ..stages.label_sections import (
    STRUCTURAL_LABELS,
    Decision,
    LabelPolicy,
    own_text_length,
    section_text,
)
from ..stages.segment import SectionSegmenter
from ..stages.weaknesses import WeaknessExtractor, statement_text
from ..text.matching import norm as normalise_title
from ..text.matching import overlap_ok

logger = logging.getLogger(__name__)


def prepare_reports(corpus: str | Path) -> list[Report]:
    """Every readable report of ``corpus``, cleaned, with its ``meta`` filled."""
    normalize, meta = create("normalize.v1"), create("meta.v1")
    reports = []
    for path in iter_corpus(Path(corpus)):
        if not is_supported(path):
            continue
        try:
            reports.append(meta(normalize(load_report(path, Path(corpus)))))
        except IngestError as e:
            logger.warning("skipping %s: %s", path, e)
    return reports


def match_gold_sections(
    sections: Sequence[Section], gold: Sequence[dict[str, Any]]
) -> list[int | None]:
    """For each gold section, the index of the output section it matches, or None.

    docs/GOLD.md: an output section whose title contains the gold title or is contained in
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
    """Labelled section texts: ``{text, label, source, doc, agency, title, rule_kind,
    rule_label}``.

    ``reports`` carry normalised ``text``; they are segmented here when they have no
    sections yet. Gold labels win; elsewhere the heading rules label what they can
    (sections only the model could label are left out). ``rule_label``/``rule_kind``
    say what the rules alone decide (and by which kind of rule; None where only the
    model could tell), for calibrating the rules against the gold.
    """
    settings = load_config(config)
    policy = LabelPolicy(settings)
    body_chars = int(settings["classifier"]["body_chars"])
    segmenter: SectionSegmenter | None = None
    examples: list[dict[str, Any]] = []
    for report in reports:
        sections = report.sections
        if not sections:
            segmenter = segmenter or SectionSegmenter(config).initialize()
            sections = segmenter.segment(report.text)
        doc = Path(report.source.path).name
        gold = read_gold(gold_dir, doc) if gold_dir else None
        gold_labels: dict[int, str] = {}
        agency = report.meta.agency
        if gold:
            agency = agency or gold.get("meta", {}).get("agency")
            items = gold.get("sections", [])
            folded = [dict(item, title=_fold(item["title"])) for item in items]
            for item, index in zip(items, match_gold_sections(sections, folded)):
                if index is not None:
                    gold_labels[index] = item["label"]
        decided: dict[str, Decision] = {}
        for i, section in enumerate(sections):
            parent = decided.get(section.parent) if section.parent else None
            own = own_text_length(report.text, sections, i)
            structural = section.label in STRUCTURAL_LABELS
            rule = None if structural else policy.decide(section, parent, own, None)
            if i in gold_labels:
                label, source = gold_labels[i], "gold"
                decided[section.id] = Decision(label, 1.0, "rule", "gold")
            elif structural:
                label, source = section.label, "structure"
                decided[section.id] = Decision(label, 1.0, "structure", "structure")
            elif rule is not None:
                label, source = rule.label, "rule"
                decided[section.id] = rule
            else:
                continue
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
                    "rule_label": rule.label if rule else None,
                    "rule_kind": rule.kind if rule else None,
                }
            )
    return examples


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _fold(text: str) -> str:
    """Gold text in the form of the normalised text: NFKC, traditional script folded
    to simplified (gold is written as printed: full-width punctuation; nanshan and
    yaohai in traditional script)."""
    return _t2s().convert(unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Example:
    """One training example: a problem statement and its category."""

    text: str
    label: str
    source: str  # gold | weak
    doc_id: str


def build_weakness_examples(
    reports: Iterable[Report],
    golds: Mapping[str, Mapping[str, Any]] | None = None,
    extractor: WeaknessExtractor | None = None,
    min_confidence: float | None = None,
) -> list[Example]:
    """Training examples: every gold weakness (``golds`` maps a report's file name to
    its gold dict), plus the problem statements ``extractor`` finds in ``reports`` whose
    cue rule is at least ``min_confidence`` sure (weak labels). A statement overlapping
    a gold weakness of its report is left to the gold (the docs/GOLD.md matching rule);
    repeated texts are kept once. Texts are in the form the classifier reads
    (``statement_text``)."""
    extractor = extractor or WeaknessExtractor(model=None).initialize()
    if min_confidence is None:
        min_confidence = float(
            extractor.settings_.get("weak_label_min_confidence", 0.9)
        )
    golds = golds or {}
    examples: list[Example] = []
    seen: set[str] = set()

    def add(text: str, label: str, source: str, doc_id: str) -> None:
        key = statement_text(text)
        if key and key not in seen:
            seen.add(key)
            examples.append(Example(key, label, source, doc_id))

    reports = list(reports)
    for report in reports:
        gold = golds.get(Path(report.doc_id).name) or golds.get(report.doc_id) or {}
        for weakness in gold.get("weaknesses", []):
            add(_fold(weakness["text"]), weakness["category"], "gold", report.doc_id)
    for report in reports:
        gold = golds.get(Path(report.doc_id).name) or golds.get(report.doc_id) or {}
        gold_texts = [_fold(w["text"]) for w in gold.get("weaknesses", [])]
        for text in extractor.statement_texts(report):
            if any(overlap_ok(text, g) for g in gold_texts):
                continue
            cue = extractor.cues(text)
            if cue.label is not None and cue.confidence >= min_confidence:
                add(text, cue.label, "weak", report.doc_id)
    return examples
