"""The package's import graph: no cycles, TYPE_CHECKING imports included.

The layers themselves are kept by the import contract in pyproject.toml
(``lint-imports`` in CI); this test adds what a layers contract cannot see,
cycles between modules of one layer or one room.
"""

from __future__ import annotations

import grimp


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing itself)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        # Tarjan's algorithm; the package is small enough for recursion.
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_the_package_has_no_import_cycles() -> None:
    # The package's own __init__ imports every public module; what matters is
    # that no module imports back through it, which would close a cycle here too.
    graph = grimp.build_graph("argo_mcp_client", exclude_type_checking_imports=False)

    assert import_cycles(graph, "argo_mcp_client") == []


def test_a_cycle_is_found_when_two_modules_import_each_other() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")

    assert import_cycles(graph, "pkg") == [["pkg.a", "pkg.b"]]
