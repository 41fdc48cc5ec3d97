"""How heading rules, the parent's label and the model's scores decide a label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...records import Section
from ..segment.title_rules import HeadingRules


@dataclass
class Decision:
    label: str
    confidence: float
    method: str  # rule | inherit | model | structure


class LabelPolicy:
    """How heading rules, the parent's label and the model's scores decide a label."""

    def __init__(self, config: dict[str, Any]):
        self.rules = HeadingRules(config)
        settings = config["classifier"]
        self.short_body_chars = int(settings["short_body_chars"])
        self.parent_prior = float(settings["parent_prior"])
        self.conflict_margin = float(settings["conflict_margin"])
        self.confidence = {k: float(v) for k, v in settings["confidence"].items()}

    def decide(
        self,
        section: Section,
        parent_label: str | None,
        own_chars: int,
        scores: dict[str, float] | None,
    ) -> Decision | None:
        """The label of ``section``; None where only the model could tell and
        ``scores`` is None (rules alone are silent)."""
        rule = self.rules.match(section.title)
        conf = self.confidence
        if parent_label in self.rules.inherit_from_parent:
            strong = self.rules.strong_label(section.title)
            if strong and strong != parent_label and strong != "stat_table":
                return Decision(strong, conf["strong_child"], "rule")
            return Decision(parent_label, conf["inherit"], "inherit")
        if rule.label and not rule.weak:
            if (
                rule.conflict
                and scores is not None
                and own_chars >= self.short_body_chars
            ):
                # Only a section with text of its own gives the model more to go on.
                best = max(rule.candidates, key=lambda c: scores.get(c, 0.0))
                if (
                    scores.get(best, 0.0) - scores.get(rule.label, 0.0)
                    > self.conflict_margin
                ):
                    return Decision(best, scores[best], "model")
            return Decision(
                rule.label, conf["conflict"] if rule.conflict else conf["rule"], "rule"
            )
        if parent_label is None and rule.label:
            return Decision(rule.label, conf["rule"], "rule")  # 一、概述 and the like
        if parent_label is not None and own_chars < self.short_body_chars:
            return Decision(parent_label, conf["inherit"], "inherit")
        if scores is None:
            return None
        if parent_label is not None:
            scores = dict(scores)
            scores[parent_label] = scores.get(parent_label, 0.0) + self.parent_prior
        best = max(scores, key=scores.get)
        return Decision(best, min(scores[best], 1.0), "model")
