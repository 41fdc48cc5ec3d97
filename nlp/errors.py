"""One catalogue of error messages (after spaCy's ``Errors``).

Each message says what was wrong, with which input, and what to do about it. Reading
``Errors.E104`` gives the message with its code in front ("[E104] ..."), so a code is
never separated from its text; ``NlpError.code`` carries it into a record's ``errors``.
"""

from __future__ import annotations

import re


class ErrorsWithCodes(type):
    """Metaclass: ``Errors.E001`` is the message prefixed with ``[E001]``."""

    def __getattribute__(cls, code: str) -> str:
        message = super().__getattribute__(code)
        if code.startswith("__") or not isinstance(message, str):
            return message
        return f"[{code}] {message}"


class Errors(metaclass=ErrorsWithCodes):
    # configuration
    E001 = (
        "Config file {path} not found. Run from the repository root or pass --config."
    )
    E002 = "Config file {path} is not valid YAML: {detail}"
    E003 = "Config file {path}, key {key}: {detail}. Fix the file."
    E010 = (
        "Pipeline config {path} has no 'stages' list. List the stages to run in order."
    )
    E011 = "Unknown stage {name!r}. Registered stages: {known}."
    E012 = (
        "Stage {stage} skipped: {failed} failed on this document and it needs {field}."
    )
    E013 = (
        "Stage {stage} needs {field!r}, which no earlier step fills (earlier: {earlier})."
        " Reorder configs/pipeline.yaml or add the stage that fills it."
    )
    E014 = "Stage {stage} used before initialize(). Call stage.initialize() first."
    E015 = (
        "Two stages registered under one name {name!r}: a name never changes meaning."
    )
    E016 = "Stage {stage} returned {kind}, not the Report it was given."
    E017 = "Stage {stage} failed: {kind}: {detail}"
    E018 = "Pipeline config {path}: {detail}."
    # ingest
    E100 = "{path}: file is empty. Nothing to read."
    E101 = "{path}: unknown extension {ext!r}. Supported: {supported}."
    E102 = "{path}: cannot decode the text: {detail}. Convert it to UTF-8 or GB18030."
    E103 = "{path}: looks like binary data, not text ({detail}). Check the file."
    E104 = (
        "{path}: cannot read the PDF: {detail}. The file may be truncated or encrypted."
    )
    E105 = "{path}: the PDF has no text layer (scanned?). OCR it before processing."
    E106 = "{path}: cannot read the DOCX: {detail}. Save it again as .docx."
    E107 = "{path}: cannot parse the HTML: {detail}."
    E108 = "{path}: no report text left after cleaning. Check that this is a report."
    E109 = "{path}: cannot read the file: {detail}."
    # OCR of scanned PDFs (nlp/io/ocr, issue 18)
    E160 = (
        "{path}: the PDF has no usable text layer (scanned?) and OCR is not installed. "
        "Install the ocr extra: pip install -e .[ocr]"
    )
    E161 = (
        "{path}: the PDF has no usable text layer (scanned?) and OCR is off "
        "(NLP_OCR={value!r}). Unset NLP_OCR to read it by OCR."
    )
    E162 = (
        "{path}: OCR found no recognisable text on any of its {pages} page(s) (blank "
        "or noise-only scan?). Check the file; nothing was read."
    )
    E163 = "{path}: cannot render page {page} for OCR: {detail}."
    E164 = "OCR engine {name!r} cannot be loaded: {detail}. Install the ocr extra."
    E165 = "Unknown OCR engine {name!r}. Known: {known}."
    E166 = "{path}: OCR of page {page} failed: {detail}."
    # robust runs (nlp.run): limits, ids, skipped files, crawl dumps, run state
    E110 = (
        "{path}: {size} bytes, over the limit of {limit} bytes. Raise it with "
        "--max-bytes if this is really one report."
    )
    E111 = (
        "{path}: DOCX part {part!r} unpacks to more than {limit} bytes (zip bomb?). "
        "Raise --max-part-bytes if the file is genuine."
    )
    E112 = (
        "{path}: {chars} characters of text, over the limit of {limit}. Split the "
        "file or raise --max-chars."
    )
    E113 = (
        "{path}: HTML elements nested {depth} deep, over the limit of {limit}. "
        "Simplify the page or raise --max-html-depth."
    )
    E114 = (
        "{path}: processing took longer than {limit:g} s and was stopped. Raise "
        "--timeout if the document is genuine."
    )
    E115 = (
        "{path}: the bytes do not read as Chinese report text in any encoding tried "
        "({tried}). Convert the file to UTF-8."
    )
    E116 = (
        "{path}: the worker process died while processing it ({detail}). The "
        "document may exhaust memory; check it on its own."
    )
    E117 = "{path}: reading failed unexpectedly: {kind}: {detail}."
    E118 = "{path}: skipped: {reason}."
    E119 = "{path}: cannot read the crawl dump: {detail}."
    E120 = (
        "{path} row {row}: no report text (columns tried: {columns}). Fill the text "
        "or HTML column, or name it with --text-column/--html-column."
    )
    E121 = "{path} row {row}: not a JSON object ({detail})."
    E122 = (
        "{path}: no text or HTML column among {columns}. Name one with --text-column "
        "or --html-column."
    )
    E123 = "{path}: column {column!r} given with {flag} is not in the dump ({columns})."
    E124 = (
        "Corpus {path} holds no files to read{detail}. Point nlp.run at a folder of "
        "reports or crawl dumps."
    )
    E125 = (
        "Output folder {path} exists and is not a run folder (no summary.json, "
        "corpus.jsonl or docs/). Choose another --out; nothing was written."
    )
    E126 = "Cannot resume: {detail}. Run without --resume to start afresh."
    E127 = "The run could not complete: {kind}: {detail}."
    E128 = (
        "Run interrupted: {done} of {total} documents done. The previous output in "
        "{out} is untouched; continue with --resume (partial run in {staging})."
    )
    E129 = (
        "Dump {path} has no row {row} any more: it changed during the run, so the row "
        "was not read again with its neighbouring years."
    )
    E130 = (
        "Read again with its neighbouring years, the report failed ({detail}); its "
        "first reading is kept."
    )
    # models
    E200 = "Model {path} is missing. Train it with `python -m nlp.train {task} --out {path}`."
    E201 = "Model {path} is incompatible: {detail}. Retrain it with `python -m nlp.train {task}`."
    E202 = (
        "{name} is not fitted yet. Call fit() or load a trained model with from_disk()."
    )
    # command line
    E300 = "Corpus path {path} does not exist."
    E301 = "Gold directory {path} has no *.gold.json files."
    E302 = "Source report {name} for gold file {gold} not found in {where}."
    # tables (indicator config, table parsing, sum and template checks)
    E400 = (
        "Indicator config {path}: unknown key {key!r} in {where}. Allowed: {allowed}."
    )
    E401 = "Indicator config {path}: duplicate {what} {id!r} in {where}. Ids must be unique."
    E402 = "Indicator config {path}: {where} refers to unknown {what} {id!r}. Define it first."
    E403 = "Indicator config {path}: {where} is invalid: {detail}. Fix the file."
    E410 = (
        "Table {table}: row {row!r} has {found} values where {expected} were expected."
    )
    E411 = "Table {table}: digits {digits!r} of row {row!r} split in several ways; cells kept unreadable."
    E412 = "Table {table}: digits {digits!r} of row {row!r} cannot make {n} cells; cells kept unreadable."
    E413 = "Table {table}: no split of the digits {digits!r} of row {row!r} into {n} cells keeps the row's own relation; its {k} cut(s) that fit the digits and the column types are kept as its readings, and the relation's check judges them."
    # metrics (figures in prose, indicator mapping, text-table checks)
    E500 = "Metrics config is invalid: {detail}. Fix configs/metrics.yaml."
    E501 = "Metrics config: pattern at {where} is not a valid regex: {detail}."
    E502 = "Metrics config: rule at {where} is malformed ({detail}). Fix the rule."
    # sections (segmentation and labelling)
    E600 = "Section config {path} is invalid: {detail}. Fix the file; see its comments."
    E601 = (
        "Section config {path} uses label {label!r}, which is not in its `labels` list."
    )
    E602 = "Cannot train the section classifier: {detail}."
    E603 = "Unknown section classifier backend {backend!r}. Use 'sklearn' or 'spacy'."
    E604 = "jieba user dictionary {path} not found. Restore configs/jieba_dict.txt."
    E605 = "Word segmenter {name!r} cannot be loaded: {detail}."
    # weaknesses (problem statements, categories, recurrence)
    E700 = "Weakness config configs/weaknesses.yaml is invalid: {detail}. Fix the file."
    E701 = "Weakness config: pattern {key!r} is not a valid regex: {detail}."
    E702 = "Weakness config: cue list of {label!r} names no category of `categories`."
    E703 = (
        "Weakness model {path} has labels {found} that are not categories of the config "
        "({expected}). Retrain it with `python -m nlp.train weaknesses --out {path}`."
    )
    E704 = "Cannot train the weakness classifier: {detail}."
    E705 = "Weakness model {path} is missing. Train it: `python -m nlp.train weaknesses --out {path}`."
    # search index (nlp.search, nlp.index)
    E800 = "Search config {path} is invalid: {detail}. Fix the file; see its comments."
    E801 = (
        "No records under {path}: expected OUT/corpus.jsonl or OUT/docs/*.json written by "
        "`python -m nlp.run CORPUS --out OUT`."
    )
    E802 = (
        "{path} line {line}: not a JSON record ({detail}). Re-run `python -m nlp.run`."
    )
    E803 = "{path}: a record has no doc_id. Re-run `python -m nlp.run`."
    E804 = (
        "This Python's sqlite3 has no FTS5 ({detail}). Use a Python built with SQLite 3.9+ "
        "and FTS5 (the python.org and distribution builds have it)."
    )
    E805 = "Search index {path} not found. Build it with `python -m nlp.index OUT --db {path}`."
    E806 = (
        "Search index {path} was built with other analysis settings ({detail}). Rebuild it: "
        "`python -m nlp.index OUT --db {path} --rebuild`."
    )
    E807 = "Search index {path} has schema version {found}; this code reads {expected}. Rebuild it."
    E808 = "Query {query!r} has only excluded terms. Add a term to search for, or use filters."
    E809 = "Year range {value!r} is invalid. Use YEAR or FROM-TO, e.g. 2017-2019."
    E810 = (
        "The Elasticsearch client is not installed. Install the search extra: "
        "pip install -e .[search]"
    )
    E811 = "Cannot reach {url}: {detail}."
    E812 = "Bulk push to {url} failed for {n} documents; first error: {detail}."
    E813 = "Document {id}: field {field!r} is {problem}. Update configs/search/fields.yaml."
    # Arrow schema, tidy tables, the Spark runner (nlp.io.arrow, nlp.io.tables, nlp.spark)
    E900 = (
        "Record field type {hint!r} has no single Arrow type. Give the field one type "
        "in nlp/records.py (a number, a string, a record or a list of one of them)."
    )
    E901 = "No records at {path}: expected corpus.jsonl written by `python -m nlp.run`."
    E902 = (
        "{path} line {line}: not a JSON record ({detail}). Re-run `python -m nlp.run`."
    )
    E903 = (
        "PySpark is not installed. Install the spark extra (pip install -e .[spark]) "
        "and Java 17 (Debian: apt-get install openjdk-17-jre-headless)."
    )
    E904 = "Spark input {path} matched no files or rows. Check the path or glob."
    E905 = "Spark job failed: {detail}."


_CODE = re.compile(r"^\[(E\d{3})\]")


class NlpError(Exception):
    """Base class of the errors this package raises on purpose; ``code`` is the
    catalogue code its message starts with."""

    @property
    def code(self) -> str:
        match = _CODE.match(str(self))
        return match.group(1) if match else "E000"

    # A short stable name of what went wrong (``ingest/undecodable``), when known.
    reason: str = ""


class ConfigError(NlpError):
    pass


class PipelineError(NlpError):
    pass


class IngestError(NlpError):
    """A document that cannot be read; code and reason go into the record's
    ``errors``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class ModelError(NlpError):
    pass


class NotFittedError(NlpError, ValueError):
    pass


class SearchError(NlpError):
    """A search index or query that cannot be used as asked."""
