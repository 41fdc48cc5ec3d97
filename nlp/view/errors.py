"""Error messages of the site builder (codes E9xx, after ``nlp.errors.Errors``).

Kept beside the builder while the stages' catalogue is being changed by others; the
codes are reserved for the view and can move into ``nlp/errors.py`` unchanged.
"""

from __future__ import annotations

from ..errors import ErrorsWithCodes, NlpError


class ViewErrors(metaclass=ErrorsWithCodes):
    E900 = "Run folder {path} not found. Pass the --out folder of `python -m nlp.run`."
    E901 = (
        "Run folder {path} holds no records (no docs/*.json, no corpus.jsonl). "
        "Run `python -m nlp.run CORPUS --out {path}` first."
    )
    E902 = "{path}: cannot read the record: {detail}. Re-run `python -m nlp.run`."
    E903 = "{path}: {detail}. Re-run `python -m nlp.run`."
    E904 = "Site folder {path} is the run folder or inside docs/. Pick another --site."
    E905 = (
        "Cannot start the browser for screenshots: {detail}. Install Debian's "
        "`chromium` and `chromium-driver` (or set NLP_CHROMIUM / NLP_CHROMEDRIVER)."
    )
    E906 = "Screenshots need selenium: pip install -e '.[dev]' ({detail})."


class ViewError(NlpError):
    """A run folder the site cannot be built from, or a browser that will not start."""
