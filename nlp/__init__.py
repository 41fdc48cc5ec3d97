"""Reads Chinese government information-disclosure annual reports into JSON records.

``load_pipeline()`` builds the pipeline of ``configs/pipeline.yaml``; calling it on a
``Report`` (``nlp.io.readers.load_report``) runs every document stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from .pipeline.pipeline import Pipeline


def load_pipeline(path: Any = None, overrides: Any = None) -> Pipeline:
    """The pipeline of ``configs/pipeline.yaml`` (or ``path``), built and initialized."""
    from .pipeline.pipeline import Pipeline

    return Pipeline.from_config(path, overrides)


__all__ = ["__version__", "load_pipeline"]
