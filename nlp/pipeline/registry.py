"""The stage registry: every stage under a versioned name, with what it needs and fills.

A stage class is registered with ``@stage("metrics.v1", requires=..., assigns=...)``
(spaCy's ``@Language.factory`` with ``assigns``/``requires``). A name never changes
meaning: a stage whose output changes meaning gets a new version. ``requires`` and
``assigns`` are field paths of the ``Report`` (``text``, ``meta.template``,
``sections.label``, ``tables``); ``analyze`` checks a pipeline's order with them and the
contract test (``nlp.pipeline.checks``) that every stage keeps to them. A stage assigns a
sub-field (``sections.label``) only where it alone fills it inside a container another
stage made; a stage that needs it must then name the sub-field, and is refused when no
earlier step fills it.

The stage modules are listed once, in ``populate_registry``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self, runtime_checkable

from ..config import load_config
from ..errors import Errors, PipelineError

# What a reader puts into a fresh Report, before any stage has run.
INGEST_FIELDS = ("doc_id", "source", "text")
# Fields every stage may touch: its own entries of ``errors`` and the provenance.
ALWAYS_ALLOWED = ("errors", "config")

# The modules whose import registers the stages and corpus steps, in pipeline order.
STAGE_MODULES = (
    "nlp.stages.normalize",
    "nlp.stages.meta",
    "nlp.stages.segment",
    "nlp.stages.label_sections",
    "nlp.stages.tables",
    "nlp.stages.metrics",
    "nlp.stages.checks",
    "nlp.stages.weaknesses",
    "nlp.corpus_steps",
)


@dataclass(frozen=True)
class StageSpec:
    name: str  # "weaknesses.v1": never changes meaning
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    config: str | None = None  # default config file: configs/<config>.yaml
    scorer: str | None = None  # the task nlp.evaluation scores it by
    kind: Literal["document", "corpus"] = "document"


class Stage:
    """Base of document stages: store settings in ``__init__``, load in ``initialize``.

    ``config`` is a config file's content (a mapping) or name; None takes the stage's
    default file. ``initialize`` compiles patterns and loads models and dictionaries
    (the scikit-learn rule: a constructor only stores its parameters).
    """

    spec: ClassVar[StageSpec]

    def __init__(
        self, config: Mapping[str, Any] | str | None = None, model: str | None = None
    ):
        self.config = config
        self.model_name = model
        self.initialized = False

    @property
    def name(self) -> str:
        return self.spec.name

    def settings(self) -> dict[str, Any]:
        """The config mapping this stage runs with (validated when loaded from file)."""
        if isinstance(self.config, Mapping):
            return dict(self.config)
        name = self.config or self.spec.config
        if name is None:
            return {}
        return load_config(name)

    def initialize(self) -> Self:
        """Load what the stage needs (patterns, models, dictionaries); returns self."""
        self.setup(self.settings())
        self.initialized = True
        return self

    def setup(self, settings: dict[str, Any]) -> None:
        """Subclasses compile and load here."""

    def _require_initialized(self) -> None:
        if not self.initialized:
            raise PipelineError(Errors.E014.format(stage=self.spec.name))

    def __call__(self, report: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


@runtime_checkable
class CorpusStep(Protocol):
    """A step over the whole corpus (compact records in, findings out)."""

    spec: ClassVar[StageSpec]

    def initialize(self) -> Self: ...

    def __call__(self, compacts: Sequence[dict[str, Any]]) -> Any: ...


_REGISTRY: dict[str, type] = {}


def _register(spec: StageSpec) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        if spec.name in _REGISTRY and _REGISTRY[spec.name] is not cls:
            raise PipelineError(Errors.E015.format(name=spec.name))
        cls.spec = spec
        _REGISTRY[spec.name] = cls
        return cls

    return decorate


def stage(
    name: str,
    *,
    requires: Iterable[str] = (),
    assigns: Iterable[str] = (),
    config: str | None = None,
    scorer: str | None = None,
) -> Callable[[type], type]:
    """Class decorator: register a document stage under a versioned name."""
    return _register(
        StageSpec(name, tuple(requires), tuple(assigns), config, scorer, "document")
    )


def corpus_step(
    name: str,
    *,
    requires: Iterable[str] = (),
    assigns: Iterable[str] = (),
    config: str | None = None,
) -> Callable[[type], type]:
    """Class decorator: register a corpus-wide step (cross-year checks, recurrence)."""
    return _register(
        StageSpec(name, tuple(requires), tuple(assigns), config, None, "corpus")
    )


def populate_registry() -> dict[str, type]:
    """Import every stage module once; the registry by name."""
    for module in STAGE_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


def registered(kind: str | None = None) -> dict[str, type]:
    return {
        name: cls
        for name, cls in populate_registry().items()
        if kind is None or cls.spec.kind == kind
    }


def get(name: str) -> type:
    registry = populate_registry()
    if name not in registry:
        raise PipelineError(Errors.E011.format(name=name, known=sorted(registry)))
    return registry[name]


def create(name: str, **settings: Any) -> Any:
    """A registered stage built and initialized (``create("meta.v1")``)."""
    return get(name)(**settings).initialize()


# ------------------------------------------------------------------ field coverage
def covers(declared: str, path: str) -> bool:
    """``declared`` names ``path`` or a field containing it (meta covers meta.year)."""
    return path == declared or path.startswith(declared + ".")


def owned_subfields(specs: Iterable[StageSpec]) -> frozenset[str]:
    """Sub-fields some stage assigns on their own (sections.label): a stage that
    declares only the container (sections) does not read or fill those."""
    return frozenset(a for spec in specs for a in spec.assigns if "." in a)


def allowed(path: str, declared: Iterable[str], owned: frozenset[str]) -> bool:
    """Whether touching ``path`` is within ``declared`` given the ``owned`` sub-fields.

    The most specific owned sub-field covering ``path`` must itself be declared (or
    a field inside it); otherwise any declared field covering ``path`` will do, and a
    container of a declared field may be walked (reading ``sections`` to reach
    ``sections.label``).
    """
    declared = tuple(declared)
    if any(d.startswith(path + ".") for d in declared):
        return True  # a container walked on the way to a declared field
    owners = [s for s in owned if covers(s, path)]
    floor = max(map(len, owners), default=0)
    return any(covers(d, path) and len(d) >= floor for d in declared)


def analyze(
    specs: Sequence[StageSpec], provided: Iterable[str] = INGEST_FIELDS
) -> None:
    """Refuse an order in which a stage needs a field no earlier step fills (E013)."""
    specs = list(specs)
    # A sub-field some registered stage fills alone stays distinct even when that
    # stage is missing from this pipeline (that is the mistake to catch).
    owned = owned_subfields([*specs, *(c.spec for c in registered().values())])
    assigned: list[tuple[str, str]] = [(f, "ingest") for f in provided]
    for spec in specs:
        for need in spec.requires:
            if not any(allowed(need, [a], owned) for a, _ in assigned):
                raise PipelineError(
                    Errors.E013.format(
                        stage=spec.name,
                        field=need,
                        earlier=[name for _, name in assigned if name != "ingest"]
                        or ["(none)"],
                    )
                )
        assigned.extend((a, spec.name) for a in spec.assigns)
