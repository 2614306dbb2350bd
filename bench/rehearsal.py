"""A workshop's dress rehearsal: every notebook at the workshop's scale and every exercise, timed.

``python -m bench.rehearsal [--scale quick]`` (``make rehearsal``) executes each notebook once with
the exercises' solution code appended (each exercise its own cell, timed by papermill), then each
exercise that needs runs of its own (``notebooks/exercises.yaml``). It writes the executed
notebooks into ``build/rehearsal/``, prints a table of minutes and peak MB, leaves the record
``bench/results/rehearsal.json`` and refreshes the plan in ``docs/workshop.md``.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import nbformat
import yaml

from bench import harness
from simtools import run
from simtools.files import write_atomically
from simtools.records import read_metrics

EXERCISES = run.NOTEBOOKS_DIR / "exercises.yaml"
PAGE = run.REPO / "docs" / "workshop.md"
PLAN = re.compile(r"(<!-- rehearsal:[^\n]*-->\n).*?(<!-- /rehearsal -->)", re.DOTALL)
# The plan's allowances for reading and discussion, in minutes: a teaching choice, not measured.
READING_MINUTES = {"notebook": 10, "exercise": 5}
OPENING = ('welcome, `python -m simhelpers.ready`, `scale = "quick"`', 10)
BREAK = ("break", 10)  # after the second notebook
_ITEM = re.compile(r"^(\d+)\. \*\*", re.MULTILINE)  # "1. **Title.**" starts exercise 1
_CODE = re.compile(r"```python\n(.*?)```", re.DOTALL)
PEAK_CELL = "import simhelpers as sh\n\nsh.record_metrics()  # the peak after the exercises"


def solutions(notebook: Path) -> dict[int, str]:
    """Exercise number -> the Python code of its solution, from the notebook's Exercises cell."""
    cells = nbformat.read(notebook, as_version=4).cells
    text = next(cell.source for cell in cells if cell.source.startswith("## Exercises"))
    starts = [(int(m.group(1)), m.start()) for m in _ITEM.finditer(text)]
    found = {}
    for (number, start), (_, end) in zip(starts, [*starts[1:], (0, len(text))], strict=True):
        code = _CODE.findall(text[start:end])
        if code:
            found[number] = "\n".join(code)
    return found


def plan() -> dict[str, dict[int, dict]]:
    """Notebook stem -> exercise number -> how to rehearse it: ``{"code": True}`` (its solution
    runs after the notebook) or ``{"runs": [{...}, ...]}`` (runs of their own, with these
    parameters)."""
    return yaml.safe_load(EXERCISES.read_text())


def with_solutions(notebook: Path, numbers: list[int], target: Path) -> Path:
    """A copy of ``notebook`` with the solutions of ``numbers`` appended, one cell each, then a
    cell that records the kernel's peak memory."""
    nb = nbformat.read(notebook, as_version=4)
    code = solutions(notebook)
    for number in numbers:
        cell = nbformat.v4.new_code_cell(code[number], metadata={"tags": [f"exercise-{number}"]})
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def exercise_seconds(executed: Path) -> dict[int, float]:
    """Exercise number -> seconds its appended cell took (papermill's cell timings)."""
    seconds = {}
    for cell in nbformat.read(executed, as_version=4).cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("exercise-"):
                seconds[int(tag.split("-")[1])] = cell.metadata["papermill"]["duration"]
    return seconds


def rehearse(scale: str, output_dir: Path) -> list[dict]:
    """Run the rehearsal into ``output_dir``; return one row per notebook and per exercise."""
    rows, exercises = [], plan()
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as scratch:
        for notebook in run.notebooks():
            wanted = exercises.get(notebook.stem, {})
            coded = [n for n, how in wanted.items() if how.get("code")]
            copy = with_solutions(notebook, coded, Path(scratch) / notebook.name)
            result = run.execute(copy, output_dir, {"scale": scale}, progress_bar=False)
            times = exercise_seconds(result.output) if result.output.exists() else {}
            rows.append(_row(notebook.stem, None, result, result.seconds - sum(times.values())))
            for number in coded:
                rows.append(_row(notebook.stem, number, result, times.get(number)))
            for number, how in wanted.items():
                for index, changes in enumerate(how.get("runs", [])):
                    folder = output_dir / f"{notebook.stem}-exercise-{number}-{index + 1}"
                    own = run.execute(notebook, folder, {"scale": scale, **changes}, False)
                    rows.append(_row(notebook.stem, number, own, own.seconds, changes))
    return rows


