"""The shape of generator/: no import cycle between its modules, no module over 450 lines.

The import graph is read with ``ast`` from the source, not by importing it: an edge
``a -> b`` is a module-level ``import``/``from ... import`` in ``a`` that names module
``b`` of the package (``from generator.site import search`` names ``generator.site.search``;
``from generator.models import Article`` names ``generator.models``). Module level means
the statements Python runs when it imports the module, including those inside a
top-level ``if`` or ``try``; an import inside a function runs only when it is called and
is left out (the CLI imports one command that way, for start-up time).

Imports under ``if TYPE_CHECKING:`` never run, so they cannot make Python fail on a
cycle; but they are still a dependency a reader follows (the type says "this module needs
that one"), so the second check counts them too: a circle that exists only for the type
checker is still a circle in the design.

Importing ``generator.a.b`` also runs ``generator/a/__init__.py``; that edge to the
parent package is not drawn, or every package whose ``__init__`` imports its own modules
would be a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package folder ``root / package`` by its dotted name."""
    names = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module, type_only: bool) -> list[ast.Import | ast.ImportFrom]:
    """The imports Python runs on importing the module (and, with ``type_only``, those it
    skips under ``if TYPE_CHECKING:``)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            pending += (node.body if type_only or not _is_type_checking(node) else []) + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
    return found


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from`` import reads from (resolving ``from . import x``)."""
    if not node.level:
        return node.module or ""
    here = module.split(".") if is_package else module.split(".")[:-1]
    parent = here[: len(here) - node.level + 1]
    return ".".join([*parent, node.module] if node.module else parent)


def import_graph(root: Path, package: str, type_only: bool) -> dict[str, set[str]]:
    """Module -> the package's modules it imports at module level (see the module docstring)."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8")), type_only):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in modules)
                continue
            base = _base(node, name, path.name == "__init__.py")
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    targets.add(submodule)
                elif base in modules:
                    targets.add(base)
        graph[name] = targets - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as ``[a, b, ..., a]`` (the first in name order), or [] when there is none."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


# ---------------------------------------------------------------- the checker itself


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


CIRCLE = {
    "__init__.py": "",
    "a.py": "from pkg.sub import b\n",
    "sub/__init__.py": "from pkg.sub.b import thing\n",  # a package importing its own module: no cycle
    "sub/b.py": "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import C\nthing = 1\n",
    "c.py": "try:\n    import pkg.a\nexcept ImportError:\n    pass\nclass C: ...\n",
    "d.py": "def late():\n    from pkg import a  # inside a function: not module level\n",
}


def test_a_circle_through_a_type_only_import_is_found_only_when_those_count(tmp_path):
    root = _package(tmp_path, CIRCLE)
    assert find_cycle(import_graph(root, "pkg", type_only=False)) == []
    assert find_cycle(import_graph(root, "pkg", type_only=True)) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]


def test_the_graph_resolves_submodules_relative_imports_and_skips_function_level_ones(tmp_path):
    graph = import_graph(_package(tmp_path, CIRCLE), "pkg", type_only=True)
    assert graph == {
        "pkg": set(), "pkg.a": {"pkg.sub.b"}, "pkg.sub": {"pkg.sub.b"},
        "pkg.sub.b": {"pkg.c"}, "pkg.c": {"pkg.a"}, "pkg.d": set(),
    }


def test_a_circle_at_run_time_is_found(tmp_path):
    root = _package(tmp_path, {"__init__.py": "", "x.py": "import pkg.y\n", "y.py": "from pkg import x\n"})
    assert find_cycle(import_graph(root, "pkg", type_only=False)) == ["pkg.x", "pkg.y", "pkg.x"]


# ---------------------------------------------------------------- generator/


@pytest.fixture(scope="module")
def runtime_graph() -> dict[str, set[str]]:
    return import_graph(REPO, "generator", type_only=False)


def test_the_generator_graph_is_read(runtime_graph):
    """A guard for the checks below: an empty or broken graph would pass them."""
    assert len(runtime_graph) >= 40 and sum(map(len, runtime_graph.values())) >= 100
    assert {"generator.config", "generator.models"} <= runtime_graph["generator.cli"]


def test_no_import_cycle_inside_generator(runtime_graph):
    cycle = find_cycle(runtime_graph)
    assert not cycle, f"import cycle: {' -> '.join(cycle)} (move what both need to a module below them)"


def test_no_import_cycle_inside_generator_even_through_type_only_imports():
    cycle = find_cycle(import_graph(REPO, "generator", type_only=True))
    assert not cycle, f"import cycle through `if TYPE_CHECKING:` imports: {' -> '.join(cycle)} (a record both need belongs in models.py)"


# ---------------------------------------------------------------- module size

MAX_LINES = 450  # the bound: past it, a module owns more than one thing


def long_modules(root: Path, package: str, limit: int) -> dict[str, int]:
    """Modules of the package with more than ``limit`` lines, by dotted name."""
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in module_names(root, package).items()}
    return {name: n for name, n in sizes.items() if n > limit}


def test_the_size_check_counts_lines(tmp_path):
    root = _package(tmp_path, {"__init__.py": "", "short.py": "x = 1\n" * 3, "long.py": "x = 1\n" * 4})
    assert long_modules(root, "pkg", 3) == {"pkg.long": 4}


def test_no_module_in_generator_is_over_450_lines():
    long = long_modules(REPO, "generator", MAX_LINES)
    assert not long, f"modules over {MAX_LINES} lines (split each by responsibility): {long}"
