"""One catalogue of error messages (after spaCy's ``Errors``).

Each message says what was wrong, with which input, and what to do about it.
"""

from __future__ import annotations


class Errors:
    # configuration
    E001 = "Config file {path} not found. Run from the repository root or pass --config."
    E002 = "Config file {path} is not valid YAML: {detail}"
    E003 = "Config file {path} is invalid: {detail}. Fix the file; see configs/README.md."
    E010 = "Pipeline config {path} has no 'stages' list. List the stages to run in order."
    E011 = "Pipeline config {path} names unknown stage {name!r}. Known stages: {known}."
    E012 = "Stage {stage} skipped: a stage it needs failed on this document."
    # ingest
    E100 = "{path}: file is empty. Nothing to read."
    E101 = "{path}: unknown extension {ext!r}. Supported: {supported}."
    E102 = "{path}: cannot decode the text: {detail}. Convert it to UTF-8 or GB18030."
    E103 = "{path}: looks like binary data, not text ({detail}). Check the file."
    E104 = "{path}: cannot read the PDF: {detail}. The file may be truncated or encrypted."
    E105 = "{path}: the PDF has no text layer (scanned?). OCR it before processing."
    E106 = "{path}: cannot read the DOCX: {detail}. Save it again as .docx."
    E107 = "{path}: cannot parse the HTML: {detail}."
    E108 = "{path}: no report text left after cleaning. Check that this is a report."
    E109 = "{path}: cannot read the file: {detail}."
    # models
    E200 = "Model {path} is missing. Train it with `python -m nlp.train {task} --out {path}`."
    E201 = "Model {path} is incompatible: {detail}. Retrain it with `python -m nlp.train {task}`."
    E202 = "{name} is not fitted yet. Call fit() or load a trained model with from_disk()."
    # command line
    E300 = "Corpus path {path} does not exist."
    E301 = "Gold directory {path} has no *.gold.json files."
    E302 = "Source report {name} for gold file {gold} not found in {where}."


class NlpError(Exception):
    """Base class of the errors this package raises on purpose."""


class ConfigError(NlpError):
    pass


class PipelineError(NlpError):
    pass


class IngestError(NlpError):
    """A document that cannot be read; ``code`` goes into the record's ``errors``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class ModelError(NlpError):
    pass


class NotFittedError(NlpError, ValueError):
    pass
