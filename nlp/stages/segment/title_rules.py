"""Heading keyword rules: which section label a heading title names (docs/SPEC.md §1).

Segmentation asks them whether a candidate heading names a report section (a numbered
line that skips numbers is a heading only then); ``label_sections`` takes its rule
labels from them.

The patterns live in ``configs/sections.yaml``. A title is cleaned (number,
parentheticals and adverbials removed), cut into coordinated parts; the first part that
names a topic decides. Inside a part, topics written next to each other are coordinated
(the first wins) and the topic that ends the part is its head noun (the last wins).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from ...config import load_config
from ...errors import ConfigError, Errors
from ...text.markers import numbering

_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[。;:!?,、\s]+$")
_CACHE_SIZE = 20000


@dataclass(frozen=True)
class Match:
    label: str
    start: int
    end: int
    weak: bool
    strong: bool
    head: bool


@dataclass(frozen=True)
class RuleResult:
    """What the rules say about one title."""

    label: str | None
    # Labels named by the deciding part of the title, in order (more than one: a head
    # noun was chosen over other topics, which the model may revisit).
    candidates: tuple[str, ...] = ()
    weak: bool = False  # only a `weak` pattern (概述, 基本情况, …) matched

    @property
    def conflict(self) -> bool:
        return len(set(self.candidates)) > 1


class HeadingRules:
    """Compiled keyword rules of ``configs/sections.yaml``."""

    def __init__(self, config: dict[str, Any] | None = None):
        config = config if config is not None else load_config("sections")
        path = "configs/sections.yaml"
        labels = config.get("labels")
        rules = config.get("rules")
        if not isinstance(labels, list) or not isinstance(rules, dict):
            raise ConfigError(
                Errors.E600.format(path=path, detail="no labels or rules")
            )
        self.labels: tuple[str, ...] = tuple(labels)
        try:
            self._strip = [re.compile(p) for p in rules.get("strip", [])]
            self._coordinator = re.compile(rules["coordinators"])
            compiled = []
            for label, patterns in rules["patterns"].items():
                if label not in self.labels:
                    raise ConfigError(Errors.E601.format(label=label, path=path))
                for spec in patterns:
                    compiled.append(
                        (
                            label,
                            re.compile(spec["pattern"]),
                            bool(spec.get("weak")),
                            bool(spec.get("strong")),
                            bool(spec.get("head")),
                        )
                    )
        except (re.error, KeyError, TypeError) as e:
            raise ConfigError(Errors.E600.format(path=path, detail=e)) from e
        self._patterns = compiled
        self.inherit_from_parent = frozenset(rules.get("inherit_from_parent", []))
        self._number_prefix = numbering().heading_prefix
        templates = rules.get("templates") or {}
        try:
            self._filler = re.compile(templates.get("fillers") or "(?!)")
            self.template_similarity = float(templates.get("similarity", 0.85))
            self.template_top_level_only = frozenset(
                templates.get("top_level_only") or ()
            )
            self._templates: list[tuple[str, str]] = []
            for label, headings in (templates.get("headings") or {}).items():
                if label not in self.labels:
                    raise ConfigError(Errors.E601.format(label=label, path=path))
                for heading in headings:
                    skeleton = self.skeleton(heading)
                    if skeleton:
                        self._templates.append((label, skeleton))
        except (re.error, TypeError, ValueError, AttributeError) as e:
            raise ConfigError(Errors.E600.format(path=path, detail=e)) from e
        # One matcher per template heading: it indexes the template once, and each
        # title is compared as its first sequence (what SequenceMatcher caches).
        self._template_matchers = [
            (label, template, SequenceMatcher(None, "", template))
            for label, template in self._templates
        ]
        self._template_cache: dict[str, str | None] = {}
        self._cache: dict[str, RuleResult] = {}

    def clean(self, title: str) -> str:
        """The title without its number, white space, parentheticals and adverbials."""
        title = unicodedata.normalize("NFKC", title)
        title = self._number_prefix.sub("", _SPACE.sub("", title), count=1)
        for pattern in self._strip:
            title = pattern.sub("", title)
        return _TRAILING.sub("", title)

    def matches(self, cleaned: str) -> list[Match]:
        found = []
        for label, pattern, weak, strong, head in self._patterns:
            for m in pattern.finditer(cleaned):
                if m.end() > m.start():
                    found.append(Match(label, m.start(), m.end(), weak, strong, head))
        return sorted(found, key=lambda m: (m.start, -m.end))

    def match(self, title: str) -> RuleResult:
        """The label a heading title names, or ``RuleResult(None)``."""
        result = self._cache.get(title)
        if result is None:
            if len(self._cache) > _CACHE_SIZE:
                self._cache.clear()
            result = self._cache[title] = self._match(title)
        return result

    def _match(self, title: str) -> RuleResult:
        cleaned = self.clean(title)
        if not cleaned:
            return RuleResult(None)
        found = self.matches(cleaned)
        topical = [m for m in found if not m.weak]
        if not topical:
            if found:
                return RuleResult(found[0].label, (found[0].label,), weak=True)
            return RuleResult(None)
        part = self._first_part(cleaned, topical)
        chains = _chains(cleaned, part)
        last = chains[-1][-1]
        if last.head:  # a head noun the config marks as such: no conflict
            return RuleResult(last.label, (last.label,))
        candidates = tuple(dict.fromkeys(chain[0].label for chain in chains))
        return RuleResult(chains[-1][0].label, candidates)

    def skeleton(self, title: str) -> str:
        """A title reduced to the words a template heading is recognised by: cleaned,
        and without the filler words that drift between reports (政府信息公开, 工作,
        的, a year)."""
        return self._filler.sub("", self.clean(title))

    def template_label(self, title: str) -> str | None:
        """The label of the standard template heading ``title`` is (docs/FORMATS.md
        §2.2, §4.4: 二、主动公开政府信息情况, 五、存在的主要问题及改进情况, …), its
        wording allowed to drift: the skeletons are equal, or alike by character
        similarity at least ``templates.similarity``. None for a free-form title."""
        if title in self._template_cache:
            return self._template_cache[title]
        if len(self._template_cache) > _CACHE_SIZE:
            self._template_cache.clear()
        skeleton = self.skeleton(title)
        found = None
        if skeleton:
            best = 0.0
            floor = self.template_similarity
            for label, template, matcher in self._template_matchers:
                if skeleton == template:
                    found, best = label, 1.0
                    break
                # The quick ratios bound the ratio from above: a template that
                # cannot beat the best so far, or reach the threshold, is skipped
                # (the first template of the highest ratio still wins).
                matcher.set_seq1(skeleton)
                bound = matcher.real_quick_ratio()
                if bound <= best or bound < floor:
                    continue
                bound = matcher.quick_ratio()
                if bound <= best or bound < floor:
                    continue
                ratio = matcher.ratio()
                if ratio > best:
                    found, best = label, ratio
            if best < self.template_similarity:
                found = None
        self._template_cache[title] = found
        return found

    def strong_label(self, title: str) -> str | None:
        """A label named by a ``strong`` pattern anywhere in the title."""
        cleaned = self.clean(title)
        for m in self.matches(cleaned):
            if m.strong:
                return m.label
        return None

    def _first_part(self, cleaned: str, topical: list[Match]) -> list[Match]:
        bounds = [0]
        for m in self._coordinator.finditer(cleaned):
            bounds.append(m.start())
        bounds.append(len(cleaned) + 1)
        for lo, hi in itertools.pairwise(bounds):
            part = [m for m in topical if lo <= m.start < hi]
            if part:
                return part
        return topical


def _chains(cleaned: str, part: list[Match]) -> list[list[Match]]:
    """Group matches written next to each other (coordinated) into chains."""
    chains: list[list[Match]] = []
    for m in part:
        if chains and m.start < chains[-1][-1].end:
            # Overlapping match of the same words: keep the longer, earlier one.
            continue
        if chains and not cleaned[chains[-1][-1].end : m.start].strip("、和及与"):
            chains[-1].append(m)
        else:
            chains.append([m])
    return chains
