"""The stage registry, the pipeline and the corpus runner."""

from .pipeline import Pipeline, load_pipeline
from .registry import Stage, StageSpec, analyze, corpus_step, create, stage

__all__ = [
    "Pipeline",
    "Stage",
    "StageSpec",
    "analyze",
    "corpus_step",
    "create",
    "load_pipeline",
    "stage",
]
