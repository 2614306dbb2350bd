"""Parameter sweeps: every combination of values, each run in its own process and folder, on a
local or an existing Dask cluster; resumable, with results.csv, a plot and a gallery page."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from pathlib import Path

import yaml
from tqdm.auto import tqdm

from simhelpers.artifacts import MANIFEST, save_folder_atomically
from simtools import run
from simtools.files import write_atomically

RECORD = MANIFEST  # a run's record, written last into its folder, which appears whole or not at all


def parse_value(text: str) -> object:
    """A command-line value as YAML reads it: ``2`` is an int, ``2.0`` a float, ``true`` a bool."""
    return yaml.safe_load(text)


def parse_resources(text: str) -> dict[str, float]:
    """Dask worker resources as ``dask worker --resources`` takes them: ``GPU=1,MEMORY=8e9``."""
    try:
        pairs = [item.split("=") for item in text.split(",")]
        return {name.strip(): float(value) for name, value in pairs if name.strip()}
    except ValueError:
        raise ValueError(
            f"resources={text!r} is invalid; expected NAME=NUMBER[,NAME=NUMBER]"
        ) from None


def grid(axes: dict[str, list]) -> list[dict]:
    """Every combination of the values in ``axes``, in order."""
    return [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]


def folder_name(combination: dict) -> str:
    """A readable, file-system-safe folder name for one combination."""
    text = ",".join(f"{name}={value}" for name, value in combination.items())
    return "".join(c if c.isalnum() or c in "=,.-_" else "_" for c in text)


def read_record(folder: Path) -> dict | None:
    """The record of the run kept in ``folder``, or None when there is none."""
    try:
        return json.loads((folder / RECORD).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def sweep(
    notebook_name: str,
    axes: dict[str, list],
    profile: str = "smoke",
    jobs: int | None = None,
    build_dir: Path | None = None,
    metric: str | None = None,
    against: str | None = None,
    scheduler: str | None = None,
    resources: dict[str, float] | None = None,
) -> Path:
    """Run ``notebook_name`` for every combination of ``axes`` on top of ``profile``, on the Dask
    scheduler at ``scheduler`` or ``jobs`` local worker processes; rerun only runs missing or
    failed; write ``results.csv``, a plot of ``metric`` against ``against`` and ``index.html``.
    Returns the sweep folder. A failing run is recorded and does not stop the others.
    """
    notebook = run.resolve_notebook(notebook_name)
    base = run.profile_parameters(profile, notebook)
    if not axes or any(not values for values in axes.values()):
        raise ValueError("give at least one parameter with at least one value: -p NAME VALUE ...")
    if scheduler and jobs is not None:
        raise ValueError(f"jobs={jobs} is invalid with a scheduler; its workers set how many run")
    jobs = 1 if jobs is None else jobs
    if not 1 <= jobs <= (os.cpu_count() or 1):
        raise ValueError(f"jobs={jobs} is invalid; expected 1 to {os.cpu_count()} (the cores)")
    if against is not None and against not in axes:
        raise ValueError(f"against={against!r} is invalid; swept parameters: {', '.join(axes)}")
    combinations = {folder_name(c): c for c in grid(axes)}
    if len(combinations) < len(grid(axes)):
        raise ValueError(f"axes={axes} give two runs one folder; list each value once")
    for combination in combinations.values():
        run.check_parameters(notebook, {**base, **combination})  # before anything runs
    output_dir = (build_dir or run.REPO / "build") / "sweeps" / notebook.stem / profile
    records = {folder: read_record(output_dir / folder) for folder in combinations}
    pending = {
        folder: {**base, **combination}
        for folder, combination in combinations.items()
        if (records[folder] or {"error": "missing"})["error"] is not None
    }
    if pending:
        from simtools import executor  # Dask starts only when there is something to run

        artifacts = executor.artifact_parameter(notebook)
        artifacts = None if artifacts in axes else artifacts  # a swept one is the user's choice
        done = len(combinations) - len(pending)
        with (
            executor.connect(scheduler, jobs) as client,
            tqdm(total=len(combinations), initial=done, desc=notebook.stem, unit="run") as bar,
        ):
            executor.check_cluster(client, resources or {})
            outcomes = executor.run_all(client, notebook, pending, artifacts, resources)
            for folder, outcome in outcomes:
                records[folder] = keep(output_dir / folder, combinations[folder], outcome, notebook)
                bar.update()
    ordered = list(records.values())
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(output_dir / "results.csv", results_csv(ordered))
    plot_sweep(ordered, output_dir, metric, against or next(iter(axes)))
    write_gallery(ordered, output_dir, notebook, profile)
    return output_dir


def keep(folder: Path, combination: dict, outcome: dict, notebook: Path) -> dict:
    """Write one run's files, the HTML of its executed notebook and its record into ``folder``,
    replacing an earlier attempt at once; return the record."""
    from simtools.gallery import export_html

    record = {
        "parameters": combination,
        "seconds": outcome["seconds"],
        "metrics": outcome["metrics"],
        "error": outcome["error"],
    }

    def write(target: Path) -> None:
        for name, content in outcome["files"].items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(content)
        if (target / notebook.name).is_file():
            export_html(target / notebook.name)

    save_folder_atomically(folder, write, record)
    return record


def write_gallery(records: list[dict], output_dir: Path, notebook: Path, profile: str) -> Path:
    """``index.html``: every run's executed notebook, linked with its status and metrics."""
    from simtools.gallery import write_index

    results = [
        run.RunResult(
            folder_name(r["parameters"]),
            output_dir / folder_name(r["parameters"]) / notebook.name,
            r["seconds"],
            r["metrics"],
            r["error"],
        )
        for r in records
    ]
    return write_index(results, output_dir, f"sweep of {notebook.stem}: {profile} profile")


def results_csv(records: list[dict]) -> str:
    """One row per run: its parameters, status, seconds and every metric it reported."""
    parameters = list(records[0]["parameters"])
    reported = {name for record in records for name in record["metrics"]}
    metrics = sorted(reported - set(parameters))  # a parameter's column is already there
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*parameters, "status", "seconds", *metrics])
    for record in records:
        status = f"failed: {record['error']}" if record["error"] else "ok"
        writer.writerow(
            [record["parameters"][p] for p in parameters]
            + [status, f"{record['seconds']:.1f}"]
            + [record["metrics"].get(m, "") for m in metrics]
        )
    return buffer.getvalue()


def plot_sweep(records: list[dict], output_dir: Path, metric: str | None, against: str) -> None:
    """``<metric>_vs_<against>.png``: one line per combination of the other swept parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    complete = [r for r in records if not r["error"]]
    numeric = [
        name
        for name, value in (complete[0]["metrics"].items() if complete else [])
        if isinstance(value, float)
    ]
    metric = metric or (numeric[0] if numeric else None)
    if metric is None:
        return
    figure, axis = plt.subplots(figsize=(6, 4))
    others = [p for p in records[0]["parameters"] if p != against]
    series: dict[tuple, list] = {}
    for record in complete:
        key = tuple(record["parameters"][p] for p in others)
        series.setdefault(key, []).append(
            (record["parameters"][against], record["metrics"].get(metric))
        )
    for key, points in series.items():
        points = sorted(p for p in points if p[1] is not None)
        label = ", ".join(f"{p}={v}" for p, v in zip(others, key, strict=True)) or metric
        axis.plot(*zip(*points, strict=True), marker="o", label=label)
    axis.set(title=f"{metric} against {against}", xlabel=against, ylabel=metric)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(output_dir / f"{metric}_vs_{against}.png", dpi=120)
    plt.close(figure)
