"""Figures stated in prose: find them, read them, say what they count.

``MetricExtractor`` scans the report text outside table regions for a numeral with its
unit (1628条, 十余次, 约260万余条), reads it with ``numbers``, finds the phrase it
belongs to (the subject before it, or after it as in 配备1名专职工作人员) and maps
it to the indicator id of the table cell it reports with ``mapping``. Every pattern is
in ``configs/metrics.yaml``.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ...config import load_config
from ...errors import ConfigError, Errors
from ...pipeline.registry import Stage, stage
from ...records import Metric, Report, Section
from ...text.numerals import NUMERAL, NUMERAL_START, parse_numeral
from ..meta.agency_finder import abbreviates
from ..meta.era import era_rules
from .mapping import IndicatorMapper, MappingInput
from .numbers import Quantity, quantity_from_parts

_ASCII_DIGIT = re.compile(r"\d")
_NUMERAL_START = re.compile(NUMERAL_START)
_SENTENCE_END = re.compile(r"[。;!?\n]")
# The sentence whose frame a figure's rules may read ends at 。 (a ; inside it goes on:
# 收到申请20件,均已登记;已全部办结19件).
_FRAME_END = re.compile(r"[。!?\n]")
_PART_MARK = "其中"
# What may open the noun phrase after a figure (not the 、 of a list): 8大类348项….
_OBJECT_START = re.compile(r"[\u3400-\u9fff“《‘(\d]")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _words(cfg: dict[str, Any], key: str) -> list[str]:
    value = cfg.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            Errors.E500.format(detail=f"{key!r} must be a list of strings")
        )
    return value


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ConfigError(Errors.E501.format(where=where, detail=e)) from e


@dataclass
class _Found:
    """A figure before its id and indicator are known."""

    start: int
    end: int
    number_start: int
    unit_end: int
    quantity: Quantity
    subject: str | None
    sentence: str
    # The verb frame the figure's clause opens with (全年主动公开 of 全年主动公开规章
    # 5件), carried to the next items of a list that state none of their own.
    frame: str | None = None
    # Where the phrase the indicator rules read ends, when the text goes on after it.
    map_end: int | None = None


@stage(
    "metrics.v1",
    requires=(
        "text",
        "meta.template",
        "meta.year",
        "meta.agency",
        "meta.agency_printed",
        "sections",
        "sections.label",
        "tables",
    ),
    assigns=("metrics",),
    config="metrics",
    scorer="metrics",
)
class MetricExtractor(Stage):
    """Extract every figure stated in prose as a ``Metric`` with its indicator id.

    Needs: ``text``; ``tables`` and the ``stat_table`` ``sections`` (regions skipped);
    ``sections`` (the id and labels of where a figure sits); ``meta`` (template era).
    Fills: ``metrics`` (ids m0, m1, ... in text order).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.era = era_rules()
        self.version = cfg["version"]
        units = _words(cfg, "units")
        self.tolerance = float(cfg.get("approximate_tolerance", 0.1))
        prose = cfg.get("prose") or {}
        self.skip_labels = frozenset(
            prose.get("skip_section_labels") or ("stat_table",)
        )
        self.table_line = _regex(
            prose.get("table_line", r"(?m)^.*\|.*\|.*$"), "table_line"
        )
        self.max_before = int(prose.get("max_before", 60))
        self.max_after = int(prose.get("max_after", 40))
        self.boundary = _regex(
            "[" + re.escape(prose.get("clause_boundaries", ",;。:!?\n()|")) + "]",
            "clause_boundaries",
        )
        self.leading_trim = _regex(prose.get("leading_trim", r"^\W+"), "leading_trim")
        suffix = "以上|左右|上下|以下|以内|有余"
        bare_end = self.boundary.pattern
        self.candidate = re.compile(
            rf"(?<!\d)(?<!\d[.,])(?P<num>{NUMERAL})(?P<q1>余|多)?(?P<scale>[万亿])?(?P<q2>余|多)?"
            rf"(?P<gap>[ \t]?\n?)"
            # A figure without a unit may only close a clause (536万, 事项为零).
            rf"(?:(?P<unit>{_alternation(units)})(?P<post>{suffix})?|(?={bare_end}|$))"
        )
        self.prefix_qualifier = _regex(
            "(?:" + _alternation(_words(cfg, "prefix_qualifiers")) + ")$",
            "prefix_qualifiers",
        )
        self.kept_qualifiers = _words(cfg, "kept_qualifiers")
        non_metric = cfg.get("non_metric") or {}
        self.unit_blocker = _regex(
            "(?:" + _alternation(_words(non_metric, "unit_words")) + ")", "unit_words"
        )
        self.not_after = _regex(
            "(?:" + "|".join(_words(non_metric, "before_number")) + ")$",
            "before_number",
        )
        self.zero_before = _regex(
            "(?:" + "|".join(_words(non_metric, "zero_after")) + ")$", "zero_after"
        )
        chinese = cfg.get("chinese_numerals") or {}
        self.negation = _regex("|".join(_words(chinese, "negation")), "negation")
        self.distributive = _regex(chinese.get("distributive", "(?!)"), "distributive")
        verbs = _words(cfg, "object_verbs")
        self.object_verb = _regex("(?:" + _alternation(verbs) + ")了?$", "object_verbs")
        self.modifier = _regex(
            "(?:" + _alternation(_words(cfg, "modifier_markers")) + ")$",
            "modifier_markers",
        )
        self.connectors = _regex(
            "^(?:" + _alternation(_words(cfg, "connectors")) + ")+", "connectors"
        )
        self.trailing_connectors = _regex(
            "(?:" + _alternation(_words(cfg, "connectors")) + ")+$", "connectors"
        )
        self.scope_cue = _regex("|".join(_words(cfg, "scope_cues")), "scope_cues")
        self.any_verb = _regex("(?:" + _alternation(verbs) + ")", "object_verbs")
        agencies = load_config("meta").get("agencies") or {}
        self.abbreviations = dict(agencies.get("abbreviations") or {})
        self.self_reference = _regex(
            agencies.get("self_references") or "(?!)", "meta agencies.self_references"
        )
        self.determiner = _regex(
            chinese.get("determiners", "(?!)") + "$", "chinese_numerals.determiners"
        )
        self.count_noun = _regex(
            prose.get("count_nouns", "(?!)") + "$", "prose.count_nouns"
        )
        self.mapper = IndicatorMapper(cfg)

    # -- the stage ----------------------------------------------------------------

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        text = report.text
        skipped = self._skipped_regions(report)
        boundaries = [m.start() for m in self.boundary.finditer(text)]
        found: list[_Found] = []
        previous_end = 0
        candidates = self._candidates(text)
        # Where the next figure with a unit starts (a bare 1万 after 超 is part of the
        # predicate of the figure before it, not a figure of its own).
        with_unit = [m.start() for m in candidates if m["unit"]]
        for match in candidates:
            if _inside(skipped, match.start()):
                continue
            if match.start() < previous_end and not match["unit"]:
                continue  # a bare number inside the figure before (5篇超1万)
            k = bisect.bisect_right(with_unit, match.start())
            next_start = with_unit[k] if k < len(with_unit) else len(text)
            item = self._read(text, match, boundaries, previous_end, next_start)
            if item is not None:
                found.append(item)
                # The next figure's clause starts after this one's text, unless that
                # text runs over it (229大项539小项…事项).
                previous_end = item.end if item.end <= next_start else item.unit_end
        report.metrics = self._metrics(report, found)
        return report

    def _candidates(self, text: str) -> list[re.Match[str]]:
        """What ``self.candidate.finditer(text)`` finds, tried only where a numeral
        starts (the pattern opens with look-behinds, so re tried it everywhere)."""
        found: list[re.Match[str]] = []
        pos = 0
        while True:
            start = _NUMERAL_START.search(text, pos)
            if start is None:
                return found
            match = self.candidate.match(text, start.start())
            if match is None:
                pos = start.start() + 1
            else:
                found.append(match)
                pos = match.end()

    def _out_of_scope(self, phrase: str, report: Report) -> bool:
        """A scope cue names part of the reporting body (县直各单位…), or another
        body acting for it (A代表B受理…) — unless that body is the report's own
        agency (县府办代表县政府… in the 县府办's report: FIELD-GUIDE class 20)."""
        cue = self.scope_cue.search(phrase)
        if cue is None:
            return False
        if cue.group() != "代表":
            return True
        actor = phrase[: cue.start()].strip()
        names = [report.meta.agency, report.meta.agency_printed]
        return not (
            not actor
            or self.self_reference.fullmatch(actor)
            or any(
                name and (actor == name or abbreviates(self._expand(actor), name))
                for name in names
            )
        )

    def _expand(self, name: str) -> str:
        for short in sorted(self.abbreviations, key=len, reverse=True):
            if name.endswith(short):
                return name[: -len(short)] + self.abbreviations[short]
        return name

    # -- finding figures ----------------------------------------------------------

    def _skipped_regions(self, report: Report) -> list[tuple[int, int]]:
        regions = [(t.start, t.end) for t in report.tables]
        regions += [
            (s.start, s.end) for s in report.sections if s.label in self.skip_labels
        ]
        regions += [(m.start(), m.end()) for m in self.table_line.finditer(report.text)]
        regions.sort()
        merged: list[tuple[int, int]] = []
        for start, end in regions:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _read(
        self,
        text: str,
        match: re.Match[str],
        boundaries: list[int],
        previous_end: int,
        next_start: int,
    ) -> _Found | None:
        number_start = match.start()
        unit = match["unit"]
        unit_end = match.end()
        numeral = match["num"]
        chinese = not _ASCII_DIGIT.search(numeral)
        before = text[max(0, number_start - 6) : number_start]
        if self.not_after.search(before):
            return None
        if unit is None:
            unit_end = match.start("gap")
            if not self._bare_figure_ok(text, match, before, unit_end):
                return None
        elif self.unit_blocker.match(text, match.start("unit")):
            return None
        # The clause: from the last boundary (or the previous figure) to the next one.
        i = bisect.bisect_left(boundaries, number_start)
        clause_start = max(boundaries[i - 1] + 1 if i else 0, previous_end)
        j = bisect.bisect_left(boundaries, unit_end)
        clause_end = boundaries[j] if j < len(boundaries) else len(text)
        pre = text[clause_start:number_start]
        trimmed = self.leading_trim.match(pre)
        if trimmed:
            clause_start += trimmed.end()
            pre = pre[trimmed.end() :]
        if len(pre) > self.max_before:
            clause_start = number_start - self.max_before
            pre = pre[-self.max_before :]
        # What follows the figure, up to the clause end or the next figure (in a 、
        # list of figures each item's predicate is its own: 2篇阅读量超10万、5篇超1万).
        # Figures written back to back share the noun after them (229大项539小项…事项).
        cut = clause_end if next_start <= unit_end else min(clause_end, next_start)
        post = text[unit_end:cut]
        post = post[: self.max_after].rstrip("、,等和及与 ")
        qualifier_word = None
        # 约有260人次: the qualifier stands before a connector.
        prefix = self.prefix_qualifier.search(self.trailing_connectors.sub("", pre))
        if prefix:
            qualifier_word = prefix.group()
        core = pre[: prefix.start()] if prefix else pre
        core = self.trailing_connectors.sub("", core)
        bare_core = self.connectors.sub("", core)
        object_follows = bool(_OBJECT_START.match(post)) and (
            not bare_core
            or core.endswith("了")
            or bool(self.object_verb.search(core) or self.modifier.search(core))
        )
        if chinese and not object_follows and self._counted_noun(numeral, pre, post):
            # 指导四个试点街道, 全年三次举办业务培训: numeral + classifier + noun/verb.
            object_follows = True
        if chinese and not self._chinese_ok(pre, post, prefix, object_follows, numeral):
            return None
        quantity = quantity_from_parts(
            numeral_text=numeral,
            scale=match["scale"],
            unit=unit,
            qualifier_words=[qualifier_word, match["q1"], match["q2"], match["post"]],
            raw=text[number_start:unit_end],
            tolerance=self.tolerance,
        )
        if quantity is None:
            return None
        if quantity.qualifier is None:
            for word in self.kept_qualifiers:
                if word in pre:
                    quantity = Quantity(
                        quantity.value, None, None, word, quantity.unit, quantity.raw
                    )
                    break
        start = clause_start
        map_end = None
        if object_follows:
            start += self._object_phrase_start(core) if bare_core else 0
            end = unit_end + len(post.rstrip())
            subject = post.strip() or None
        else:
            # The noun phrase after the figure belongs to its text too (督办…民生领域
            # 8项专项公开任务; FIELD-GUIDE class 14); the rules read the phrase up to
            # the unit, where its subject is.
            end = unit_end
            if _OBJECT_START.match(post) and not post[:1].isdigit():
                map_end, end = unit_end, unit_end + len(post.rstrip())
            subject = bare_core.strip() or None
        sentence_start = _last_sentence_start(text, start)
        verbs = list(self.any_verb.finditer(core))
        frame = core[: verbs[-1].end()] if verbs else None
        return _Found(
            start=start,
            end=end,
            number_start=number_start,
            unit_end=unit_end,
            quantity=quantity,
            subject=subject,
            sentence=text[sentence_start:start],
            frame=frame,
            map_end=map_end,
        )

    def _object_phrase_start(self, core: str) -> int:
        """Where the phrase of a figure whose subject follows it starts in its clause:
        at the verb and the connectors before it (全年共发布77条信息), at the figure
        after 的/等 (…等7项新举措), else at the clause start."""
        verb = self.object_verb.search(core)
        if verb:
            connectors = self.trailing_connectors.search(core[: verb.start()])
            return connectors.start() if connectors else verb.start()
        if self.modifier.search(core):
            return len(core)
        return 0

    def _bare_figure_ok(
        self, text: str, match: re.Match[str], before: str, end: int
    ) -> bool:
        """A figure with no unit: 536万 at a clause end, or 为零 (事项为零)."""
        after = text[end : end + 1]
        at_clause_end = not after or bool(self.boundary.match(after))
        if not at_clause_end:
            return False
        if match["scale"] or match["num"][-1:] in ("万", "亿"):
            return bool(_ASCII_DIGIT.search(match["num"]))
        if self.count_noun.search(before) and _ASCII_DIGIT.search(match["num"]):
            return True  # 订阅数4100, 访问量3200 (FIELD-GUIDE class 9)
        return match["num"] in ("零", "0") and bool(self.zero_before.search(before))

    def _counted_noun(self, numeral: str, pre: str, post: str) -> bool:
        """A Chinese numeral of two or more with its classifier, then a noun or a
        verb (四个试点街道), not after a determiner (现有三套网络) or in a negated or
        distributive clause (FIELD-GUIDE class 13). 一 stays with the stricter rule:
        一项重要工作 is no count."""
        value = parse_numeral(numeral)
        if value is None or value.value < 2 or not _OBJECT_START.match(post):
            return False
        head = pre.strip()
        if self.determiner.search(head) or self.distributive.search(head):
            return False
        return not self.negation.search(pre)

    def _chinese_ok(
        self,
        pre: str,
        post: str,
        prefix: re.Match[str] | None,
        object_follows: bool,
        numeral: str = "",
    ) -> bool:
        """一期 counts when an action comes right before it (开展了一期培训) or it
        closes a noun phrase (评估报告一份); 一项重要工作, 三个方面, 未发生一起,
        各单位均明确一名, 完成现有三套网络的整合 are not figures."""
        head = pre[: prefix.start()] if prefix else pre
        if self.negation.search(pre) or self.distributive.search(head):
            return False
        if object_follows:
            return (
                bool(self.object_verb.search(head))
                or head.endswith("了")
                or self._counted_noun(numeral, pre, post)
            )
        return bool(head.strip()) and not post.strip()

    # -- from figures to metrics --------------------------------------------------

    def _metrics(self, report: Report, found: list[_Found]) -> list[Metric]:
        text = report.text
        era = self.era.of_report(
            report.meta.template,
            report.meta.year,
            {table.kind for table in report.tables},
            [c.indicator or "" for t in report.tables for c in t.cells],
        )
        by_id = {s.id: s for s in report.sections}
        metrics: list[Metric] = []
        # The last figure whose clause states a verb, and the indicator it got.
        framed: tuple[_Found, str | None] | None = None
        for n, item in enumerate(found):
            section = report.section_at(item.number_start)
            labels = _labels(section, by_id)
            phrase = text[item.start : item.end]
            read = text[item.start : item.map_end or item.end]
            sentence = text[_last_start(text, item.start, _FRAME_END) : item.start]
            rule = None
            if era is not None and not self._out_of_scope(read, report):
                mapping = MappingInput(
                    phrase=read,
                    sentence=sentence + read,
                    context=_context(text, section, item.start) + read,
                    labels=labels,
                    unit=item.quantity.unit,
                    local=item.sentence + read,
                )
                rule = self.mapper.match(era, mapping)
                if (
                    rule is None
                    and item.frame is None
                    and framed is not None
                    and framed[1] is not None
                    and not _FRAME_END.search(text, framed[0].end, item.start)
                    and not _PART_MARK in text[framed[0].end : item.start + 4]
                ):
                    # A list item stating no verb of its own reads under the frame of
                    # the item before it (制发规章5件,行政规范性文件8件: FIELD-GUIDE
                    # class 7) when that gives the same column of another row; a part
                    # of the figure before it (网站公开…425条,机构职能类信息148条)
                    # gives none.
                    carried = self.mapper.match(
                        era,
                        dataclasses.replace(
                            mapping,
                            phrase=framed[0].frame + read,
                            sentence=sentence + framed[0].frame + read,
                        ),
                    )
                    if carried is not None and _sibling(framed[1], carried.indicator):
                        rule = carried
            if item.frame is not None:
                framed = (item, rule.indicator if rule else None)
            q = item.quantity
            metrics.append(
                Metric(
                    id=f"m{n}",
                    start=item.start,
                    end=item.end,
                    text=phrase,
                    value=q.value,
                    low=q.low,
                    high=q.high,
                    qualifier=q.qualifier,
                    unit=q.unit,
                    subject=item.subject,
                    indicator=rule.indicator if rule else None,
                    section=section.id if section else None,
                    parts=list(rule.parts) if rule else [],
                )
            )
        _drop_part_indicators(text, metrics)
        return metrics


