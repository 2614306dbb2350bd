"""Headline metrics a notebook reports, stored in its own output and read back by the runner.

scrapbook did this once but is abandoned; a custom MIME type in a display output needs no
side files and survives papermill, nbconvert and nbval.
"""

from __future__ import annotations

import json
import math
import resource
from pathlib import Path

import nbformat

METRICS_MIME = "application/vnd.simlearn.metrics+json"


def record_metrics(**metrics: float | int | str) -> None:
    """Display ``metrics`` as a table and store them machine-readably in the cell output.

    Adds ``peak_rss_mb``, the peak resident memory of this kernel so far.
    """
    from IPython.display import display

    clean = {key: _plain(value) for key, value in metrics.items()}
    clean["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    text = "\n".join(f"{key:<28}{_format(value)}" for key, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": text}, raw=True)


def read_metrics(notebook: str | Path) -> dict[str, float | int | str]:
    """Every metric recorded in an executed notebook (later records win)."""
    found: dict[str, float | int | str] = {}
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRICS_MIME)
            if payload is not None:
                found.update(json.loads(payload) if isinstance(payload, str) else payload)
    return found


def _plain(value: object) -> float | int | str:
    """numpy scalars and other number types as JSON-friendly Python values."""
    if isinstance(value, str | bool):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric value {value!r} is not finite")
    return number


def _format(value: float | int | str) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