def _row(stem: str, exercise: int | None, result, seconds, parameters=None) -> dict:
    return {
        "notebook": stem,
        "exercise": exercise,
        "parameters": parameters or {},
        "seconds": seconds,
        "peak_mb": read_metrics(result.output).get("peak_rss_mb")
        if result.output.exists()
        else None,
        "error": result.error,
    }


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table: what ran, minutes, seconds, peak MB, status."""
    lines = [
        "| notebook | what runs | minutes | seconds | peak MB | status |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        what = "the notebook" if row["exercise"] is None else f"exercise {row['exercise']}"
        if row["parameters"]:
            what += " (" + ", ".join(f"{k}={v}" for k, v in row["parameters"].items()) + ")"
        seconds = row["seconds"]
        shown = "-" if seconds is None else f"{seconds:.0f}"
        minutes = "-" if seconds is None else f"{seconds / 60:.1f}"
        lines.append(
            f"| {row['notebook']} | {what} | {minutes} | {shown} | {row['peak_mb'] or '-'} | "
            f"{'FAILED: ' + row['error'] if row['error'] else 'ok'} |"
        )
    return "\n".join(lines)


def plan_text(rows: list[dict], record: dict) -> str:
    """The workshop page's plan: each notebook and exercise with its measured minutes, the
    reading allowance, and the running total, with where and when it was measured."""
    lines = [
        "| part | runs (measured) | with reading | running total |",
        "|---|--:|--:|--:|",
        f"| {OPENING[0]} | - | {OPENING[1]} min | {OPENING[1]} min |",
    ]
    total, seen, notebooks = float(OPENING[1]), set(), 0
    for row in rows:
        kind = "notebook" if row["exercise"] is None else "exercise"
        if kind == "notebook" and notebooks == 2:
            total += BREAK[1]
            lines.append(f"| {BREAK[0]} | - | {BREAK[1]} min | {total:.0f} min |")
        notebooks += kind == "notebook"
        minutes = (row["seconds"] or 0) / 60
        first = (row["notebook"], row["exercise"]) not in seen  # one allowance per exercise
        seen.add((row["notebook"], row["exercise"]))
        slot = minutes + (READING_MINUTES[kind] if first else 0)
        total += slot
        what = row["notebook"] if kind == "notebook" else f"&nbsp;&nbsp;exercise {row['exercise']}"
        if row["parameters"]:
            what += " (" + ", ".join(f"`{k}={v}`" for k, v in row["parameters"].items()) + ")"
        lines.append(f"| {what} | {minutes:.1f} min | {slot:.0f} min | {total:.0f} min |")
    machine, day = record["machine"], record["started"][:10]
    lines += [
        "",
        f"Measured by `{record['command']}` at commit {record['commit']} on {day}, on a "
        f"{machine['cores']}-core {machine['cpu']} with {machine['memory_gib']:.0f} GiB and no "
        "GPU; peak memory per run is on the [results page](benchmarks.md). Where a part's run "
        "exceeds its slot, lower `steps_per_epoch` or `epochs`. Not measured here, to be "
        "expected: a recent laptop, Binder and Colab's CPU runtime give the notebooks a few "
        "cores, so their times are of this order (rehearse there to know); on a GPU the "
        "training cells take seconds and the reading allowance becomes most of the plan.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="quick", help="the notebooks' scale (default quick)")
    parser.add_argument("--build-dir", type=Path, default=run.REPO / "build" / "rehearsal")
    parser.add_argument("--page", type=Path, default=PAGE, help="the page whose plan to refresh")
    harness.add_record_options(parser)
    args = parser.parse_args()
    record = harness.start_record("rehearsal", None, {"scale": args.scale})
    rows = rehearse(args.scale, args.build_dir)
    print(table(rows))
    path = harness.finish_record(record, {"rows": rows}, args.results_dir)
    print(f"record: {path}")
    page = args.page.read_text()
    refreshed = PLAN.sub(lambda m: m.group(1) + plan_text(rows, record) + m.group(2), page)
    write_atomically(args.page, refreshed)
    if any(row["error"] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