def _sibling(a: str | None, b: str | None) -> bool:
    """The same column of another row of one table (t2.rules.made / t2.normative.made)."""
    if not a or not b:
        return False
    x, y = a.split("."), b.split(".")
    return len(x) == len(y) == 3 and x[0] == y[0] and x[2] == y[2] and x[1] != y[1]


def _inside(regions: list[tuple[int, int]], offset: int) -> bool:
    i = bisect.bisect_right(regions, (offset, float("inf"))) - 1
    return i >= 0 and regions[i][0] <= offset < regions[i][1]


def _last_start(text: str, offset: int, ends: re.Pattern[str], limit: int = 300) -> int:
    window_start = max(0, offset - limit)
    last = None
    for last in ends.finditer(text, window_start, offset):
        pass
    return last.end() if last else window_start


def _last_sentence_start(text: str, offset: int, limit: int = 200) -> int:
    window_start = max(0, offset - limit)
    last = None
    for last in _SENTENCE_END.finditer(text, window_start, offset):
        pass
    return last.end() if last else window_start


def _labels(section: Section | None, by_id: dict[str, Section]) -> frozenset[str]:
    labels = set()
    while section is not None:
        labels.add(section.label)
        section = by_id.get(section.parent) if section.parent else None
    return frozenset(labels)


