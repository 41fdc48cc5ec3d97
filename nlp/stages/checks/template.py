"""Stage ``template_checks.v1``: a report's structure against its era's format.

T1 flags a 2021+ report printed on the 2019 table 二 layout; T2 a required section of
the format (``configs/indicators.yaml`` ``required_sections``) missing. A section that
cannot be found because headings skip numbers or lack labels (text lost in extraction)
is ``uncertain``, not ``fail``; so is one that a top-level heading candidate the
segmentation rejected names (a restarted 一、二、三 sequence): T2 fails only when the
text holds no heading that names the section.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from ...config import IndicatorSchema, load_config, schema_from
from ...pipeline.registry import Stage, stage
from ...records import Check, Evidence, Report, Section
from ...text.markers import numbering
from ..meta.era import era_rules
from ..segment.headings import HeadingFinder
from ..tables.modern import LAYOUT_GUESSED

# Heading number styles of a report's top-level sections (configs/numbering.yaml).
TOP_STYLES = ("cn_dun", "part")


@stage(
    "template_checks.v1",
    requires=(
        "text",
        "meta.year",
        "meta.template",
        "tables",
        "sections",
        "sections.label",
    ),
    assigns=("checks",),
    config="indicators",
    scorer="checks",
)
class TemplateChecker(Stage):
    """Checks the report's structure against its format.

    Needs ``meta.year``/``meta.template``, ``tables`` (table 二's layout) and the
    labelled ``sections``. Fills ``checks`` with kind ``template`` (ids template-0, …;
    checks of other kinds are kept).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.schema: IndicatorSchema = schema_from(self.config)
        self.era = era_rules()
        self.numbering = numbering()
        # Read-only: the segmenter's heading markers and title rules, to look among
        # the heading candidates it rejected before a section is called missing.
        self.finder = HeadingFinder(load_config("sections"))

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        kept = [c for c in report.checks if c.kind != "template"]
        checks = self.template_checks(report)
        for i, check in enumerate(checks):
            check.id = f"template-{i}"
        report.checks = kept + checks
        return report

    def template_checks(self, report: Report) -> list[Check]:
        year = report.meta.year
        if not self.era.under_2019_regulations(report.meta.template, year):
            return []
        out: list[Check] = []
        if self.era.expects_2021_layout(year):
            out.append(self._layout_check(report))
        out += self._section_checks(report)
        return out

    @staticmethod
    def _layout_check(report: Report) -> Check:
        t2 = next((t for t in report.tables if t.kind == "t2"), None)
        if t2 is None or t2.layout is None:
            return Check(
                id="",
                kind="template",
                rule="T1",
                verdict="not_assessable",
                message="T1: no table 二 found to compare with the 2021 layout",
            )
        evidence = [Evidence(ref=t2.id, start=t2.start, end=t2.end)]
        guessed = any(n.startswith(LAYOUT_GUESSED) for n in t2.notes)
        if t2.layout == "2021":
            verdict = "pass"
        elif guessed:
            verdict = "uncertain"
        else:
            verdict = "fail"
        return Check(
            id="",
            kind="template",
            rule="T1",
            verdict=verdict,
            left_text=t2.layout,
            right_text="2021",
            expected_text="2021",
            evidence=evidence,
            message=f"T1: a {report.meta.year} report uses the {t2.layout} "
            "table 二 layout"
            + (" (layout inferred from value counts)" if guessed else ""),
        )

    def _section_checks(self, report: Report) -> list[Check]:
        required = self.schema.required_sections
        if not report.sections:
            return [
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict="not_assessable",
                    message="T2: the report has no sections to compare with the format",
                )
            ]
        top = [s for s in report.sections if s.parent is None]
        labels = {s.label for s in top}
        headings = [s for s in top if s.label != "preamble"]
        unlabelled = [s for s in headings if not s.label]
        if len(unlabelled) == len(headings):
            return [
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict="not_assessable",
                    message="T2: no labelled top-level heading to compare with "
                    "the format",
                )
            ]
        # Numbered headings that skip (一、 then 五、) mean text was lost in extraction,
        # not that the report left the section out; so does a heading left unlabelled.
        gap = self._numbering_gap(top) or bool(unlabelled)
        out = []
        for label in required:
            sections = [s for s in top if s.label == label]
            if sections:
                s = sections[0]
                out.append(
                    Check(
                        id="",
                        kind="template",
                        rule="T2",
                        verdict="pass",
                        left_text=label,
                        evidence=[Evidence(ref=label, start=s.start, end=s.end)],
                        message=f"T2: section {label} present ({s.title})",
                    )
                )
                continue
            candidate = self._rejected_candidate(report, label)
            if candidate is not None:
                start, end, title = candidate
                out.append(
                    Check(
                        id="",
                        kind="template",
                        rule="T2",
                        verdict="uncertain",
                        left_text=label,
                        evidence=[Evidence(ref=label, start=start, end=end)],
                        message=f"T2: section {label} not among the top-level "
                        f"sections, but the heading '{title}' names it (a heading "
                        "the segmentation did not accept)",
                    )
                )
                continue
            verdict = "uncertain" if gap else "fail"
            out.append(
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict=verdict,
                    left_text=label,
                    evidence=[
                        Evidence(ref=s.label, start=s.start, end=s.end) for s in top
                    ],
                    message=f"T2: required section {label} not found"
                    + (
                        " (headings skip numbers or lack labels: text may be missing)"
                        if gap
                        else ""
                    )
                    + f"; top-level sections: {sorted(labels)}",
                )
            )
        return out

    def _rejected_candidate(
        self, report: Report, label: str
    ) -> tuple[int, int, str] | None:
        """A top-level heading number at a line start whose title names ``label``
        but that is no section's heading."""
        text = report.text
        headings = {s.start for s in report.sections}
        markers = self.finder.markers(text)
        for i, marker in enumerate(markers):
            if marker.style not in TOP_STYLES or marker.start in headings:
                continue
            j = marker.start - 1
            while j >= 0 and text[j] in " \t\u3000":
                j -= 1
            if j >= 0 and text[j] not in "\n。!?|":
                continue
            following = markers[i + 1].start if i + 1 < len(markers) else len(text)
            end = self.finder.title_end(text, marker.end, following)
            title = text[marker.start : end].strip()
            if title and self.finder.rules.match(title).label == label:
                return marker.start, end, title
        return None

    def _numbering_gap(self, sections: Sequence[Section]) -> bool:
        numbers = [
            n
            for s in sections
            if (n := self.numbering.title_number(s.title or "")) is not None
        ]
        if not numbers:
            return False
        return numbers[0] != 1 or any(b - a > 1 for a, b in pairwise(numbers))
