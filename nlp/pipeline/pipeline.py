"""The pipeline: the ordered stages and corpus steps of ``configs/pipeline.yaml``.

``Pipeline.from_config`` resolves each name through the registry, validates the config
of each stage, checks the order (``analyze``: every field a stage needs is filled by an
earlier step) and initializes every stage. Calling the pipeline on a report runs its
document stages under an error handler (spaCy's ``Language.__call__``): a stage that
raises, or returns something other than a ``Report``, is recorded in ``errors`` with its
code, and every later stage that needs a field it fills is skipped, not run on defaults.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import LOADED_VERSIONS, MODELS_DIR, config_path, load_yaml
from ..config.schemas import validate
from ..errors import Errors, NlpError, PipelineError
from ..records import ConfigVersion, ModelIdentity, Override, Provenance, Report
from . import registry
from .registry import INGEST_FIELDS, Stage, covers

logger = logging.getLogger(__name__)


def _model_identity(stage: str, path: Path) -> ModelIdentity:
    """A shipped model's name, version, backend and training-data hash (meta.json)."""
    try:
        shown = path.resolve().relative_to(MODELS_DIR.resolve().parent).as_posix()
    except ValueError:
        shown = str(path)
    identity = ModelIdentity(stage=stage, path=shown)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return identity
    for key in ("name", "version", "backend", "data_hash"):
        if meta.get(key) is not None:
            setattr(identity, key, str(meta[key]))
    return identity


