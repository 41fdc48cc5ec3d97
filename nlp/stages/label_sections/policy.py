"""How heading rules, the parent's label and the model's probabilities decide a label.

docs/SPEC.md §1, in order:

1. Under a problems or plans heading a sub-section takes its parent's label (unless
   the parent's label came from the model and the sub-section's title names a topic:
   a wrong guess must not cascade).
2. A standard template heading decides by rule.
3. A free-form title naming a topic: the rule's calibrated reliability against the
   model's calibrated probability, on one scale; the surer one decides.
4. A top-level title naming only a weak topic (概述, 基本情况) keeps it; a sub-section
   with no text of its own takes its parent's label.
5. Otherwise the calibrated model decides. Its parent's label breaks a near-tie only;
   below the floor the model abstains: a sub-section takes its parent's label (its
   title names no topic), a top-level section is ``other``.

Rule reliabilities are priors from ``configs/sections.yaml`` replaced by the values
fitted on the gold (``calibration.rules`` of the model's meta.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...records import Section
from ..segment.title_rules import HeadingRules

RULE_KINDS = ("template", "keyword", "conflict", "inherit", "short", "weak_top")


@dataclass
class Decision:
    label: str
    confidence: float
    method: str  # rule | inherit | model | structure
    # What decided: a rule kind (RULE_KINDS), model, tie (parent broke a near-tie),
    # abstain (below the floor), structure.
    kind: str = ""


class LabelPolicy:
    """Decides section labels; see the module docstring."""

    def __init__(self, config: dict[str, Any], calibration: Mapping | None = None):
        self.rules = HeadingRules(config)
        settings = config["classifier"]
        self.short_body_chars = int(settings["short_body_chars"])
        self.floor = float(settings["floor"])
        self.tie_margin = float(settings["tie_margin"])
        self.rule_prior = {
            kind: float(settings["rule_confidence"][kind]) for kind in RULE_KINDS
        }
        self.reliability = dict(self.rule_prior)
        fitted = (calibration or {}).get("rules") or {}
        self.reliability.update(
            (k, float(v)) for k, v in fitted.items() if k in self.reliability
        )

    def decide(
        self,
        section: Section,
        parent: Decision | None,
        own_chars: int,
        scores: dict[str, float] | None,
    ) -> Decision | None:
        """The label of ``section`` given its parent's decision; None where only the
        model could tell and ``scores`` (calibrated probabilities) is None."""
        title = section.title
        rule = self.rules.match(title)
        rel = self.reliability
        names_topic = bool(rule.label) and not rule.weak
        if (
            parent is not None
            and parent.label in self.rules.inherit_from_parent
            and (parent.method != "model" or not names_topic)
        ):
            return Decision(parent.label, rel["inherit"], "inherit", "inherit")
        template = self.rules.template_label(title)
        if template is not None and (
            parent is None or template not in self.rules.template_top_level_only
        ):
            return Decision(template, rel["template"], "rule", "template")
        if names_topic:
            kind = "conflict" if rule.conflict else "keyword"
            label = str(rule.label)
            if scores:
                best = max(scores, key=scores.get)
                if best == label:
                    return Decision(label, max(rel[kind], scores[best]), "rule", kind)
                if own_chars >= self.short_body_chars and scores[best] > rel[kind]:
                    return Decision(best, scores[best], "model", "model")
            return Decision(label, rel[kind], "rule", kind)
        if parent is None and rule.label:
            return Decision(str(rule.label), rel["weak_top"], "rule", "weak_top")
        if parent is not None and own_chars < self.short_body_chars:
            return Decision(parent.label, rel["short"], "inherit", "short")
        if not scores:
            return None
        return self._model(scores, parent)

    def _model(self, scores: dict[str, float], parent: Decision | None) -> Decision:
        ranked = sorted(scores, key=lambda c: (-scores[c], c))
        best = ranked[0]
        second = ranked[1] if len(ranked) > 1 else best
        if (
            parent is not None
            and parent.label in (best, second)
            and scores[best] - scores[second] <= self.tie_margin
        ):
            return Decision(parent.label, scores[parent.label], "model", "tie")
        if scores[best] < self.floor:
            if parent is not None and parent.label != "other":
                return Decision(parent.label, 1.0 - scores[best], "inherit", "abstain")
            return Decision("other", 1.0 - scores[best], "model", "abstain")
        return Decision(best, scores[best], "model", "model")
