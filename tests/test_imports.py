"""The package's import graph: no cycle, and the layers point one way.

The graph is read from the source with ``ast`` (every ``import`` and ``from … import``
of an ``nlp`` module, relative ones resolved, ``if TYPE_CHECKING:`` blocks left out).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "nlp"
# Command-line shims kept so ``python -m nlp.run`` and the others still work.
SHIMS = {
    "nlp.run",
    "nlp.evaluate",
    "nlp.train",
    "nlp.bench",
    "nlp.bench_search",
    "nlp.fuzz",
    "nlp.index",
    "nlp.schema",
    "nlp.tables",
    "nlp.spark.__main__",
    "nlp.__main__",
    "nlp.search.__main__",
    "nlp.view.__main__",
    "nlp.evaluation.layouts.__main__",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of nlp modules."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    inner: set[str] = set()

    def resolve(module: str | None, level: int, names: list[str]) -> list[str]:
        if level:
            base = package.split(".")
            base = base[: len(base) - level + 1]
            module = ".".join(base + ([module] if module else []))
        if module is None:
            return []
        found = []
        for item in names:
            candidate = f"{module}.{item}"
            found.append(candidate if candidate in modules else module)
        return found

    def visit(node: ast.AST, inside_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            nested = inside_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef)
            )
            target = inner if nested else top
            if isinstance(child, ast.Import):
                target.update(a.name for a in child.names if a.name.startswith("nlp"))
            elif isinstance(child, ast.ImportFrom):
                found = resolve(
                    child.module, child.level, [a.name for a in child.names]
                )
                target.update(m for m in found if m.startswith("nlp"))
            visit(child, nested)

    visit(tree, False)
    return top, inner


@pytest.fixture(scope="module")
def graph() -> dict[str, tuple[set[str], set[str]]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    return {_module_name(f): _imports(f, modules) for f in files}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _with_packages(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first."""
    result = {k: set(v) for k, v in edges.items()}
    for targets in result.values():
        for target in list(targets):
            parts = target.split(".")
            targets.update(".".join(parts[:i]) for i in range(2, len(parts)))
    for module, targets in result.items():
        targets.discard(module)
    return result


def test_no_import_cycle(graph):
    edges = _with_packages(
        {m: {t for t in top if t in graph} for m, (top, _) in graph.items()}
    )
    # A package's __init__ importing its own submodules is not a cycle of concern:
    # it only re-exports them. Everything else must form a DAG.
    for module, targets in edges.items():
        edges[module] = {
            t for t in targets if not (module.startswith(t + ".") and t != "nlp")
        }
    assert _cycle(edges) is None, _cycle(edges)


def test_no_import_hidden_in_a_function(graph):
    """Imports of the package's own modules stand at the top of the module (none is
    tucked into a function to dodge a cycle); only ``nlp/__init__`` defers one, to
    keep ``import nlp`` light."""
    hidden = {m: inner for m, (_, inner) in graph.items() if inner and m != "nlp"}
    assert hidden == {}


@pytest.mark.parametrize(
    "layer,allowed",
    [("nlp.cli", ()), ("nlp.evaluation", ("nlp.cli",))],
)
def test_production_code_does_not_import_cli_or_evaluation(graph, layer, allowed):
    offenders = {
        module: sorted(
            t for t in top | inner if t == layer or t.startswith(layer + ".")
        )
        for module, (top, inner) in graph.items()
        if not module.startswith(layer)
        and module not in SHIMS
        and not any(module.startswith(a) for a in allowed)
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_only_the_cli_prints_parses_arguments_or_exits():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name.startswith("nlp.cli") or name in SHIMS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
            ):
                offenders.append(f"{name}: print")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", "")]
                if "argparse" in names:
                    offenders.append(f"{name}: argparse")
            if isinstance(node, ast.Name) and node.id == "SystemExit":
                offenders.append(f"{name}: SystemExit")
    assert offenders == []
