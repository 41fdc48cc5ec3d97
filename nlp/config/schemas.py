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
    numeral: Literal["cn", "arabic", "circled", "blank"]
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
    # Words a page's navigation prints that end like an agency name (…服务中心).
    not_agencies: list[str] = Field(default_factory=list)
    not_agency_endings: list[str] = Field(default_factory=list)
    # Names of national bodies need no place of their own (国家税务总局).
    national_prefixes: list[str] = Field(default_factory=list)
    # Department abbreviations and their full form (卫计委: 卫生和计划生育委员会).
    abbreviations: dict[str, str] = Field(default_factory=dict)
    # How a report calls itself (我局, 本委); group 1 is the kind of agency.
    self_references: Regex | None = None
    # Where a page's footer starts (版权所有, ICP备…): no name is read after it.
    footer: Regex | None = None
    # How many last lines of the report may hold the signature.
    signature_lines: int = 8
    # How much of the body is read for the names it mentions.
    body_chars: int = 8000


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


class TemplatesConfig(Strict):
    fillers: Regex
    similarity: float = Field(default=0.85, gt=0, le=1)
    top_level_only: list[str] = Field(default_factory=list)
    headings: dict[str, list[str]] = Field(default_factory=dict)


class RulesConfig(Strict):
    strip: list[Regex] = Field(default_factory=list)
    coordinators: Regex
    inherit_from_parent: list[str] = Field(default_factory=list)
    templates: TemplatesConfig | None = None
    patterns: dict[str, list[LabelPattern]]


class RuleConfidences(Strict):
    template: float
    keyword: float
    conflict: float
    inherit: float
    short: float
    weak_top: float


class SectionClassifierConfig(Strict):
    model: str
    body_chars: int
    short_body_chars: int
    floor: float = Field(ge=0, le=1)
    tie_margin: float = Field(ge=0, le=1)
    rule_confidence: RuleConfidences


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
    count_nouns: Regex | None = None


class NonMetricConfig(Strict):
    unit_words: list[str]
    before_number: list[Regex]
    zero_after: list[Regex]


class ChineseNumeralsConfig(Strict):
    negation: list[str]
    distributive: Regex
    determiners: Regex | None = None


class LinkConfig(Strict):
    approximate_inside: Literal["pass", "uncertain"] = "pass"
    exact_qualifiers: list[str] = Field(default_factory=list)
    soft_qualifiers: list[str] = Field(default_factory=list)
    money_indicators: dict[str, str] = Field(default_factory=dict)
    sums: dict[str, list[str]] = Field(default_factory=dict)


class IndicatorRule(Strict):
    id: str | None
    parts: list[str] = Field(default_factory=list)
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
    domain: float
    defect: float
    head: float
    single: float
    major: float
    split: float


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
    defect_cues: dict[str, list[str]] = Field(default_factory=dict)
    domain_categories: list[str] = Field(default_factory=list)
    light_heads: list[str] = Field(default_factory=list)
    consequence_start: Regex | None = None
    clause_continuation: Regex | None = None
    min_clause_chars: int = Field(default=5, ge=1)
    clause_min_confidence: float = Field(default=0.8, ge=0, le=1)
    cue_particles: str = "的之"
    enumeration_slips: int = 2
    rule_confidence: RuleConfidence
    major_share: float = Field(default=0.6, gt=0, le=1)
    model: str | None = None
    floor: float = Field(ge=0, le=1)
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
    calibration: dict[str, float | bool | int] = Field(default_factory=dict)
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
