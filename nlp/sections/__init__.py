"""Section labels (SPEC.md §1): heading keyword rules and a trained classifier.

Importing the package registers the ``label_sections`` stage.
"""

from .classifier import SectionClassifier, SectionTextClassifier, SpacySectionClassifier
from .rules import HeadingRules

__all__ = [
    "HeadingRules",
    "SectionClassifier",
    "SectionTextClassifier",
    "SpacySectionClassifier",
]
