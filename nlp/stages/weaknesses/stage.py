"""Stage ``weaknesses.v1``: the problems a report admits and the measures answering them.

A report admits its weaknesses in the section labelled ``problems`` (docs/SPEC.md §2), and
sometimes elsewhere (a third-party assessment's findings in 总体情况).
``regions`` finds those regions, ``split`` turns each into statements, and the stage
categorises them (``cues`` and the shipped classifier) and pairs problems with
measures.
"""

from __future__ import annotations

from typing import Any

from ...config import resource_path
from ...errors import Errors, ModelError
from ...models.loading import load_model
from ...pipeline.registry import Stage, stage
from ...records import Report, Weakness
from .cues import CueCategorizer, Decision, decide, statement_text
from .regions import problem_regions
from .split import Region, Statement, StatementSplitter, _compile

DEFAULT_MODEL = "weaknesses"


@stage(
    "weaknesses.v1",
    requires=("text", "sections", "sections.label"),
    assigns=("weaknesses",),
    config="weaknesses",
    scorer="weaknesses",
)
class WeaknessExtractor(Stage):
    """Problem statements of a report, categorised and paired with their measures.

    Needs ``text`` and ``sections`` (the ``problems`` sections; without one it looks for
    a 存在的主要问题 heading itself). Fills ``weaknesses``: one ``Weakness`` per problem
    statement, also for an admission elsewhere (但仍存在 A、B 等问题 in 总体情况).
    """

    def __init__(
        self,
        config: Any = None,
        model: str | None = DEFAULT_MODEL,
        classifier: Any = None,
    ):
        """``model`` names a folder of models/ (None: cue rules only);
        ``classifier`` is an in-memory fitted one (training, evaluation)."""
        super().__init__(config, model)
        self.classifier = classifier

    def setup(self, cfg: dict[str, Any]) -> None:
        self.settings_ = cfg
        self.splitter = StatementSplitter(cfg)
        self.cues = CueCategorizer(cfg)
        self.heading = _compile(cfg, "fallback_heading")
        self.stop = _compile(cfg, "fallback_stop")
        self.elsewhere = _compile(cfg, "elsewhere")
        self.elsewhere_exclude = _compile(cfg, "elsewhere_exclude")
        self.floor = float(cfg["floor"])
        self.clause_confidence = float(cfg.get("clause_min_confidence", 0.8))
        self.model_path: str | None = None
        if self.classifier is None and self.model_name:
            path = resource_path(self.model_name, "models")
            if not (path / "meta.json").is_file():
                raise ModelError(Errors.E705.format(path=path))
            self.classifier = load_model(path, "weaknesses")
            self.model_path = str(path)
        self.use_classifier(self.classifier)

    def use_classifier(self, classifier) -> None:
        """Categorise with ``classifier`` (a fitted model, or None: cues only) and the
        cue reliabilities fitted with it (its ``meta_["calibration"]``)."""
        if classifier is not None:
            unknown = sorted(set(classifier.classes_) - set(self.cues.categories))
            if unknown:
                raise ModelError(
                    Errors.E703.format(
                        path=self.model_path or "<in memory>",
                        found=unknown,
                        expected=self.cues.categories,
                    )
                )
        self.classifier = classifier
        calibration = (getattr(classifier, "meta_", None) or {}).get("calibration")
        self.reliability = dict(self.cues.rule_prior)
        fitted = (calibration or {}).get("rules") or {}
        self.reliability.update(
            (k, float(v)) for k, v in fitted.items() if k in self.reliability
        )

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        memo: dict[str, Decision] = {}  # a clause split off keeps its decision
        found = self.statements(report, memo)
        texts = [report.text[s.start : s.end] for _, s in found]
        decisions = self.categorise(texts, memo)
        weaknesses = []
        for i, ((section, s), text) in enumerate(zip(found, texts)):
            decision = decisions[i]
            improvement = None
            if s.improvement_start is not None:
                improvement = report.text[s.improvement_start : s.improvement_end]
            at = report.section_at(s.start) if report.sections else None
            weaknesses.append(
                Weakness(
                    id=f"w{i}",
                    start=s.start,
                    end=s.end,
                    text=text,
                    category=decision.label,
                    confidence=decision.confidence,
                    improvement=improvement,
                    section=at.id if at else section,
                    improvement_start=s.improvement_start,
                    improvement_end=s.improvement_end,
                    method=decision.method,
                )
            )
        report.weaknesses = weaknesses
        return report

    def categorise(
        self, texts: list[str], memo: dict[str, Decision] | None = None
    ) -> list[Decision]:
        """The category of each statement text: the cue rules and the classifier's
        vote, the surer deciding (``decide``). Texts in ``memo`` (decided before in
        this report) are not decided again; the new decisions are added to it."""
        memo = {} if memo is None else memo
        new = list(dict.fromkeys(t for t in texts if t not in memo))
        model_votes: list[tuple[str, float] | None] = [None] * len(new)
        if self.classifier is not None and new:
            probabilities = self.classifier.predict_proba(
                [statement_text(text) for text in new]
            )
            classes = list(self.classifier.classes_)
            for i, row in enumerate(probabilities):
                best = int(row.argmax())
                model_votes[i] = (str(classes[best]), float(row[best]))
        for text, vote in zip(new, model_votes):
            memo[text] = decide(self.cues(text), vote, self.reliability, self.floor)
        return [memo[text] for text in texts]

    def statements(
        self, report: Report, memo: dict[str, Decision] | None = None
    ) -> list[tuple[str | None, Statement]]:
        """Every problem statement of ``report`` with the id of its region's section,
        in text order (``memo``: the clause decisions, see ``categorise``)."""
        text = report.text
        found: list[tuple[str | None, Statement]] = []
        regions = problem_regions(report, self.heading, self.stop)
        statements: list[Statement] = []
        for region in regions:
            if statements and self.splitter.part_kind(region.title) == "improvements":
                # 六、改进措施 labelled problems after 五、存在的问题: measures only.
                if all(s.improvement_start is None for s in statements):
                    self.splitter.attach(text, statements, region.start, region.end)
                continue
            statements = self.splitter.split(text, region.start, region.end)
            if region.extra_improvement and all(
                s.improvement_start is None for s in statements
            ):
                self.splitter.attach(text, statements, *region.extra_improvement)
            found.extend(
                (region.section, one)
                for s in statements
                for one in self.one_each(text, s, memo)
            )
        for start, end in self._elsewhere(text, regions):
            found.append((None, Statement(start, end)))
        found.sort(key=lambda item: item[1].start)
        return found

    def one_each(
        self,
        text: str,
        statement: Statement,
        memo: dict[str, Decision] | None = None,
    ) -> list[Statement]:
        """``statement`` as one statement per defect: a weakness has one category, so
        comma clauses that each name a defect (``StatementSplitter.clauses``) and whose
        categories (``categorise``) differ from the clause before are statements of
        their own (信息公开的内容不够全面,公开不够及时 -> content, timeliness);
        neighbouring clauses of one category stay one statement (政策解读形式单一,
        缺少多种形式的解读). Nothing is split unless every part's category is decided
        (not ``other``) with at least ``clause_min_confidence``. Every part keeps the
        statement's measure."""
        spans = self.splitter.clauses(text, statement.start, statement.end)
        if len(spans) < 2:
            return [statement]
        decisions = self.categorise([text[a:b] for a, b in spans], memo)
        if any(
            d.method == "abstain" or d.confidence < self.clause_confidence
            for d in decisions
        ):
            return [statement]  # a part of unsure category: not split on a guess
        labels = [d.label for d in decisions]
        groups = [list(spans[0])]
        for (a, b), label, before in zip(spans[1:], labels[1:], labels):
            if label == before:
                groups[-1][1] = b
            else:
                groups.append([a, b])
        if len(groups) < 2:
            return [statement]
        return [
            Statement(a, b, statement.improvement_start, statement.improvement_end)
            for a, b in groups
        ]

    def statement_texts(self, report: Report) -> list[str]:
        return [report.text[s.start : s.end] for _, s in self.statements(report)]

    def _elsewhere(self, text: str, regions: list[Region]) -> list[tuple[int, int]]:
        """Admissions outside the problems regions: 但仍存在 A、B 等问题."""
        spans = []
        for m in self.elsewhere.finditer(text):
            if any(r.start <= m.start() < r.end for r in regions):
                continue
            if self.elsewhere_exclude.search(text, m.start(), m.start("body")):
                continue
            if self.elsewhere_exclude.match(text, m.end()) or text.startswith(
                "进行", m.end()
            ):
                continue
            a, b = m.span("body")
            if not self.splitter.has_problem(text[a:b]):
                continue
            spans.extend(
                (a + x, a + y)
                for x, y in self.splitter.split_list(text[a:b], 0, b - a, listed=True)
            )
        return spans
