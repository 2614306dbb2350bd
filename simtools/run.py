"""Headless execution of the notebooks with papermill, under a named parameter profile."""

from __future__ import annotations

import ast
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import yaml
from papermill.inspection import inspect_notebook

from simtools.files import write_atomically
from simtools.gallery import export_html, metric_lines, write_index
from simtools.records import RunResult, read_metrics

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO / "notebooks"
PROFILES_DIR = NOTEBOOKS_DIR / "profiles"
# Linux's prctl(PR_SET_PDEATHSIG, SIGTERM) ends a papermill process when the thread that started
# it ends: a Dask worker that dies leaves no run training behind (its kernel follows papermill out,
# as ipykernel watches its parent). Looked up here: the child must only call it before exec.
PR_SET_PDEATHSIG = 1
PRCTL = ctypes.CDLL(None).prctl if sys.platform == "linux" else None


def notebooks() -> list[Path]:
    """The collection's notebooks, in the order they must run (01 saves what 03 loads)."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def profiles() -> list[str]:
    """Names of the parameter profiles in ``notebooks/profiles``."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml"))


def resolve_notebook(name: str) -> Path:
    """A notebook given by path, file name, stem or number prefix (``02``)."""
    for path in notebooks():
        if name in (str(path), path.name, path.stem, path.stem.split("_")[0]):
            return path
    if Path(name).is_file() and name.endswith(".ipynb"):
        return Path(name)
    known = ", ".join(path.stem for path in notebooks())
    raise ValueError(f"notebook={name!r} is unknown; known notebooks: {known}")


def select(names: list[str] | None) -> list[Path]:
    """The named notebooks (all by default), each once, in the order they must run."""
    selected = [resolve_notebook(name) for name in names] if names else notebooks()
    return sorted(set(selected), key=lambda path: path.name)


def profile_parameters(profile: str, notebook: Path) -> dict:
    """The parameters ``profile`` sets for ``notebook``, checked against its parameters cell."""
    if profile not in profiles():
        raise ValueError(f"profile={profile!r} is unknown; known profiles: {', '.join(profiles())}")
    settings = yaml.safe_load((PROFILES_DIR / f"{profile}.yaml").read_text()) or {}
    parameters = dict(settings.get(notebook.stem) or {})
    check_parameters(notebook, parameters)
    return parameters


