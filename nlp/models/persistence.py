"""Saving and loading shipped models: ``meta.json`` beside the weights.

A model folder holds ``meta.json`` (backend, format, labels, params, training data
hash, metrics, version) and the backend's files. No pickle anywhere: the default
backend's weights are numpy arrays and a JSON vocabulary (``linear.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import Errors, ModelError

META_FILE = "meta.json"


def read_meta(path: Path, task: str = "<task>") -> dict[str, Any]:
    meta_file = Path(path) / META_FILE
    if not meta_file.is_file():
        raise ModelError(Errors.E200.format(path=path, task=task))
    try:
        return json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(Errors.E201.format(path=meta_file, detail=e, task=task)) from e


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    (Path(path) / META_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def json_ready(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
