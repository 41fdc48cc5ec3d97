"""The record that flows through the pipeline (docs/SPEC.md §5).

Plain dataclasses with ``to_dict``/``from_dict``. The normalised text is stored once on
the ``Report``; every other record points into it by character offsets (end exclusive),
so every value can be traced back to where it was read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import orjson

SCHEMA_VERSION = "1"

Format = Literal["txt", "html", "pdf", "docx", "md"]
Template = Literal["pre2019", "2019", "2021", "unknown"]
TableKind = Literal["stat_pre2019", "t2", "t3", "t4", "other"]
CheckKind = Literal["sum", "text_table", "cross_year", "template"]
Verdict = Literal["pass", "fail", "uncertain", "not_assessable"]


class Record:
    """Mixin giving dataclasses a JSON-ready round trip."""

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values: orjson encodes the dataclasses and reads
        them back (about twice as fast as walking them in Python; the same values,
        tested on every record of the sample); what orjson declines (an integer
        past 64 bits, a key that is not a string) is walked here."""
        try:
            return orjson.loads(orjson.dumps(self))
        except TypeError:
            return self.to_dict_python()

    def to_dict_python(self) -> dict[str, Any]:
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(
                f.name for f in dataclasses.fields(self)
            )
        return {name: _dump(getattr(self, name)) for name in names}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        hints = _hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _load(hints[f.name], data[f.name])
        return cls(**kwargs)


# Field names per record class (``dataclasses.fields`` is slow to call per object).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
# Values that dump as themselves: a record holds thousands of them (token spans,
# the offset map), and checking their exact type first skips a call for each.
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _dump(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Record):
        return value.to_dict_python()
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _PLAIN else _dump(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _PLAIN else _dump(v) for k, v in value.items()}
    return value


_HINT_CACHE: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINT_CACHE:
        _HINT_CACHE[cls] = get_type_hints(cls)
    return _HINT_CACHE[cls]


def _load(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        return _load(args[0], value) if len(args) == 1 else value
    if origin is list:
        (item,) = get_args(hint)
        return [_load(item, v) for v in value]
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_dict(value)
    return value


@dataclass
class Page(Record):
    """One page of a paginated source (PDF), as a span of ``text``."""

    number: int
    start: int
    end: int


@dataclass
class OcrLine(Record):
    """One line of OCR text (issue 18): its page, its box on the page in PDF points
    (``[x0, y0, x1, y1]``, origin top left), its span ``[raw_start, raw_end)`` of the
    reader's raw text (map a normalised offset there with ``Report.raw_offset``), the
    engine's confidence, and whether it lay under a seal (then its confidence is
    capped low: the text is kept, but not trusted)."""

    page: int
    box: list[float]
    raw_start: int
    raw_end: int
    confidence: float
    under_seal: bool = False


@dataclass
class OcrPage(Record):
    """A page read by OCR: the engine, the resolution it was rendered at, the skew
    corrected before recognition (degrees) and its lines in reading order."""

    number: int
    engine: str
    dpi: int
    skew: float
    seals: int = 0
    lines: list[OcrLine] = field(default_factory=list)


@dataclass
class Source(Record):
    """Where a report came from. ``title`` and ``url`` are metadata around the text
    (an HTML page's <title>, a crawl dump's columns), not part of it; ``row`` is the
    row of a crawl dump a report was read from (``path`` is then the dump file)."""

    path: str
    sha256: str
    format: Format
    encoding: str | None = None
    size: int = 0
    pages: list[Page] = field(default_factory=list)
    title: str | None = None
    url: str | None = None
    published: str | None = None
    row: int | None = None
    # Pages read by OCR (a scan, or a garbage text layer), with every line's box.
    ocr: list[OcrPage] = field(default_factory=list)


@dataclass
class MetaEvidence(Record):
    """Where each meta value was read: ``[start, end]`` in ``text``, or None (not
    read from the text: a crawl header, the file name, or not found)."""

    agency: list[int] | None = None
    year: list[int] | None = None
    published: list[int] | None = None


@dataclass
class Meta(Record):
    # The agency's canonical name (abbreviations spelt out, place completed), or None
    # when the report does not say it clearly enough (a wrong name is worse).
    agency: str | None = None
    year: int | None = None
    template: Template = "unknown"
    published: str | None = None
    # Where each value was read, so a reviewer can see why the pipeline believes it.
    evidence: MetaEvidence = field(default_factory=MetaEvidence)
    # The agency's name as printed where it was read (舒城县卫计委), where it was read
    # (title | page_title | header | labelled | signature | prose_title | file | body),
    # and the other names the report gives (all of them when ``agency`` is None).
    agency_printed: str | None = None
    agency_source: str | None = None
    agency_candidates: list[str] = field(default_factory=list)


@dataclass
class OffsetSpan(Record):
    """A run of ``text`` whose characters map one to one onto raw input characters.

    ``text[start:start+length]`` came from ``raw[raw_start:raw_start+length]`` after
    per-character normalisation; gaps between runs are characters that were removed.
    """

    start: int
    raw_start: int
    length: int


@dataclass
class Removal(Record):
    """A stretch of the raw input removed by cleaning (web furniture, spam)."""

    kind: str
    rule: str
    raw_start: int
    raw_end: int
    text: str


@dataclass
class Section(Record):
    id: str
    parent: str | None
    level: int
    title: str
    label: str
    start: int
    end: int
    confidence: float = 1.0
    method: str = "rule"
    title_end: int | None = None
    # A heading whose body the classifier reads as another label (kept for review).
    model_label: str | None = None


@dataclass
class Cell(Record):
    indicator: str | None
    row: str
    column: str | None
    # A number (float64 in Arrow; JSON keeps integers as printed); ``raw`` is its form.
    value: float | None
    raw: str
    unit: str | None
    start: int
    end: int
    # ok | empty ("/", "—", "无", blank) | unreadable | inferred (split chosen by arithmetic)
    status: str = "ok"


@dataclass
class Ambiguity(Record):
    """The admissible readings of a row whose digits ran together.

    ``cells`` are indexes into the table's ``cells``; each entry of ``splits`` gives
    their values in that order: every cut that fits the digits, the column types, the
    row's own relation and the exact prose. The table's other relations only choose
    what the cells show; checks judge every reading (nlp/stages/tables/readings.py).
    """

    cells: list[int]
    splits: list[list[float | None]]
    raw: str = ""
    # Evidence from other documents that chose what the cells show (the same
    # agency's neighbouring years: "R6, next year, <doc_id>"); never narrows
    # ``splits``.
    settled_by: list[str] = field(default_factory=list)


@dataclass
class Table(Record):
    id: str
    kind: TableKind
    start: int
    end: int
    cells: list[Cell] = field(default_factory=list)
    layout: str | None = None
    notes: list[str] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)


