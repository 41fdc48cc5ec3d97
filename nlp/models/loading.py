"""Loading a shipped model folder, whatever backend trained it: what stages call.

Importing this module imports neither scikit-learn nor skops: a model trained with
the ``sklearn`` backend is applied by ``linear.LinearTextModel`` (numpy only); the
spaCy and transformers backends import their libraries only when loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Errors, ModelError
from .linear import LinearTextModel
from .neural import SpacyTextClassifier, TransformersTextClassifier
from .persistence import read_meta

BACKENDS = {
    "sklearn": LinearTextModel,
    "spacy": SpacyTextClassifier,
    "transformers": TransformersTextClassifier,
}


def load_model(path: str | Path, task: str = "<task>") -> Any:
    """The classifier saved in ``path``; its backend is read from meta.json."""
    meta = read_meta(Path(path), task)
    backend = meta.get("backend", "sklearn")
    if backend not in BACKENDS:
        raise ModelError(Errors.E603.format(backend=backend))
    if backend == "sklearn":
        return LinearTextModel.from_disk(path, task)
    return BACKENDS[backend].from_disk(path)
