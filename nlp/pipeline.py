"""The pipeline: an ordered list of stages named in ``configs/pipeline.yaml``.

A stage is a small object with one job: it takes a ``Report``, fills the fields it owns
and returns it. Stages register themselves by name; the config file, not the code,
decides what runs and in which order.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import CONFIG_DIR, LOADED_VERSIONS, load_yaml
from .errors import Errors, PipelineError
from .records import Report

logger = logging.getLogger(__name__)

StageFactory = Callable[..., "Stage"]
_REGISTRY: dict[str, StageFactory] = {}

# Modules that define stages; importing them fills the registry.
STAGE_MODULES = (
    "nlp.clean",
    "nlp.meta",
    "nlp.segment",
    "nlp.sections",
    "nlp.tables",
    "nlp.metrics",
    "nlp.checks",
    "nlp.weaknesses",
)


class Stage:
    """Base class: ``needs`` and ``fills`` name the ``Report`` fields read and written."""

    name: str = ""
    needs: tuple[str, ...] = ()
    fills: tuple[str, ...] = ()

    def __call__(self, report: Report) -> Report:  # pragma: no cover - interface
        raise NotImplementedError


def register_stage(name: str) -> Callable[[StageFactory], StageFactory]:
    """Class decorator: make a stage available to pipeline configs under ``name``."""

    def decorate(factory: StageFactory) -> StageFactory:
        _REGISTRY[name] = factory
        if isinstance(factory, type):
            factory.name = name
        return factory

    return decorate


def registered_stages() -> dict[str, StageFactory]:
    _import_stage_modules()
    return dict(_REGISTRY)


def _import_stage_modules() -> None:
    for module in STAGE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise


def _model_identity(path: Path) -> dict[str, Any]:
    """A shipped model's name, version, backend and training-data hash (meta.json)."""
    import json

    try:
        shown = path.resolve().relative_to(CONFIG_DIR.parent).as_posix()
    except ValueError:
        shown = str(path)
    identity: dict[str, Any] = {"path": shown}
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return identity
    for key in ("name", "version", "backend", "data_hash"):
        if key in meta:
            identity[key] = meta[key]
    return identity


@dataclass
class StageTiming:
    seconds: float = 0.0
    calls: int = 0


@dataclass
class Pipeline:
    """Runs stages in order; one failing stage records an error and the rest go on."""

    stages: list[Stage]
    config: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, StageTiming] = field(default_factory=dict)

    @classmethod
    def from_config(
        cls, path: str | Path | None = None, overrides: dict[str, Any] | None = None
    ) -> Pipeline:
        path = Path(path) if path else CONFIG_DIR / "pipeline.yaml"
        config = load_yaml(path)
        stages_spec = config.get("stages")
        if not isinstance(stages_spec, list) or not stages_spec:
            raise PipelineError(Errors.E010.format(path=path))
        registry = registered_stages()
        stages: list[Stage] = []
        for spec in stages_spec:
            if isinstance(spec, str):
                spec = {"stage": spec}
            name = spec.get("stage")
            if name not in registry:
                raise PipelineError(
                    Errors.E011.format(name=name, path=path, known=sorted(registry))
                )
            options = dict(spec.get("options") or {})
            options.update((overrides or {}).get(name, {}))
            stages.append(registry[name](**options))
        return cls(stages=stages, config=config)

    def provenance(self) -> dict[str, Any]:
        """What produced a record: the pipeline, every config file and model used."""
        models = {}
        for stage in self.stages:
            path = getattr(stage, "model_path", None)
            if path:
                models[stage.name] = _model_identity(Path(path))
        return {
            "pipeline": self.config.get("version"),
            "stages": [stage.name for stage in self.stages],
            "configs": dict(sorted(LOADED_VERSIONS.items())),
            "models": models,
        }

    def __call__(self, report: Report) -> Report:
        if not hasattr(self, "_provenance"):
            self._provenance = self.provenance()
        report.config = {**self._provenance, **report.config}
        failed: set[str] = set()
        for stage in self.stages:
            if any(need in failed for need in stage.needs):
                report.add_error(
                    stage.name, "skipped", Errors.E012.format(stage=stage.name)
                )
                failed.update(stage.fills)
                continue
            start = time.perf_counter()
            try:
                report = stage(report)
            except Exception as e:  # one stage's failure must not lose the document
                logger.exception("stage %s failed on %s", stage.name, report.doc_id)
                report.add_error(stage.name, type(e).__name__, f"{e}")
                failed.update(stage.fills)
            timing = self.timings.setdefault(stage.name, StageTiming())
            timing.seconds += time.perf_counter() - start
            timing.calls += 1
        return report

    def pipe(self, reports: Iterable[Report]) -> Iterable[Report]:
        for report in reports:
            yield self(report)

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)
