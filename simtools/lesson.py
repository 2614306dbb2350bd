"""The functions and classes a lesson notebook defines, loaded for tests and benchmarks.

A test of notebook 04's loss must test the notebook's own code, not a copy that may drift from it.
Executing the whole notebook is slow and runs its training; this runs only the ``def`` and
``class`` statements of the cells that define the names asked for.
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
    found: list[ast.stmt] = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code" or not wanted & set(_defined_names(cell.source)):
            continue
        tree = ast.parse(cell.source)
        found += [node for node in tree.body if getattr(node, "name", None) in wanted]
    missing = wanted - {node.name for node in found}
    if missing:
        raise ValueError(f"{notebook} defines no {', '.join(sorted(missing))} in its code cells")
    exec(compile(ast.Module(body=found, type_ignores=[]), str(notebook), "exec"), namespace)
    return namespace


def _defined_names(source: str) -> list[str]:
    """Names of a cell's top-level functions and classes; none for a cell with IPython syntax."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # %pip, !commands: never a definition a test needs
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
