"""One notebook run as every part of the tooling sees it, and the metrics it recorded
(``simhelpers.record_metrics``) read back from its executed copy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from simhelpers.report import METRICS_MIME
from simtools.files import write_atomically

RECORD = "manifest.json"  # a sweep run's record, written last into its folder
RECORDED = ("parameters", "seconds", "metrics", "error")  # what the record holds


@dataclass
class RunResult:
    """One run: its name (the notebook's stem, or a sweep run's folder), its executed copy, time,
    metrics, error (None when it succeeded) and the parameters injected into it."""

    notebook: str
    output: Path
    seconds: float
    metrics: dict = field(default_factory=dict)
    error: str | None = None
    parameters: dict = field(default_factory=dict)


def write_record(result: RunResult, folder: Path) -> Path:
    """Save ``result`` as ``folder``'s record (its name and output follow from the folder)."""
    record = {name: getattr(result, name) for name in RECORDED}
    return write_atomically(folder / RECORD, json.dumps(record, indent=2, sort_keys=True))


def read_record(folder: Path, notebook: Path) -> RunResult | None:
    """The run of ``notebook`` kept in ``folder``, or None when the folder holds no record."""
    try:
        record = json.loads((folder / RECORD).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return RunResult(folder.name, folder / notebook.name, **{k: record[k] for k in RECORDED})


def read_metrics(notebook: str | Path) -> dict[str, float | int | str]:
    """Every metric recorded in an executed notebook (later records win)."""
    found: dict[str, float | int | str] = {}
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(METRICS_MIME)
            if payload is not None:
                found.update(json.loads(payload) if isinstance(payload, str) else payload)
    return found
