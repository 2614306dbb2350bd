"""A lesson notebook's own code, loaded for tests and benchmarks.

A test of notebook 04's loss must test the notebook's own code, not a copy that may drift from it.
Executing the whole notebook is slow and runs its training; ``notebook_definitions`` runs only the
``def`` and ``class`` statements asked for, ``notebook_cells`` only the cells asked for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import nbformat


def notebook_definitions(notebook: Path, names: Iterable[str], namespace: dict) -> dict:
    """Run the top-level ``def``/``class`` statements named ``names`` from ``notebook``'s code
    cells in ``namespace`` (which supplies the modules they use) and return ``namespace``."""
    wanted = set(names)
    found = [
        node
        for tree in _code_cell_trees(notebook)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in wanted
    ]
    missing = wanted - {node.name for node in found}
    if missing:
        raise ValueError(f"{notebook} defines no {', '.join(sorted(missing))} in its code cells")
    exec(compile(ast.Module(body=found, type_ignores=[]), str(notebook), "exec"), namespace)
    return namespace


def notebook_cells(notebook: Path, cell_ids: Iterable[str], namespace: dict) -> dict:
    """Run whole code cells of ``notebook``, by cell id and in the order given, in ``namespace``
    (which supplies the modules and variables they use) and return ``namespace``."""
    cells = {cell.id: cell for cell in nbformat.read(notebook, as_version=4).cells}
    for cell_id in cell_ids:
        if cell_id not in cells or cells[cell_id].cell_type != "code":
            raise ValueError(f"{notebook} has no code cell with id {cell_id!r}")
        exec(compile(cells[cell_id].source, f"{notebook}:{cell_id}", "exec"), namespace)
    return namespace


def _code_cell_trees(notebook: Path) -> list[ast.Module]:
    """The parsed code cells of ``notebook``, leaving out cells with IPython syntax (``%pip``,
    ``!commands``), which never hold a definition a test needs."""
    trees = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            trees.append(ast.parse(cell.source))
        except SyntaxError:
            continue
    return trees
