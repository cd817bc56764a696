"""The house's layering, read from the source: one-way imports, no cycles, no import hidden in a function.

derivations -> checker -> grading -> presentation -> commands -> cli: a room imports only rooms to its left
(and itself). An import inside a function is how a cycle hides, so gradproof modules are imported at module
top everywhere but in the command line (commands/ and cli.py import lazily so that ``--help`` answers before
SymPy and numpy load).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("derivations", "checker", "grading", "presentation", "commands")
RANK = {"derivations": 0, "checker": 1, "grading": 2, "presentation": 3, "commands": 4, "cli": 5}
#: third-party libraries a room may not import (derivations is SymPy-only; rich is presentation's alone)
FORBIDDEN = {"derivations": {"numpy", "rich", "hypothesis"}, "checker": {"rich"}, "grading": {"rich", "sympy"}}


def _modules() -> dict[str, Path]:
    found = {"cli": ROOT / "cli.py"}
    for room in ROOMS:
        for path in sorted((ROOT / room).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _target(node: ast.ImportFrom | ast.Import, module: str) -> list[str]:
    """The absolute names one import statement reads (``from . import x`` reads package.x if that is a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    names = []
    for a in node.names:
        sub = f"{base}.{a.name}"
        names.append(sub if sub in MODULES else base)
    return names


def _imports(module: str):
    """(imported name, inside a function?, line) for every import statement of ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.extend((name, in_function, child.lineno) for name in dict.fromkeys(_target(child, module)))
            visit(child, inner)

    visit(tree, False)
    return out


def _room(name: str) -> str:
    return name.split(".")[0]


def _own(name: str) -> bool:
    return _room(name) in RANK


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_room_imports_only_rooms_to_its_left(module):
    wrong = [(name, line) for name, _, line in _imports(module)
             if _own(name) and RANK[_room(name)] > RANK[_room(module)]]
    assert not wrong, f"{module} imports a later room: {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_room_keeps_off_the_libraries_of_later_rooms(module):
    banned = FORBIDDEN.get(_room(module), set())
    wrong = [(name, line) for name, _, line in _imports(module) if name.split(".")[0] in banned]
    assert not wrong, f"{module} imports {wrong}"


LAZY_FOR_HELP = ("cli", "commands")  # the command line: its commands load the library only when run


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _room(m) not in LAZY_FOR_HELP))
def test_no_gradproof_import_hides_inside_a_function(module):
    hidden = [(name, line) for name, inside, line in _imports(module) if inside and _own(name)]
    assert not hidden, f"{module} imports gradproof modules inside functions: {hidden}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _room(m) not in LAZY_FOR_HELP))
def test_a_lazy_import_of_a_library_says_why(module):
    """Only start-up time (SymPy takes about a second) or an optional or platform module may wait."""
    lines = MODULES[module].read_text(encoding="utf-8").splitlines()
    silent = [(name, line) for name, inside, line in _imports(module) if inside and "#" not in lines[line - 1]]
    assert not silent, f"{module}: lazy imports without a comment saying why: {silent}"


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One cycle of ``graph`` as a path that ends where it starts, or [] when there is none."""
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1  # on the current path
        for n in graph.get(m, ()):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n, path + [n])
                if found:
                    return found
        state[m] = 2  # finished: no cycle through it
        return []

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) == []


def test_the_module_level_import_graph_has_no_cycle():
    graph = {m: sorted({n for n, inside, _ in _imports(m) if not inside and n in MODULES and n != m})
             for m in MODULES}
    assert find_cycle(graph) == []


def test_the_reader_sees_every_room():
    """A guard on the test itself: it reads real modules, so a renamed folder cannot make it vacuous."""
    assert {_room(m) for m in MODULES} == set(RANK)
    assert sum(len(_imports(m)) for m in MODULES) > 100
