"""The loading checks (tests/compat/loading.py) at the oldest versions of datasets,
pyarrow and pandas that pyproject allows, in a separate venv made by .ci/run.

Skipped unless ``NLP_COMPAT_PYTHON`` names that venv's python; the versions it must
hold are checked too, so a venv that drifted to newer versions fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

PYTHON = os.environ.get("NLP_COMPAT_PYTHON")
# The lower bounds of pyproject.toml (datasets, pyarrow; pandas of the dev extra).
OLDEST = {"datasets": "3.6.0", "pyarrow": "18.0.0", "pandas": "2.2.2"}

pytestmark = pytest.mark.skipif(
    not PYTHON, reason="NLP_COMPAT_PYTHON (the oldest-versions venv) not set"
)


def test_the_output_loads_at_the_oldest_versions(tmp_path: Path):
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "nlp.run", str(SAMPLE), "--out", str(out)]
        + ["--no-progress"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    cache = tmp_path / "cache"
    cache.mkdir()
    done = subprocess.run(
        [PYTHON, str(Path(__file__).parent / "loading.py"), str(out), str(cache)],
        cwd=tmp_path,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["versions"] == OLDEST
    assert found["rows"] == 43
