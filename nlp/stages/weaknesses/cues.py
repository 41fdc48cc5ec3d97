"""Weakness categories (docs/SPEC.md §2): cue-word rules, and how they and a model decide.

``CueCategorizer`` reads the cue words of ``configs/weaknesses.yaml``; the head of a
problem statement comes first, so earlier cues weigh more. ``decide`` combines the cue
result with the shipped classifier's vote (a ``nlp.models`` text classifier trained by
``python -m nlp.train weaknesses``), which decides where the cues are silent or split.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigError, Errors
from ...text.markers import numbering

_SPACE = re.compile(r"\s+")
# Enumeration markers gold texts sometimes keep (1. 一是 (一)); not part of the problem.
_LEADING_MARKER = numbering().leading_marker


def statement_text(text: str) -> str:
    """The form categorisers read: white space removed, leading marker dropped."""
    return _LEADING_MARKER.sub("", _SPACE.sub("", text))


@dataclass(frozen=True)
class CueResult:
    """What the cue words say about one statement."""

    label: str | None
    confidence: float
    scores: dict[str, float]
    # How the cues agree: single (one category), major (the winner has at least
    # `major_share` of the weight), split; "" when no cue matched.
    kind: str = ""


class CueCategorizer:
    """Leftmost-longest cue matching; the k-th cue found weighs 1/(k+1)."""

    def __init__(self, config: Mapping[str, Any]):
        categories = config.get("categories")
        cues = config.get("cues")
        if not isinstance(categories, list) or not isinstance(cues, dict):
            raise ConfigError(
                Errors.E700.format(detail="'categories' list and 'cues' map needed")
            )
        self.categories = list(categories)
        self.lookup: dict[str, str] = {}
        for label, words in cues.items():
            if label not in self.categories:
                raise ConfigError(Errors.E702.format(label=label))
            for word in words or []:
                if word in self.lookup and self.lookup[word] != label:
                    raise ConfigError(
                        Errors.E700.format(
                            detail=f"cue {word!r} is listed under two categories"
                        )
                    )
                self.lookup[word] = label
        if not self.lookup:
            raise ConfigError(Errors.E700.format(detail="no cue words"))
        ordered = sorted(self.lookup, key=len, reverse=True)
        self.regex = re.compile("|".join(map(re.escape, ordered)))
        confidence = config.get("rule_confidence") or {}
        self.rule_prior = {
            kind: float(confidence.get(kind, default))
            for kind, default in (("single", 0.9), ("major", 0.7), ("split", 0.5))
        }
        self.major_share = float(config.get("major_share", 0.6))

    def __call__(self, text: str) -> CueResult:
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        for k, m in enumerate(self.regex.finditer(statement_text(text))):
            label = self.lookup[m.group()]
            scores[label] = scores.get(label, 0.0) + 1.0 / (k + 1)
            first.setdefault(label, k)
        if not scores:
            return CueResult(None, 0.0, {})
        label = max(scores, key=lambda c: (scores[c], -first[c]))
        share = scores[label] / sum(scores.values())
        if len(scores) == 1:
            kind = "single"
        else:
            kind = "major" if share >= self.major_share else "split"
        return CueResult(label, round(share, 4), scores, kind)


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float
    method: str


def decide(
    cue: CueResult,
    model: tuple[str, float] | None,
    reliability: Mapping[str, float],
    floor: float,
) -> Decision:
    """One category from the cue rule and the model, compared on one probability
    scale: the rule's calibrated reliability for its kind of cue match
    (``reliability[cue.kind]``) against the model's calibrated probability. They agree,
    or the surer one decides; below ``floor`` the statement is ``other``."""
    rule_p = float(reliability.get(cue.kind, 0.0)) if cue.label else 0.0
    if model is not None:
        label, model_p = model[0], float(model[1])
        if cue.label == label:
            return Decision(label, round(max(rule_p, model_p), 4), "rule")
        if model_p > rule_p and model_p >= floor:
            return Decision(label, round(model_p, 4), "model")
    if cue.label is not None and rule_p >= floor:
        return Decision(cue.label, round(rule_p, 4), "rule")
    best = max(rule_p, model[1] if model else 0.0)
    return Decision("other", round(1.0 - best, 4), "abstain")
