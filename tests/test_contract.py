"""One contract for every registered stage (after scikit-learn's
``parametrize_with_checks``): it reads only the fields it declares, writes only those it
assigns, returns the report, is deterministic, keeps offsets inside the text and its
output round-trips through JSON (``nlp.pipeline.checks``). Then the pipeline's side:
a bad order is refused, and a failing stage is recorded and its dependents skipped."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from nlp.errors import PipelineError
from nlp.io.readers import load_report
from nlp.pipeline import Pipeline, Stage, analyze, stage
from nlp.pipeline.checks import check_stage
from nlp.pipeline.registry import StageSpec, create, registered
from nlp.records import Report

DOCS = [
    "004_15ed71d81f93ac9f.txt",
    "hongze-district-2023.pdf",
    "pingtan-zone-2021.txt",
    "local-17-2018.txt",
    "nanshan-ajj-2010.txt",
]
# The stages of the product (this module registers broken ones of its own, test.*).
REAL = sorted(n for n in registered("document") if not n.startswith("test."))


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_config()


@pytest.fixture(scope="module")
def inputs(pipeline: Pipeline) -> dict[tuple[str, str], Report]:
    """Each document as each stage receives it (the stages before it applied)."""
    found = {}
    for doc in DOCS:
        report = load_report(SAMPLE / doc, SAMPLE)
        for step in pipeline.stages:
            found[(step.name, doc)] = Report.from_dict(report.to_dict())
            report = step(report)
    return found


def test_every_registered_stage_is_in_the_pipeline(pipeline: Pipeline):
    names = {s.spec.name for s in [*pipeline.stages, *pipeline.corpus_steps]}
    assert names == {n for n in registered() if not n.startswith("test.")}
    assert pipeline.stages[0].name == "normalize.v1"
    assert [s.spec.name for s in pipeline.corpus_steps] == [
        "cross_year.v1",
        "recurring.v1",
    ]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("name", REAL)
def test_stage_contract(pipeline: Pipeline, inputs, name: str, doc: str):
    step = pipeline.stage(name)
    assert step.__doc__ and step.spec.assigns, f"{name} says what it needs and fills"
    assert check_stage(step, inputs[(name, doc)]) == []


@pytest.mark.parametrize("name", REAL)
def test_constructor_only_stores(name: str):
    """scikit-learn's check_no_attributes_set_in_init: loading waits for initialize."""
    cls = registered("document")[name]
    built = cls()
    assert not built.initialized
    with pytest.raises(PipelineError, match="E014"):
        built(
            Report.from_dict(
                {"doc_id": "x", "source": {"path": "x", "sha256": "", "format": "txt"}}
            )
        )
    assert built.initialize() is built and built.initialized


def test_a_stage_builds_from_an_in_memory_config():
    import yaml

    from nlp.config import CONFIG_DIR

    settings = yaml.safe_load((CONFIG_DIR / "metrics.yaml").read_text("utf-8"))
    settings["prose"]["max_before"] = 5
    extractor = create("metrics.v1", config=settings)
    assert extractor.max_before == 5


# ---------------------------------------------------------------- broken on purpose
@stage("test.reads_undeclared.v1", requires=("text",), assigns=("metrics",))
class ReadsUndeclared(Stage):
    """Declares text, reads meta.year too."""

    def __call__(self, report: Report) -> Report:
        report.metrics = [] if report.meta.year is None else list(report.metrics)
        return report


@stage("test.writes_undeclared.v1", requires=("text",), assigns=("metrics",))
class WritesUndeclared(Stage):
    """Declares metrics, writes sections too."""

    def __call__(self, report: Report) -> Report:
        report.metrics = []
        report.sections[0].label = "other"
        return report


@stage("test.not_deterministic.v1", requires=("text",), assigns=("metrics",))
class NotDeterministic(Stage):
    """Different output each call."""

    calls = 0

    def __call__(self, report: Report) -> Report:
        type(self).calls += 1
        report.errors = []
        report.meta.agency = None
        report.config = {"calls": type(self).calls}
        report.metrics = [] if type(self).calls % 2 else report.metrics
        if type(self).calls % 2 == 0:
            report.config["x"] = 1
        report.tokens = [[0, type(self).calls]]
        return report


