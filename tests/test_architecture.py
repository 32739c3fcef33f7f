"""The package's shape: no import cycles, and data flows one way through its folders.

Imports are read with `ast` (module level and inside functions alike), so a cycle hidden in a
function-level import fails here too.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest
from _project import ROOT

PACKAGE = ROOT / "pipeline"
# Each step may import the steps before it, never one after it (stages may import anything);
# compare reads finished runs, so it comes last.
LAYERS = ["common", "ingest", "tokenize", "model", "speakers", "report", "compare"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                candidates = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            # `from pipeline.x import y` names module pipeline.x.y if it exists, else pipeline.x
            targets.update(c for c in candidates[:-1] if c in modules)
            if candidates[-1] in modules and not any(c in modules for c in candidates[:-1]):
                targets.add(candidates[-1])
        graph[name] = targets - {name} - {"pipeline"}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path, or [] (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_package_has_no_import_cycle():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a cycle through three modules is found and shown as a path."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 and parts[1] in LAYERS else None


# pipeline.stages.* are entry points, which may import any step
@pytest.mark.parametrize("module", sorted(m for m in import_graph() if layer(m) is not None))
def test_a_step_imports_only_the_steps_before_it(module):
    here = layer(module)
    later = sorted(t for t in import_graph()[module] if (layer(t) or 0) > here)
    assert later == [], f"{module} imports a later step"


def test_every_module_sits_in_a_step_folder():
    """New code lands in the layout: only stage entry points live outside the step folders."""
    loose = sorted(m for m in import_graph()
                   if layer(m) is None and not m.startswith("pipeline.stages")
                   and m.count(".") > 1 and m.split(".")[1] not in LAYERS)
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert (loose, top) == ([], [])
