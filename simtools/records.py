"""Headline metrics read back from an executed notebook (``simhelpers.record_metrics`` wrote
them)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from simhelpers.report import METRICS_MIME


def read_metrics(notebook: str | Path) -> dict[str, float | int | str]:
    """Every metric recorded in an executed notebook (later records win)."""
    found: dict[str, float | int | str] = {}
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRICS_MIME)
            if payload is not None:
                found.update(json.loads(payload) if isinstance(payload, str) else payload)
    return found