def _context(text: str, section: Section | None, offset: int, limit: int = 400) -> str:
    if section is None:
        return text[max(0, offset - 300) : offset]
    body_start = max(section.start, offset - limit)
    return section.title + "\n" + text[body_start:offset]


def _drop_part_indicators(text: str, metrics: list[Metric], window: int = 300) -> None:
    """Parts of a cell's figure are not the cell: 其中…1592条, 各乡镇…477条 after
    全区…2069条, or two sibling figures of one sentence (市网站60条, 镇网站5条) that
    only add up to it."""
    last_seen: dict[str, Metric] = {}
    in_parts: set[str] = set()  # indicators whose figures are now listing parts
    to_clear: set[str] = set()
    for metric in metrics:
        indicator = metric.indicator
        if indicator is None:
            continue
        previous = last_seen.get(indicator)
        last_seen[indicator] = metric
        if previous is None or metric.start - previous.end > window:
            in_parts.discard(indicator)
            continue
        between = text[previous.end : metric.start]
        if indicator in in_parts or _PART_MARK in between or _PART_MARK in metric.text:
            to_clear.add(metric.id)
            in_parts.add(indicator)
        elif not _SENTENCE_END.search(between):
            to_clear.update((metric.id, previous.id))
    for metric in metrics:
        if metric.id in to_clear:
            metric.indicator = None
