"""Saving and loading shipped models: ``meta.json`` beside the weights, safe loading.

A model folder holds ``meta.json`` (backend, labels, params, training data hash,
metrics, version) and the backend's files. scikit-learn pipelines are stored with
skops, never pickle, and loaded only when every type in the file is one a model of
ours may contain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED

from ..errors import Errors, ModelError

MODEL_FILE = "model.skops"
META_FILE = "meta.json"
# Type-name prefixes a shipped scikit-learn model may contain.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


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


def dump_skops(obj: Any, path: Path) -> None:
    import skops.io as sio

    sio.dump(obj, Path(path) / MODEL_FILE, compression=ZIP_DEFLATED, compresslevel=9)


def load_skops(path: Path, task: str = "<task>") -> Any:
    """The object in ``path/model.skops``, refusing types outside TRUSTED_PREFIXES."""
    import skops.io as sio

    model_file = Path(path) / MODEL_FILE
    if not model_file.is_file():
        raise ModelError(Errors.E200.format(path=model_file, task=task))
    try:
        untrusted = sio.get_untrusted_types(file=model_file)
        unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if unexpected:
            raise ModelError(
                Errors.E201.format(
                    path=model_file, detail=f"unexpected types {unexpected}", task=task
                )
            )
        return sio.load(model_file, trusted=untrusted)
    except ModelError:
        raise
    except Exception as e:  # a corrupt or foreign file
        raise ModelError(
            Errors.E201.format(path=model_file, detail=e, task=task)
        ) from e


def json_ready(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
