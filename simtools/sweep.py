"""Parameter sweeps: every combination of values, each run in its own process and folder, on a
local or an existing Dask cluster; resumable, with results.csv, a plot and a gallery page."""

from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
from dataclasses import replace
from pathlib import Path

import yaml
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from simtools import executor, run
from simtools.files import write_atomically
from simtools.gallery import export_html, write_index
from simtools.records import RunResult, read_record, write_record

ARTIFACT_PARAMETERS = ("artifact_dir", "output_dir")  # where a notebook saves its artifacts
ARTIFACTS = "artifacts"  # each run's artifact folder, inside its own folder (its working one)


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
) -> list[RunResult]:
    """Run ``notebook_name`` for every combination of ``axes`` on top of ``profile``, on the Dask
    scheduler at ``scheduler`` or ``jobs`` local worker processes; rerun only runs missing or
    failed; write ``results.csv``, a plot of ``metric`` against ``against`` and ``index.html``
    into ``build/sweeps/<notebook>/<profile>``. A failing run does not stop the others.
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
    defined = run.defined_parameters(notebook)
    fixed = {name: ARTIFACTS for name in ARTIFACT_PARAMETERS if name in defined}
    combinations = {folder_name(c): {**base, **fixed, **c} for c in grid(axes)}
    if len(combinations) < len(grid(axes)):
        raise ValueError(f"axes={axes} give two runs one folder; list each value once")
    for parameters in combinations.values():
        run.check_parameters(notebook, parameters)  # before anything runs
    output_dir = (build_dir or run.REPO / "build") / "sweeps" / notebook.stem / profile
    results = {folder: read_record(output_dir / folder, notebook) for folder in combinations}
    pending = {f: combinations[f] for f, found in results.items() if not found or found.error}
    if pending:
        done = len(results) - len(pending)
        with (
            executor.connect(scheduler, jobs) as client,
            tqdm(total=len(results), initial=done, desc=notebook.stem, unit="run") as bar,
        ):
            executor.check_cluster(client, resources or {})
            for result, files in executor.run_all(client, notebook, pending, resources):
                results[result.notebook] = keep(output_dir, result, files)
                bar.update()
    kept = list(results.values())
    write_atomically(output_dir / "results.csv", results_csv(kept, list(axes)))
    plot_sweep(kept, list(axes), output_dir, metric, against or next(iter(axes)))
    write_index(kept, output_dir, f"sweep of {notebook.stem}: {profile} profile")
    return kept


def keep(output_dir: Path, result: RunResult, files: executor.Files) -> RunResult:
    """Replace an earlier attempt's folder with this run's files and the HTML of its executed
    notebook, then write its record last: a folder without one is run again."""
    folder = output_dir / result.notebook
    shutil.rmtree(folder, ignore_errors=True)
    for name, content in files.items():
        write_atomically(folder / name, content)
    kept = replace(result, output=output_dir / result.output)
    if kept.output.is_file():
        export_html(kept.output)
    write_record(kept, folder)
    return kept


def results_csv(results: list[RunResult], swept: list[str]) -> str:
    """One row per run: its ``swept`` parameters, status, seconds and every metric it reported."""
    reported = {name for result in results for name in result.metrics}
    metrics = sorted(reported - set(swept))  # a parameter's column is already there
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*swept, "status", "seconds", *metrics])
    for result in results:
        writer.writerow(
            [result.parameters[p] for p in swept]
            + [f"failed: {result.error}" if result.error else "ok", f"{result.seconds:.1f}"]
            + [result.metrics.get(m, "") for m in metrics]
        )
    return buffer.getvalue()


def plot_sweep(
    results: list[RunResult], swept: list[str], output_dir: Path, metric: str | None, against: str
) -> None:
    """``<metric>_vs_<against>.png``: one line per combination of the other swept parameters
    (``metric`` defaults to the first float the runs reported)."""
    complete = [r for r in results if not r.error]
    reported = complete[0].metrics if complete else {}
    numeric = [name for name, value in reported.items() if isinstance(value, float)]
    metric = metric or next(iter(numeric), None)
    if metric is None:
        return
    others = [p for p in swept if p != against]
    series: dict[tuple, list] = {}
    for result in complete:
        if result.metrics.get(metric) is not None:
            point = (result.parameters[against], result.metrics[metric])
            series.setdefault(tuple(result.parameters[p] for p in others), []).append(point)
    figure = Figure(figsize=(6, 4), layout="tight")  # no pyplot: no global state, no display
    axis = figure.subplots()
    for key, points in series.items():
        label = ", ".join(f"{p}={v}" for p, v in zip(others, key, strict=True)) or metric
        axis.plot(*zip(*sorted(points), strict=True), marker="o", label=label)
    axis.set(title=f"{metric} against {against}", xlabel=against, ylabel=metric)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.savefig(output_dir / f"{metric}_vs_{against}.png", dpi=120)
