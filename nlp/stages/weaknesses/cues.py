"""Weakness categories (docs/SPEC.md §2): cue-word rules, and how they and a model decide.

``CueCategorizer`` reads the cue words of ``configs/weaknesses.yaml`` and keys the
category on the defect a statement admits, in this order (SPEC §2 decision rules):

1. a named domain in the subject of the first defect (依申请, 解读, 公众参与) decides;
2. a defect that names its category (不及时 → timeliness, 尚未公布 → content,
   不规范 → mechanism);
3. the head of the subject (the topic right before the defect: 业务人员主动公开意识不强
   → 意识 → awareness), the first of coordinated topics (深度和能力 → 深度), and a light
   head (机制, 建设) yields to the topic compounded with it (反馈机制 → 反馈);
4. else every cue, the earlier weighing more.

Cues match with optional particles (公开的范围 for 公开范围). ``decide`` puts the cue
decision (its calibrated reliability by the kind of rule that decided) and the model's
calibrated probability on one scale.
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
_CLAUSE = re.compile(r"[^,;:。!?，；：！？]+")
_COORDINATION = re.compile(r"^[和与及、]$|^以及$")
_BREAK = re.compile(r"[的之和与及、]")
KINDS = ("domain", "defect", "head", "single", "major", "split")


def statement_text(text: str) -> str:
    """The form categorisers read: white space removed, leading marker dropped."""
    return _LEADING_MARKER.sub("", _SPACE.sub("", text))


@dataclass(frozen=True)
class CueResult:
    """What the cue words say about one statement."""

    label: str | None
    confidence: float
    scores: dict[str, float]
    # Which rule decided (KINDS): domain, defect, head; or, by the cue weights,
    # single (one category), major (the winner has at least `major_share` of the
    # weight), split; "" when no cue matched.
    kind: str = ""


@dataclass(frozen=True)
class _Cue:
    label: str
    start: int
    end: int
    defect: bool


def _particled(word: str, particles: str) -> str:
    """A cue word as a pattern letting a particle (的, 之) stand between its parts;
    ``…`` stands for a few words inside the clause (尚未…公布: 尚未在网上公布)."""
    if "…" in word:
        return "[^,;:。]{0,8}?".join(
            _particled(part, particles) for part in word.split("…")
        )
    if len(word) < 3 or not particles:
        return re.escape(word)
    optional = f"[{re.escape(particles)}]?"
    return optional.join(re.escape(ch) for ch in word)


class CueCategorizer:
    """Defect-keyed cue rules; see the module docstring."""

    def __init__(self, config: Mapping[str, Any]):
        categories = config.get("categories")
        cues = config.get("cues")
        if not isinstance(categories, list) or not isinstance(cues, dict):
            raise ConfigError(
                Errors.E700.format(detail="'categories' list and 'cues' map needed")
            )
        self.categories = list(categories)
        self.lookup: dict[str, str] = {}
        self.defects: dict[str, str] = {}
        for table, target in (
            (cues, self.lookup),
            (config.get("defect_cues") or {}, self.defects),
        ):
            for label, words in table.items():
                if label not in self.categories:
                    raise ConfigError(Errors.E702.format(label=label))
                for word in words or []:
                    if word in self.lookup or word in self.defects:
                        raise ConfigError(
                            Errors.E700.format(detail=f"cue {word!r} is listed twice")
                        )
                    target[word] = label
        if not self.lookup:
            raise ConfigError(Errors.E700.format(detail="no cue words"))
        particles = str(config.get("cue_particles", "的之"))
        words = sorted({**self.lookup, **self.defects}, key=len, reverse=True)
        try:
            # Each alternative starts with its word's first character and names
            # itself by an empty group at its end: the compiled pattern then skips
            # every position no cue word starts at (a group in front would hide the
            # first characters from the regex engine and try every word everywhere).
            self.regex = re.compile(
                "|".join(
                    f"{_particled(w, particles)}(?P<c{i}>)" for i, w in enumerate(words)
                )
            )
        except re.error as e:  # pragma: no cover - the words are escaped
            raise ConfigError(Errors.E700.format(detail=e)) from e
        self._words = words
        problem = config.get("problem_cues") or []
        self.problem = re.compile(
            "|".join(sorted(map(re.escape, problem), key=len, reverse=True)) or "(?!)"
        )
        self.domains = frozenset(config.get("domain_categories") or ())
        self.light_heads = frozenset(config.get("light_heads") or ())
        self.consequence = re.compile(config.get("consequence_start") or "(?!)")
        confidence = config.get("rule_confidence") or {}
        defaults = {
            "domain": 0.9,
            "defect": 0.9,
            "head": 0.85,
            "single": 0.9,
            "major": 0.7,
            "split": 0.5,
        }
        self.rule_prior = {k: float(confidence.get(k, defaults[k])) for k in KINDS}
        self.major_share = float(config.get("major_share", 0.6))

    # -- matching -------------------------------------------------------------------
    def matches(self, text: str) -> list[_Cue]:
        """Leftmost-longest cue matches of a statement text (``statement_text``)."""
        found = []
        for m in self.regex.finditer(text):
            word = self._words[int(m.lastgroup[1:])]
            defect = word in self.defects
            label = self.defects[word] if defect else self.lookup[word]
            found.append(_Cue(label, m.start(), m.end(), defect))
        return found

    def names_topic(self, text: str) -> bool:
        """True when ``text`` names a category's topic (a cue of any category)."""
        return bool(self.regex.search(statement_text(text)))

    def __call__(self, text: str) -> CueResult:
        text = statement_text(text)
        cues = self.matches(text)
        if not cues:
            return CueResult(None, 0.0, {})
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        for k, cue in enumerate(cues):
            scores[cue.label] = scores.get(cue.label, 0.0) + 1.0 / (k + 1)
            first.setdefault(cue.label, k)
        keyed = self._keyed(text, cues)
        if keyed is not None:
            label, kind = keyed
            return CueResult(
                label, round(scores[label] / sum(scores.values()), 4), scores, kind
            )
        label = max(scores, key=lambda c: (scores[c], -first[c]))
        share = scores[label] / sum(scores.values())
        if len(scores) == 1:
            kind = "single"
        else:
            kind = "major" if share >= self.major_share else "split"
        return CueResult(label, round(share, 4), scores, kind)

    def _keyed(self, text: str, cues: list[_Cue]) -> tuple[str, str] | None:
        """The category keyed on the first defect the statement admits, or None."""
        problem = None
        for clause in _CLAUSE.finditer(text):
            if self.consequence.match(text, clause.start()):
                continue  # 导致…: the cause named before is the problem
            hit = self.problem.search(text, clause.start(), clause.end())
            defect = next(
                (
                    c
                    for c in cues
                    if c.defect and clause.start() <= c.start < clause.end()
                ),
                None,
            )
            if hit or defect:
                problem = (clause, hit, defect)
                break
        if problem is None:
            return None
        clause, hit, defect = problem
        at = min(
            x
            for x in (hit.start() if hit else None, defect.start if defect else None)
            if x is not None
        )
        subject = [
            c
            for c in cues
            if clause.start() <= c.start and c.end <= at and not c.defect
        ]
        domain = next((c for c in subject if c.label in self.domains), None)
        if domain is not None:
            return domain.label, "domain"
        if defect is not None:
            return defect.label, "defect"
        if not subject:
            return None
        return self._head(text, subject).label, "head"

    def _head(self, text: str, subject: list[_Cue]) -> _Cue:
        """The head of the subject: its last topic; the first of a coordinated run
        (深度和能力); a light head yields to the topic compounded with it."""
        i = len(subject) - 1
        while i > 0 and _COORDINATION.match(
            text[subject[i - 1].end : subject[i].start]
        ):
            i -= 1
        if i < len(subject) - 1:
            return subject[i]
        head = subject[i]
        word = text[head.start : head.end]
        if word in self.light_heads and i > 0:
            before = subject[i - 1]
            between = text[before.end : head.start]
            # 反馈机制, 网站群体系: the topic in the same compound decides; not across
            # a particle or a list (更新的维护机制 stays a mechanism).
            if not _BREAK.search(between) and len(between) <= 3:
                return before
        return head


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
    scale: the rule's calibrated reliability for the kind of rule that decided
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
