"""Parameter sweeps: every combination of values, each run into its own folder, resumable."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from tqdm.auto import tqdm

from simtools import run
from simtools.files import write_atomically

RESULT = "result.json"  # written, atomically, only when a run completed without error


def parse_value(text: str) -> object:
    """A command-line value as YAML reads it: ``2`` is an int, ``2.0`` a float, ``true`` a bool."""
    return yaml.safe_load(text)


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
    jobs: int = 1,
    build_dir: Path | None = None,
    metric: str | None = None,
    against: str | None = None,
) -> Path:
    """Run ``notebook_name`` for every combination of ``axes`` on top of ``profile``; skip runs
    already complete; write ``results.csv`` and a plot of ``metric`` against ``against``.
    Returns the sweep folder. A failing run is recorded and does not stop the others.
    """
    notebook = run.resolve_notebook(notebook_name)
    base = run.profile_parameters(profile, notebook)
    if not axes or any(not values for values in axes.values()):
        raise ValueError("give at least one parameter with at least one value: -p NAME VALUE ...")
    if not 1 <= jobs <= (os.cpu_count() or 1):
        raise ValueError(f"jobs={jobs} is invalid; expected 1 to {os.cpu_count()} (the cores)")
    if against is not None and against not in axes:
        raise ValueError(f"against={against!r} is invalid; swept parameters: {', '.join(axes)}")
    combinations = grid(axes)
    for combination in combinations:
        run.check_parameters(notebook, {**base, **combination})  # before anything runs
    output_dir = (build_dir or run.REPO / "build") / "sweeps" / notebook.stem / profile

    def one(combination: dict) -> dict:
        folder = output_dir / folder_name(combination)
        done = folder / RESULT
        if done.is_file():
            return {**json.loads(done.read_text()), "skipped": True}
        try:
            result = run.execute(notebook, folder, {**base, **combination}, progress_bar=False)
            error, seconds, metrics = result.error, result.seconds, result.metrics
        except Exception as failure:  # a dead kernel must not stop the other runs
            error, seconds, metrics = f"{type(failure).__name__}: {failure}", 0.0, {}
        record = {"parameters": combination, "seconds": seconds, "metrics": metrics}
        record["error"] = error
        if error is None:
            write_atomically(done, json.dumps(record, indent=2))
        return {**record, "skipped": False}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        records = list(
            tqdm(pool.map(one, combinations), total=len(combinations), desc="sweep", unit="run")
        )
    write_atomically(output_dir / "results.csv", results_csv(records))
    plot_sweep(records, output_dir, metric, against or next(iter(axes)))
    return output_dir


def results_csv(records: list[dict]) -> str:
    """One row per run: its parameters, status, seconds and every metric it reported."""
    parameters = list(records[0]["parameters"])
    metrics = sorted({name for record in records for name in record["metrics"]})
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