@stage("test.bad_offsets.v1", requires=("text",), assigns=("tokens",))
class BadOffsets(Stage):
    """Spans past the end of the text."""

    def __call__(self, report: Report) -> Report:
        report.tokens = [[0, len(report.text) + 5]]
        return report


@stage("test.returns_none.v1", requires=("text",), assigns=("metrics",))
class ReturnsNone(Stage):
    """Forgets to return the report."""

    def __call__(self, report: Report):
        report.metrics = []


@pytest.mark.parametrize(
    "cls,problem",
    [
        (ReadsUndeclared, "reads 'meta.year'"),
        (WritesUndeclared, "writes 'sections.label'"),
        (NotDeterministic, "changed 'meta'"),
        (BadOffsets, "outside the text"),
        (ReturnsNone, "not the Report"),
    ],
)
def test_the_contract_catches_a_broken_stage(inputs, cls, problem):
    report = inputs[("weaknesses.v1", DOCS[0])]
    problems = check_stage(cls().initialize(), report)
    assert any(problem in p for p in problems), problems


def test_a_bad_order_is_refused():
    specs = [registered()[n].spec for n in ("normalize.v1", "metrics.v1", "meta.v1")]
    with pytest.raises(PipelineError, match=r"E013.*metrics.v1.*meta\.template"):
        analyze(specs)
    # sections.label needs label_sections.v1 itself: segmentation alone does not do.
    specs = [
        registered()[n].spec
        for n in ("normalize.v1", "meta.v1", "segment.v1", "tables.v1", "metrics.v1")
    ]
    with pytest.raises(PipelineError, match=r"sections\.label"):
        analyze(specs)


def test_a_bad_order_in_the_config_file_is_refused(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(
        'version: "2.0"\nstages:\n  - {stage: normalize.v1}\n  - {stage: metrics.v1}\n',
        encoding="utf-8",
    )
    with pytest.raises(PipelineError, match="E013"):
        Pipeline.from_config(config)


@stage("test.explodes.v1", requires=("text",), assigns=("meta",))
class Explodes(Stage):
    """Raises on every report."""

    def __call__(self, report: Report) -> Report:
        raise RuntimeError("boom")


@stage("test.wrong_type.v1", requires=("text",), assigns=("meta",))
class WrongType(Stage):
    """Returns a dict."""

    def __call__(self, report: Report):
        return report.to_dict()


@pytest.mark.parametrize("broken", [Explodes, WrongType])
def test_a_failing_stage_is_recorded_and_its_dependents_skipped(broken):
    """Like spaCy's error handler tests: the document survives, with the error and
    its code, and the stages needing the failed stage's fields do not run."""
    names = ["normalize.v1", "segment.v1", "tokenize.v1", "label_sections.v1"]
    stages = [create(names[0]), broken().initialize()] + [create(n) for n in names[1:]]
    stages.append(create("tables.v1"))  # needs meta.template: must be skipped
    pipeline = Pipeline(stages=stages)
    report = pipeline(load_report(SAMPLE / DOCS[0], SAMPLE))
    errors = {e.stage: e for e in report.errors}
    assert errors[broken.spec.name].code == ("E017" if broken is Explodes else "E016")
    assert errors["tables.v1"].code == "E012"
    assert "meta" in errors["tables.v1"].message
    assert report.tables == []
    assert report.sections and report.tokens  # stages not needing meta still ran


def test_registering_a_name_twice_is_refused():
    with pytest.raises(PipelineError, match="E015"):

        @stage("meta.v1", requires=("text",), assigns=("meta",))
        class Impostor(Stage):
            """Takes a name in use."""


def test_stage_spec_is_frozen():
    spec = registered()["meta.v1"].spec
    assert isinstance(spec, StageSpec)
    with pytest.raises(AttributeError):
        spec.name = "x"  # type: ignore[misc]
