"""The declared schema of every file in ``configs/`` (pydantic models).

``validate(name, data, path)`` checks a loaded file against the model registered for its
name and raises a ``ConfigError`` naming the file, the key and what was expected. Keys a
schema does not know are errors (a typo must not silently switch a rule off); regex
fields must compile. ``configs/indicators.yaml`` has its own validator in
``nlp.stages.tables.schema`` (it also checks references between rows and relations).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError, Errors
from .indicators import parse_schema


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as e:
        raise ValueError(f"a valid regular expression ({e})") from e
    return value


Regex = Annotated[str, AfterValidator(_regex)]
Version = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------- pipeline
class StageEntry(Strict):
    stage: str
    config: str | None = None
    model: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class CorpusEntry(Strict):
    step: str
    config: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class PipelineConfig(Strict):
    version: Version
    stages: list[StageEntry] = Field(min_length=1)
    corpus: list[CorpusEntry] = Field(default_factory=list)


# ------------------------------------------------------------------------- cleaning
class HeaderRule(Strict):
    name: str
    pattern: Regex
    within_first: int | None = None


class FurnitureRule(Strict):
    name: str
    pattern: Regex
    anchors: list[str] = Field(default_factory=list)


class SpamConfig(Strict):
    separators: Regex = r"\s*"
    leading: Regex = "(?!)"
    terms: list[str] = Field(default_factory=list)
    patterns: list[Regex] = Field(default_factory=list)
    brand_chars: int = 4


class PdfConfig(Strict):
    page_number: Regex = "(?!)"


class CleaningConfig(Strict):
    version: Version
    header: list[HeaderRule] = Field(default_factory=list)
    furniture: list[FurnitureRule] = Field(default_factory=list)
    spam: SpamConfig = Field(default_factory=SpamConfig)
    pdf: PdfConfig = Field(default_factory=PdfConfig)


# ------------------------------------------------------------------------- numbering
class NumberStyle(Strict):
    name: str
    pattern: Regex
    numeral: Literal["cn", "arabic", "circled"]
    inline: bool = False


class NumberingConfig(Strict):
    version: Version
    # Heading numbers (segmentation), and what a heading's number looks like in front
    # of its title (stripped before the title is matched against label rules).
    headings: list[NumberStyle] = Field(min_length=1)
    heading_prefix: Regex
    # Enumerations inside a problems section (一是, (一), 1.): statement boundaries.
    enumerations: list[NumberStyle] = Field(min_length=1)
    # An enumeration marker a statement or title may keep at its start.
    leading_marker: Regex
    # A line that starts a heading (PDF line joining stops before it).
    line_start_heading: Regex
    # Ordinals and 其中: in front of a table row label.
    label_ordinals: Regex
    # The marker written before a part heading inside a problems section.
    part_marker: Regex


# ------------------------------------------------------------------------- meta
class AgencyConfig(Strict):
    # Words a page's navigation prints that end like an agency name (…服务大厅).
    not_agencies: list[str] = Field(default_factory=list)
    # Suffixes dropped when two names are compared (衡阳市教育局 / 衡阳市教育局).
    comparable_suffixes: list[str] = Field(default_factory=list)
    # Two names of one agency whose comparable keys are at least this long may match
    # by containment (平潭县 / 平潭县人民政府).
    min_containment_chars: int = 3


class EraConfig(Strict):
    pre2019_last_year: int = 2018
    format2019_last_year: int = 2020


class MetaConfig(Strict):
    version: Version
    agency_suffixes: list[str] = Field(min_length=1)
    template_markers: dict[Literal["2021", "2019", "pre2019"], list[str]]
    era: EraConfig = Field(default_factory=EraConfig)
    agencies: AgencyConfig = Field(default_factory=AgencyConfig)


# ------------------------------------------------------------------------- sections
class TitleConfig(Strict):
    max_chars: int
    stop_chars: str
    suffixes: Regex
    prose_start: Regex
    terminal_suffixes: Regex
    continues: Regex
    standard: list[str]
    connectors: Regex


class TableCaptions(Strict):
    captions: list[Regex]
    stat_captions: list[Regex]


class LabelPattern(Strict):
    pattern: Regex
    weak: bool = False
    strong: bool = False
    head: bool = False


class RulesConfig(Strict):
    strip: list[Regex] = Field(default_factory=list)
    coordinators: Regex
    inherit_from_parent: list[str] = Field(default_factory=list)
    patterns: dict[str, list[LabelPattern]]


class Confidences(Strict):
    rule: float
    strong_child: float
    inherit: float
    conflict: float


class SectionClassifierConfig(Strict):
    model: str
    body_chars: int
    short_body_chars: int
    parent_prior: float
    conflict_margin: float
    confidence: Confidences


class TokenizeConfig(Strict):
    # nlp.text.segmenter.SEGMENTERS; both give jieba 0.42.1's tokens
    segmenter: Literal["rjieba", "jieba"] = "rjieba"
    user_dict: str
    hmm: bool = True
    sentence_end: str = "。！？；!?;"


class SectionsConfig(Strict):
    version: Version
    labels: list[str] = Field(min_length=2)
    title: TitleConfig
    tables: TableCaptions
    rules: RulesConfig
    classifier: SectionClassifierConfig
    tokenize: TokenizeConfig


# ------------------------------------------------------------------------- metrics
class ProseConfig(Strict):
    skip_section_labels: list[str] = Field(default_factory=lambda: ["stat_table"])
    table_line: Regex
    clause_boundaries: str
    leading_trim: Regex
    max_before: int = 60
    max_after: int = 40


class NonMetricConfig(Strict):
    unit_words: list[str]
    before_number: list[Regex]
    zero_after: list[Regex]


class ChineseNumeralsConfig(Strict):
    negation: list[str]
    distributive: Regex


class LinkConfig(Strict):
    approximate_inside: Literal["pass", "uncertain"] = "pass"
    exact_qualifiers: list[str] = Field(default_factory=list)
    soft_qualifiers: list[str] = Field(default_factory=list)
    money_indicators: dict[str, str] = Field(default_factory=dict)
    sums: dict[str, list[str]] = Field(default_factory=dict)


class IndicatorRule(Strict):
    id: str | None
    subject: Regex
    not_: Regex | None = Field(default=None, alias="not")
    sentence: Regex | None = None
    not_sentence: Regex | None = None
    context: Regex | None = None
    sections: list[str] | None = None
    units: str | list[str | None] | None = None
    note: str | None = None


class MetricsConfig(Strict):
    version: Version
    units: list[str]
    unit_groups: dict[str, list[str | None]]
    approximate_tolerance: float = 0.1
    prefix_qualifiers: list[str]
    kept_qualifiers: list[str]
    prose: ProseConfig
    connectors: list[str]
    object_verbs: list[str]
    modifier_markers: list[str]
    scope_cues: list[Regex]
    non_metric: NonMetricConfig
    chinese_numerals: ChineseNumeralsConfig
    link: LinkConfig = Field(default_factory=LinkConfig)
    indicators: dict[Literal["pre2019", "2019", "2021"], list[IndicatorRule]]


# ------------------------------------------------------------------------- weaknesses
class RuleConfidence(Strict):
    single: float
    floor: float


class WeaknessesConfig(Strict):
    version: Version
    categories: list[str] = Field(min_length=2)
    fallback_heading: Regex
    fallback_stop: Regex
    elsewhere: Regex
    elsewhere_exclude: Regex
    problem_heading: Regex
    improvement_heading: Regex
    rectification_heading: Regex
    improvement_intro: Regex
    improvement_start: Regex
    improvement_verbs: Regex
    generic_phrases: list[Regex]
    topic_shortfall: Regex
    list_intro: Regex
    exists_list: Regex
    min_piece_chars: int
    pairing_stop_bigrams: list[str]
    problem_cues: list[str]
    cues: dict[str, list[str]]
    rule_confidence: RuleConfidence
    model: str | None = None
    model_override_below: float
    weak_label_min_confidence: float


# ------------------------------------------------------------------------- training
class TrainConfig(Strict):
    version: Version
    seed: int = 0
    corpus: str
    gold: str | list[str]
    test_fraction: float = 0.3
    test_agencies: list[str] = Field(default_factory=list)
    refit_on_all: bool = True
    folds: int = 5
    backends: dict[str, dict[str, Any]] = Field(default_factory=dict)


# ------------------------------------------------------------------------- search
class SubFieldSpec(Strict):
    type: str
    doc: str = ""


class FieldSpec(Strict):
    type: str
    in_: list[str] = Field(alias="in")
    doc: str = ""
    properties: dict[str, SubFieldSpec] = Field(default_factory=dict)


class FieldsConfig(Strict):
    version: Version
    fields: dict[str, FieldSpec]


class BenchQuery(Strict):
    query: str
    label: str | None = None
    category: str | None = None
    agency: str | None = None
    year: str | int | None = None
    province: str | None = None
    admin_level: str | None = None
    template: str | None = None
    failed_checks: str | None = None
    per_report: bool = False


class BenchQueriesConfig(Strict):
    version: Version
    queries: list[BenchQuery]


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    version: Version


SCHEMAS: dict[str, type[BaseModel]] = {
    "pipeline.yaml": PipelineConfig,
    "cleaning.yaml": CleaningConfig,
    "numbering.yaml": NumberingConfig,
    "meta.yaml": MetaConfig,
    "sections.yaml": SectionsConfig,
    "metrics.yaml": MetricsConfig,
    "weaknesses.yaml": WeaknessesConfig,
    "train/sections.yaml": TrainConfig,
    "train/weaknesses.yaml": TrainConfig,
    "search/fields.yaml": FieldsConfig,
    "search/bench_queries.yaml": BenchQueriesConfig,
    "search/search.yaml": SearchConfig,
    "search/regions.yaml": SearchConfig,
}


def schema_for(name: str) -> type[BaseModel] | None:
    """The schema of a config file by its name under ``configs/`` (or its file name)."""
    if name in SCHEMAS:
        return SCHEMAS[name]
    return SCHEMAS.get(Path(name).name)


def validate(name: str, data: dict[str, Any], path: Path | str) -> BaseModel | None:
    """Check ``data`` (the file ``path``, known as ``name``) against its schema."""
    if Path(name).name == "indicators.yaml":
        parse_schema(data, str(path))
        return None
    model = schema_for(name)
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        detail = _expected(first)
        raise ConfigError(Errors.E003.format(path=path, key=key, detail=detail)) from e


def _expected(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "this key is not part of the schema (a typo?)"
    if kind == "missing":
        return "the key is required but missing"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    got = error.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"expected {message[0].lower() + message[1:]} (got {shown[:60]})"