def apply_overrides(
    config: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of ``config`` with dotted keys set (``classifier.parent_prior``)."""
    result = copy.deepcopy(dict(config))
    for dotted, value in overrides.items():
        target = result
        *parents, last = dotted.split(".")
        for key in parents:
            if not isinstance(target.get(key), dict):
                raise PipelineError(
                    Errors.E018.format(
                        path="--set", detail=f"{dotted!r}: {key!r} is not a mapping"
                    )
                )
            target = target[key]
        if last not in target:
            raise PipelineError(
                Errors.E018.format(path="--set", detail=f"no key {dotted!r} to set")
            )
        target[last] = value
    return result


@dataclass
class StageTiming:
    seconds: float = 0.0
    calls: int = 0


@dataclass
class Pipeline:
    """Document stages in order, then the corpus steps over all records."""

    stages: list[Stage]
    corpus_steps: list[Any] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, StageTiming] = field(default_factory=dict)
    # Config values set on the command line (--set), recorded with every record.
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Record fields the caller throws away (``nlp.run --records slim``: tokens and
    # sentences). A stage that fills only such fields, and nothing later needs, is
    # not run (``unneeded``): its work would be discarded unread.
    discard: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        registry.analyze([s.spec for s in [*self.stages, *self.corpus_steps]])
        self._provenance: Provenance | None = None
        self.unneeded = self._unneeded()

    def _unneeded(self) -> frozenset[str]:
        """Names of the stages whose every field is discarded and read by no later
        stage or corpus step."""
        out = set()
        for i, stage in enumerate(self.stages):
            assigns = stage.spec.assigns
            if not assigns or not all(
                any(registry.covers(d, a) for d in self.discard) for a in assigns
            ):
                continue
            later = [s.spec for s in self.stages[i + 1 :]] + [
                s.spec for s in self.corpus_steps
            ]
            if not any(
                registry.covers(a, need) or registry.covers(need, a)
                for spec in later
                for need in spec.requires
                for a in assigns
            ):
                out.add(stage.name)
        return frozenset(out)

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        discard: Iterable[str] = (),
    ) -> Pipeline:
        """Build from a pipeline config; ``overrides`` maps a stage name (or the short
        name before ``.v``) to dotted config keys and values; ``discard`` names the
        record fields the caller will not keep (see ``Pipeline.discard``)."""
        path = config_path(path or "pipeline")
        config = load_yaml(path)
        overrides = dict(overrides or {})
        stages = [
            cls._build(entry, overrides, path) for entry in config.get("stages") or []
        ]
        steps = [
            cls._build(entry, overrides, path, kind="corpus")
            for entry in config.get("corpus") or []
        ]
        unused = set(overrides) - {
            key for s in [*stages, *steps] for key in (s.spec.name, _short(s.spec.name))
        }
        if unused:
            raise PipelineError(
                Errors.E018.format(path=path, detail=f"no stage named {sorted(unused)}")
            )
        pipeline = cls(
            stages=stages,
            corpus_steps=steps,
            config=config,
            discard=frozenset(discard),
        )
        pipeline.overrides = {k: dict(v) for k, v in overrides.items()}
        for step in [*stages, *steps]:
            step.initialize()
        return pipeline

    @staticmethod
    def _build(
        entry: Mapping[str, Any],
        overrides: Mapping[str, Mapping[str, Any]],
        path: Path,
        kind: str = "document",
    ) -> Any:
        name = entry["stage"] if kind == "document" else entry["step"]
        factory = registry.get(name)
        if factory.spec.kind != kind:
            raise PipelineError(
                Errors.E018.format(
                    path=path, detail=f"{name} is a {factory.spec.kind} step"
                )
            )
        settings = overrides.get(name) or overrides.get(_short(name)) or {}
        config_name = entry.get("config") or factory.spec.config
        config: Any = config_name
        if settings:
            if config_name is None:
                raise PipelineError(
                    Errors.E018.format(path=path, detail=f"{name} has no config to set")
                )
            config = apply_overrides(load_yaml(config_path(config_name)), settings)
            validate(f"{config_name}.yaml", config, f"{config_name}.yaml (with --set)")
        options = dict(entry.get("options") or {})
        if entry.get("model"):
            options["model"] = entry["model"]
        return factory(config, **options)

    # -------------------------------------------------------------- provenance
    def provenance(self) -> Provenance:
        """What produced a record: the pipeline, every config file and model used."""
        models = []
        for stage in self.stages:
            path = getattr(stage, "model_path", None)
            if path:
                models.append(_model_identity(stage.name, Path(path)))
        version = self.config.get("version")
        return Provenance(
            pipeline=None if version is None else str(version),
            stages=[stage.name for stage in self.stages],
            corpus_steps=[step.spec.name for step in self.corpus_steps],
            configs=[
                ConfigVersion(name, None if v is None else str(v))
                for name, v in sorted(LOADED_VERSIONS.items())
            ],
            models=models,
            overrides=[
                Override(stage, key, json.dumps(value, ensure_ascii=False))
                for stage, values in sorted(self.overrides.items())
                for key, value in sorted(values.items())
            ],
        )

    # -------------------------------------------------------------- running
    def __call__(
        self,
        report: Report,
        component_cfg: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Report:
        """Every stage over ``report``, in order. ``component_cfg`` gives a stage
        (by its short name, as spaCy's ``Language.__call__`` does) keyword arguments
        for this call: evidence from outside the document, such as the same agency's
        neighbouring years for ``resolve_splits``."""
        component_cfg = component_cfg or {}
        if self._provenance is None:
            self._provenance = self.provenance()
        report.config = copy.deepcopy(self._provenance)
        failed: dict[str, str] = {}  # field -> the stage whose failure left it unset
        for stage in self.stages:
            if stage.name in self.unneeded:
                continue
            missing = next(
                (
                    (need, failed[f])
                    for need in stage.spec.requires
                    for f in failed
                    if covers(f, need)
                ),
                None,
            )
            if missing:
                need, culprit = missing
                report.add_error(
                    stage.name,
                    "E012",
                    Errors.E012.format(stage=stage.name, failed=culprit, field=need),
                    reason="skipped",
                )
                failed.update((a, culprit) for a in stage.spec.assigns)
                continue
            start = time.perf_counter()
            try:
                result = stage(report, **component_cfg.get(_short(stage.name), {}))
                if not isinstance(result, Report):
                    raise PipelineError(
                        Errors.E016.format(stage=stage.name, kind=type(result).__name__)
                    )
                report = result
            except Exception as e:  # noqa: BLE001 - one stage must not lose the document
                logger.warning(
                    "stage %s failed on %s: %s", stage.name, report.doc_id, e
                )
                if isinstance(e, NlpError):
                    code, message, reason = e.code, str(e), e.reason or "failed"
                else:
                    code = "E017"
                    message = Errors.E017.format(
                        stage=stage.name, kind=type(e).__name__, detail=e
                    )
                    reason = type(e).__name__
                report.add_error(stage.name, code, message, reason=reason)
                failed.update((a, stage.name) for a in stage.spec.assigns)
            timing = self.timings.setdefault(stage.name, StageTiming())
            timing.seconds += time.perf_counter() - start
            timing.calls += 1
        return report

    def pipe(self, reports: Iterable[Report]) -> Iterable[Report]:
        for report in reports:
            yield self(report)

    def stage(self, name: str) -> Stage:
        for stage in [*self.stages, *self.corpus_steps]:
            if stage.spec.name == name or _short(stage.spec.name) == name:
                return stage
        raise KeyError(name)

    def run_corpus_steps(self, compacts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Every corpus step over the compact records, by step name."""
        return {step.spec.name: step(compacts) for step in self.corpus_steps}

    @property
    def provided(self) -> tuple[str, ...]:
        return INGEST_FIELDS


def _short(name: str) -> str:
    return name.rsplit(".v", 1)[0]


def load_pipeline(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Pipeline:
    """The pipeline of ``configs/pipeline.yaml`` (or ``path``), built and initialized."""
    return Pipeline.from_config(path, overrides)
