"""No import cycle anywhere in egoi_mcp: the import graph, read from the source (every import that runs, also
those inside functions), has no cycle. An import under `if TYPE_CHECKING:` never runs: it is how a module names
the type of an object it is handed by its owner (the sandbox's queue is given its `Sandbox`), so it is no edge.
Importing `a.b.c` counts as importing `a.b` and `a` too,
since Python runs their `__init__` first (a module's own packages are implied, not counted, unless it names one)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "egoi_mcp"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _running_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` except those under `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _running_nodes(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                submodules = [f"{base}.{alias.name}" for alias in node.names]
                # `from pkg import submodule` needs only the submodule (and pkg's __init__ run first, implied).
                named = [] if all(module in modules for module in submodules) else [base]
                targets = named + submodules
            for target in targets:
                if target in modules and target != name:  # named, so an edge even to a package of its own
                    graph[name].add(target)
                while target := target.rpartition(".")[0]:  # the packages above it, run first, but not our own
                    if target in modules and target != name and not name.startswith(target + "."):
                        graph[name].add(target)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for child in sorted(graph[node]):
            cycle = visit(child)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "egoi_mcp.store.sqlite" in graph["egoi_mcp.store"]
    assert "egoi_mcp.webhooks.parser" in graph["egoi_mcp.webhooks.receiver"]


def test_a_cycle_is_found_and_named() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_egoi_mcp_has_no_import_cycle() -> None:
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
