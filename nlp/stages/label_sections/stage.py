"""Stage ``label_sections.v1``: heading rules first, a trained classifier where they are
silent.

``SectionClassifier`` combines the rules of ``configs/sections.yaml`` (``LabelPolicy``)
with the model shipped in ``models/sections/`` (a ``nlp.models`` text classifier, any
backend), which reads a section's title and the start of its own text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ...config import resource_path
from ...models.loading import load_model
from ...pipeline.registry import Stage, stage
from ...records import Report, Section
from .policy import Decision, LabelPolicy

TASK = "sections"
# Labels given by structure, not by the text classifier.
STRUCTURAL_LABELS = ("preamble", "stat_table")
_SPACE = re.compile(r"\s+")


def own_span(sections: Sequence[Section], index: int) -> tuple[int, int]:
    """The section's own text: after its title, before its first sub-section."""
    section = sections[index]
    end = section.end
    for later in sections[index + 1 :]:
        if later.parent == section.id:
            end = later.start
            break
    start = section.title_end if section.title_end is not None else section.start
    return start, end


def section_text(
    text: str, sections: Sequence[Section], index: int, body_chars: int
) -> str:
    """What the model reads: the title and the start of the section's own text."""
    start, end = own_span(sections, index)
    return f"{sections[index].title}\n{_SPACE.sub('', text[start:end])[:body_chars]}"


def own_text_length(text: str, sections: Sequence[Section], index: int) -> int:
    start, end = own_span(sections, index)
    return len(_SPACE.sub("", text[start:end]))


@stage(
    "label_sections.v1",
    requires=("text", "sections"),
    assigns=(
        "sections.label",
        "sections.confidence",
        "sections.method",
        "sections.model_label",
    ),
    config="sections",
    scorer="sections",
)
class SectionClassifier(Stage):
    """Give every section a label (docs/SPEC.md §1).

    Needs ``sections`` and ``text``. Fills, on each section, ``label``, ``confidence``
    and ``method`` (rule | inherit | model | structure), and ``model_label`` where the
    model reads the text as another label than a confident rule gave.
    """

    def __init__(self, config: Any = None, model: str | None = None, classifier=None):
        super().__init__(config, model)
        self.classifier = classifier  # an in-memory fitted model (training, evaluation)

    @classmethod
    def with_model(cls, classifier, config: Any = None) -> SectionClassifier:
        """The stage around an in-memory fitted classifier (training, evaluation)."""
        return cls(config, classifier=classifier)

    def setup(self, cfg: dict[str, Any]) -> None:
        self.settings_ = cfg
        self.body_chars = int(cfg["classifier"]["body_chars"])
        self.model_path = None
        if self.classifier is None:
            path = resource_path(
                self.model_name or cfg["classifier"]["model"], "models"
            )
            self.classifier = load_model(path, TASK)
            self.model_path = str(path)
        self.use_classifier(self.classifier)

    def use_classifier(self, classifier) -> None:
        """Label with ``classifier`` (a fitted model of any backend) and the rule
        reliabilities fitted with it (its ``meta_["calibration"]``)."""
        self.classifier = classifier
        calibration = (getattr(classifier, "meta_", None) or {}).get("calibration")
        self.policy = LabelPolicy(self.settings_, calibration)

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        sections = report.sections
        if not sections:
            return report
        own = [own_text_length(report.text, sections, i) for i in range(len(sections))]
        scored = self._needs_scores(sections, own)
        classes = [str(c) for c in self.classifier.classes_]
        scores = dict(zip(scored, self._scores(report.text, sections, scored, classes)))
        decisions: dict[str, Decision] = {}
        for i, section in enumerate(sections):
            if section.method == "structure" and section.label in STRUCTURAL_LABELS:
                decision = Decision(section.label, 1.0, "structure", "structure")
            else:
                parent = decisions.get(section.parent) if section.parent else None
                decision = self.policy.decide(section, parent, own[i], scores.get(i))
                if decision is None:  # the model was not consulted where it must be
                    scores[i] = self._scores(report.text, sections, [i], classes)[0]
                    decision = self.policy.decide(section, parent, own[i], scores[i])
            model_best = max(scores[i], key=scores[i].get) if i in scores else None
            section.label = decision.label
            section.confidence = round(min(max(decision.confidence, 1e-4), 1.0), 4)
            section.method = decision.method
            section.model_label = (
                model_best
                if decision.method == "rule"
                and model_best not in (None, decision.label)
                else None
            )
            decisions[section.id] = decision
        return report

    def _needs_scores(
        self, sections: Sequence[Section], own: Sequence[int]
    ) -> list[int]:
        """Sections the model reads: all but the structural ones, the template
        headings and those whose label the rules take from their parent (by a
        rules-only pass)."""
        decisions: dict[str, Decision | None] = {}
        needed = []
        for i, section in enumerate(sections):
            if section.method == "structure" and section.label in STRUCTURAL_LABELS:
                decisions[section.id] = Decision(section.label, 1.0, "structure")
                continue
            parent = decisions.get(section.parent) if section.parent else None
            decision = self.policy.decide(section, parent, own[i], None)
            decisions[section.id] = decision
            if decision is None or decision.kind not in ("inherit", "template"):
                needed.append(i)
        return needed

    def _scores(
        self,
        text: str,
        sections: Sequence[Section],
        indices: list[int],
        classes: list[str],
    ) -> list[dict[str, float]]:
        if not indices:
            return []
        texts = [section_text(text, sections, i, self.body_chars) for i in indices]
        return [
            dict(zip(classes, row.tolist()))
            for row in self.classifier.predict_proba(texts)
        ]