@dataclass
class Metric(Record):
    id: str
    start: int
    end: int
    text: str
    value: float
    low: float | None
    high: float | None
    qualifier: str | None
    unit: str | None
    subject: str | None
    indicator: str | None
    section: str | None
    # A figure stating the sum of several cells (予以公开及部分公开7件): their
    # indicator ids; ``indicator`` is then null and a check compares the sum.
    parts: list[str] = field(default_factory=list)


@dataclass
class Evidence(Record):
    ref: str
    start: int
    end: int
    value: float | None = None
    doc_id: str | None = None


@dataclass
class Check(Record):
    """One relation checked. ``left``/``right``/``expected`` are the numbers compared;
    a check of non-numeric things (a table layout, a section label) gives them as
    ``left_text``/``right_text``/``expected_text`` instead (one type per field)."""

    id: str
    kind: CheckKind
    rule: str
    verdict: Verdict
    left: float | None = None
    right: float | None = None
    expected: float | None = None
    evidence: list[Evidence] = field(default_factory=list)
    indicator: str | None = None
    message: str = ""
    left_text: str | None = None
    right_text: str | None = None
    expected_text: str | None = None


@dataclass
class Weakness(Record):
    id: str
    start: int
    end: int
    text: str
    category: str
    confidence: float
    improvement: str | None
    section: str | None
    improvement_start: int | None = None
    improvement_end: int | None = None
    method: str = "rule"


@dataclass
class ProcessingError(Record):
    """A problem met while processing a document: the stage, the catalogue code
    (``E105``), the message, and a short stable reason (``no_text``, ``skipped``)."""

    stage: str
    code: str
    message: str
    reason: str = ""


@dataclass
class ConfigVersion(Record):
    """A config file read by the pipeline and the ``version`` it declares."""

    name: str
    version: str | None = None


@dataclass
class ModelIdentity(Record):
    """A model a stage loaded: its folder, name, version, backend, training data hash."""

    stage: str
    path: str
    name: str | None = None
    version: str | None = None
    backend: str | None = None
    data_hash: str | None = None


@dataclass
class Override(Record):
    """A ``--set stages.STAGE.KEY=VALUE`` override; ``value`` is its JSON text."""

    stage: str
    key: str
    value: str


@dataclass
class Provenance(Record):
    """What produced a record: the pipeline version, its stages and corpus steps,
    every config file and model used, and the overrides given. Lists of named items
    rather than mappings, so every record has one fixed shape (one Arrow type)."""

    pipeline: str | None = None
    stages: list[str] = field(default_factory=list)
    corpus_steps: list[str] = field(default_factory=list)
    configs: list[ConfigVersion] = field(default_factory=list)
    models: list[ModelIdentity] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)


@dataclass
class Report(Record):
    doc_id: str
    source: Source
    text: str = ""
    schema_version: str = SCHEMA_VERSION
    meta: Meta = field(default_factory=Meta)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    weaknesses: list[Weakness] = field(default_factory=list)
    errors: list[ProcessingError] = field(default_factory=list)
    # Segmentation for search indexing: sentence and jieba token spans into ``text``.
    sentences: list[list[int]] = field(default_factory=list)
    tokens: list[list[int]] = field(default_factory=list)
    # Cleaning and the offset map back to the raw input.
    removals: list[Removal] = field(default_factory=list)
    offset_map: list[OffsetSpan] = field(default_factory=list)
    # None for a report the pipeline never ran on (an ingest failure).
    config: Provenance | None = None

    def add_error(self, stage: str, code: str, message: str, reason: str = "") -> None:
        self.errors.append(
            ProcessingError(stage=stage, code=code, message=message, reason=reason)
        )

    def raw_offset(self, offset: int) -> int | None:
        """The raw-input offset of ``text[offset]``, or None when it has no source."""
        import bisect

        starts = [span.start for span in self.offset_map]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return None
        span = self.offset_map[i]
        if offset < span.start + span.length:
            return span.raw_start + (offset - span.start)
        return None

    def section_at(self, offset: int) -> Section | None:
        """The deepest section containing ``offset``."""
        best = None
        for section in self.sections:
            inside = section.start <= offset < section.end
            if inside and (best is None or section.level >= best.level):
                best = section
        return best


def record_types() -> list[type]:
    """Every record class, for schema generation."""
    return [
        obj
        for obj in globals().values()
        if isinstance(obj, type) and issubclass(obj, Record) and obj is not Record
    ]


# Keep typing imports used by get_type_hints at runtime.
_ = typing