def defined_parameters(notebook: Path) -> dict[str, str]:
    """The names ``notebook``'s parameters cell defines, with their defaults' source text."""
    return {p["name"]: p["default"] for p in inspect_notebook(str(notebook)).values()}


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse names the notebook's ``parameters`` cell does not define (papermill would not),
    and values whose type differs from the default's (an int may stand for a float; any value
    may replace a default of ``None``, which the notebook's own checks then judge).
    """
    defined = defined_parameters(notebook)
    unknown = sorted(set(parameters) - set(defined))
    if unknown:
        raise ValueError(
            f"parameter {unknown[0]!r} is not defined by {notebook.name}; "
            f"its parameters are: {', '.join(sorted(defined))}"
        )
    for name, value in parameters.items():
        default = ast.literal_eval(defined[name])
        if default is None:  # "None: derived from another parameter"; the notebook checks it
            continue
        expected = type(default)
        allowed = (int, float) if expected is float else (expected,)
        if not isinstance(value, allowed) or (isinstance(value, bool) and expected is not bool):
            raise ValueError(
                f"parameter {name}={value!r} has the wrong type for {notebook.name}; "
                f"expected {expected.__name__} like its default {defined[name]}"
            )


def _end_with_parent() -> None:
    """Run in the papermill process before exec: SIGTERM it when its parent thread ends."""
    PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def execute(
    notebook: Path, output_dir: Path, parameters: dict, progress_bar: bool = True
) -> RunResult:
    """Run ``notebook`` with ``parameters`` into ``output_dir`` (also its working directory), in a
    papermill process of its own. A failing notebook still leaves its executed copy, with the
    error in place.
    """
    # Not papermill.execute_notebook in this process: it changes the process's working directory
    # while the kernel starts, so two runs in one process can write into each other's folders.
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / notebook.name
    command = [
        *(sys.executable, "-m", "papermill", str(notebook.resolve()), str(output.resolve())),
        *("--parameters_yaml", yaml.safe_dump(parameters), "--kernel", "python3"),
        *("--cwd", str(output_dir.resolve()), "--log-level", "WARNING"),
        "--progress-bar" if progress_bar else "--no-progress-bar",
    ]
    # TensorFlow's C++ start-up chatter (CPU flags, missing CUDA) would fill every executed copy.
    environment = {"TF_CPP_MIN_LOG_LEVEL": "3", **os.environ}
    start = time.perf_counter()
    finished = subprocess.run(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=None if progress_bar else subprocess.PIPE,
        text=True,
        preexec_fn=_end_with_parent if PRCTL else None,
    )
    seconds = time.perf_counter() - start
    error = None
    if finished.returncode != 0:
        error = (output.exists() and failed_cell(output)) or (
            f"papermill exited with status {finished.returncode}: {failure_line(finished.stderr)}"
        )
    metrics = read_metrics(output) if output.exists() else {}
    return RunResult(notebook.stem, output, seconds, metrics, error, parameters)


def failure_line(stderr: str | None) -> str:
    """The line of a traceback that names the exception (``DeadKernelError: Kernel died``)."""
    lines = [line.strip() for line in (stderr or "").splitlines() if any(map(str.isalnum, line))]
    named = [line for line in lines if re.match(r"[\w.]+(Error|Exception|Exit)\b", line)]
    return (named or lines or ["see its output above"])[-1]


def failed_cell(executed: Path) -> str | None:
    """``cell N: Error: message`` for the first cell of ``executed`` that raised, if any."""
    for cell in nbformat.read(str(executed), as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {cell.get('execution_count')}: {output['ename']}: {output['evalue']}"
    return None


def run_profile(
    profile: str, names: list[str] | None = None, build_dir: Path | None = None
) -> list[RunResult]:
    """Execute the named notebooks (all by default, in order) with ``profile`` into
    ``build/<profile>``, export each to HTML and write an ``index.html`` gallery.
    """
    jobs = [(nb, profile_parameters(profile, nb)) for nb in select(names)]  # check, then run
    output_dir = (build_dir or REPO / "build") / profile
    results = []
    for index, (notebook, parameters) in enumerate(jobs, start=1):
        print(f"[{index}/{len(jobs)}] {notebook.name} ({profile} profile)", flush=True)
        result = execute(notebook, output_dir, parameters)
        if result.output.exists():
            export_html(result.output)
        results.append(result)
    write_index(results, output_dir, f"simlearn notebooks: {profile} profile")
    return results


def prepare(profile: str, output_dir: Path, names: list[str] | None = None) -> list[Path]:
    """Write the named notebooks (all by default) into ``output_dir`` with ``profile``'s values
    injected after their parameters cell, not executed (papermill's prepare-only mode).

    Binder runs it over ``notebooks/`` itself, so that learners start from the quick profile.
    """
    jobs = [(nb, profile_parameters(profile, nb)) for nb in select(names)]  # check, then write
    written = []
    for notebook, parameters in jobs:
        prepared = papermill.execute_notebook(
            str(notebook), None, parameters=parameters, prepare_only=True
        )
        written.append(write_atomically(output_dir / notebook.name, nbformat.writes(prepared)))
    return written


def summary_table(results: list[RunResult]) -> str:
    """A text table: run, status, seconds, peak memory and headline metrics (or the error)."""
    lines = [f"{'run':<36}{'status':<8}{'seconds':>9}{'peak MB':>9}  metrics"]
    for result in results:
        metrics = dict(result.metrics)
        peak = metrics.pop("peak_rss_mb", "-")
        shown = result.error or ", ".join(metric_lines(metrics))
        status = "FAILED" if result.error else "ok"
        lines.append(f"{result.notebook:<36}{status:<8}{result.seconds:>9.1f}{peak:>9}  {shown}")
    return "\n".join(lines)
