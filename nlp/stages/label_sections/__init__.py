"""Section labels (docs/SPEC.md §1): the ``label_sections.v1`` stage and its label policy.

The heading keyword rules live with segmentation (``nlp.stages.segment.title_rules``),
which needs them too; the classifier is a ``nlp.models`` text classifier.
"""

from .policy import Decision, LabelPolicy
from .stage import (
    STRUCTURAL_LABELS,
    SectionClassifier,
    own_span,
    own_text_length,
    section_text,
)

__all__ = [
    "STRUCTURAL_LABELS",
    "Decision",
    "LabelPolicy",
    "SectionClassifier",
    "own_span",
    "own_text_length",
    "section_text",
]
