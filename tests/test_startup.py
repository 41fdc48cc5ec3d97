"""Start-up: building the pipeline imports nothing heavy that no stage needs.

Times are ``nlp.bench``'s; here, which modules a fresh process has imported once the
pipeline is built, with and without the optional extras installed (stand-ins for
torch, transformers and pyspark that only record being imported).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Loaded by a stage only for the documents that need them (a reader per format,
# opencc for traditional characters, cn2an for the first pure Chinese numeral), or
# never at run time (jieba is the
# reference segmenter, datasketch and spacy are gone from the run-time path).
NOT_AT_STARTUP = (
    "sklearn",
    "skops",
    "jieba",
    "datasketch",
    "spacy",
    "lxml",
    "docx",
    "pypdfium2",
    "pdfplumber",
    "opencc",
    "cn2an",
)
EXTRAS = ("torch", "transformers", "pyspark")

_BUILD = (
    "import json, sys;"
    "from nlp.pipeline.corpus import Processor; Processor().load();"
    "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
)


def _modules_after_build(extra_path: str | None = None) -> set[str]:
    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (extra_path, env.get("PYTHONPATH")) if p
        )
    out = subprocess.run(
        [sys.executable, "-c", _BUILD],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_nothing_heavy_is_imported_before_the_first_document():
    loaded = _modules_after_build()
    assert sorted(loaded & set(NOT_AT_STARTUP)) == []


def test_optional_extras_are_not_imported_when_installed(tmp_path):
    # scikit-learn's array-API support imported torch when installed; the shipped
    # models now load without scikit-learn and skops (issue 13).
    for name in EXTRAS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("__version__ = '0'\n", "utf-8")
    loaded = _modules_after_build(str(tmp_path))
    assert sorted(loaded & set(EXTRAS)) == []
