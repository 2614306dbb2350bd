"""Where a notebook's memory goes: resident memory (RSS) of its kernel, cell by cell.

Executes each notebook headless under a parameter profile (into one folder, so that 03 finds what
01 saved) while a thread reads the kernel's ``VmRSS`` and ``VmHWM`` (the kernel's own peak, which
no sampling interval can miss) from ``/proc`` every ``--interval`` seconds. Samples are mapped to
cells by the start and end times papermill records in each cell's metadata, and cells are grouped
by the notebook's ``##`` headings (Setup, Data, Training, ...). The record
(bench/results/memory-<profile>[-<env>].json) holds, per notebook, the RSS at the end of each
section and cell and the peak within it, and the phases: after imports, after data loading,
training peak, indexing/evaluation peak, overall peak. Linux only (``/proc``).

    python -m bench.memory_profile 01 02 03 04 [--profile quick] [--output-dir DIR]
        [--env KERAS_BACKEND=jax] [--env MALLOC_ARENA_MAX=2] [--results-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
import psutil
import yaml

from bench import harness, lessons, render
from simtools import run

MB = 2**20
# The phases, found by the headings' first word (lower case); evaluation is every
# section after training that is not one of the closing ones.
IMPORT_SECTIONS = ("setup",)
DATA_SECTIONS = ("data",)
TRAINING_SECTIONS = ("training",)
CLOSING_SECTIONS = ("results", "exercises")


@dataclass
class Sample:
    """One reading of the kernel and its children: wall time, summed RSS, kernel peak RSS."""

    time: float
    rss: int
    hwm: int


@dataclass
class Section:
    """The cells under one ``##`` heading and the memory measured while they ran."""

    title: str
    first_cell: int
    end_rss: int = 0
    peak_rss: int = 0
    cells: list[tuple[int, str, int, int]] = field(default_factory=list)  # index, label, end, peak


class KernelSampler(threading.Thread):
    """Polls the RSS of the Jupyter kernel this process starts (a descendant running ipykernel).

    Only the kernel itself is read: a short-lived fork of it (``ctypes.util.find_library`` runs
    ``ldconfig`` that way) would count the shared pages twice.
    """

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        kernel = None
        while not self._stop_event.is_set():
            if kernel is None or not kernel.is_running():
                kernel = next((p for p in me.children(recursive=True) if _is_kernel(p)), None)
            status = _proc_status(kernel.pid) if kernel else {}
            if status:
                self.samples.append(Sample(time.time(), status["VmRSS"], status["VmHWM"]))
            self._stop_event.wait(self.interval)

    def stop(self) -> list[Sample]:
        """Stop sampling and return the samples."""
        self._stop_event.set()
        self.join()
        return self.samples


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return any("ipykernel_launcher" in part for part in process.cmdline())
    except psutil.Error:  # it exited meanwhile
        return False


def _proc_status(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of a process in bytes; empty if it has exited."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024  # reported in kB
    return found if len(found) == 2 else {}


def profile_notebook(
    notebook: Path, output_dir: Path, parameters: dict, interval: float
) -> tuple[list[Section], int, str | None]:
    """Execute ``notebook`` while sampling its kernel; return its sections, overall peak, error."""
    sampler = KernelSampler(interval)
    sampler.start()
    try:
        result = lessons.run_notebook(notebook, output_dir, parameters)
    finally:
        samples = sampler.stop()
    if not samples:
        raise RuntimeError(f"{notebook.name}: no kernel process was seen")
    executed = nbformat.read(result.output, as_version=4)
    return sections_of(executed, samples), max(s.hwm for s in samples), result.error


def sections_of(notebook: nbformat.NotebookNode, samples: list[Sample]) -> list[Section]:
    """Group executed code cells under their ``##`` headings, with RSS at end and peak of each."""
    sections = [Section("(before the first heading)", 0)]
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            heading = next(
                (line for line in cell.source.splitlines() if line.startswith("## ")), None
            )
            if heading:
                sections.append(Section(heading[3:].strip(), index))
            continue
        timing = cell.metadata.get("papermill", {})
        if cell.cell_type != "code" or not timing.get("end_time"):
            continue
        start = datetime.fromisoformat(timing["start_time"]).timestamp()
        end = datetime.fromisoformat(timing["end_time"]).timestamp()
        during = [s for s in samples if start <= s.time <= end]
        before = [s for s in samples if s.time < start]
        after = next((s for s in samples if s.time >= end), samples[-1])
        # The kernel's own peak (VmHWM) rising during the cell is a peak the sampler may miss.
        hwm_before = before[-1].hwm if before else 0
        peak = max([s.rss for s in during] + [after.rss])
        if after.hwm > hwm_before:
            peak = max(peak, after.hwm)
        sections[-1].cells.append((index, _label(cell.source), after.rss, peak))
    for section in sections:
        if section.cells:
            section.end_rss = section.cells[-1][2]
            section.peak_rss = max(cell[3] for cell in section.cells)
    return [section for section in sections if section.cells]


def _label(source: str) -> str:
    """A cell's first comment, else its first line, shortened."""
    lines = [line.strip() for line in source.splitlines() if line.strip() and "NBVAL" not in line]
    comments = [line.lstrip("# ") for line in lines if line.startswith("#")]
    text = comments[0] if comments else (lines[0] if lines else "(empty)")
    return text if len(text) <= 60 else text[:57] + "..."


def phases(sections: list[Section], overall_peak: int) -> dict[str, int | None]:
    """RSS after imports and after data loading, peaks of training and evaluation, overall peak."""

    def first_word(section: Section) -> str:
        return section.title.split()[0].lower().strip(":,")

    def last_end(words: tuple[str, ...]) -> int | None:
        ends = [s.end_rss for s in sections if first_word(s) in words]
        return ends[-1] if ends else None

    training = [i for i, s in enumerate(sections) if first_word(s) in TRAINING_SECTIONS]
    after_training = sections[training[-1] + 1 :] if training else sections
    evaluation = [s.peak_rss for s in after_training if first_word(s) not in CLOSING_SECTIONS]
    return {
        "after imports": last_end(IMPORT_SECTIONS),
        "after data loading": last_end(DATA_SECTIONS),
        "training peak": max((sections[i].peak_rss for i in training), default=None),
        "indexing/evaluation peak": max(evaluation, default=None),
        "overall peak": overall_peak,
    }


def profile_parameters(profile: str, notebook: Path) -> dict:
    """A profile's parameters for ``notebook``; ``profile`` is a name or a YAML file (an older
    checkout's profiles, to measure its notebooks)."""
    if not profile.endswith((".yaml", ".yml")):
        return run.profile_parameters(profile, notebook)
    parameters = dict((yaml.safe_load(Path(profile).read_text()) or {}).get(notebook.stem) or {})
    run.check_parameters(notebook, parameters)
    return parameters


def measured(sections: list[Section], peak: int, error: str | None) -> dict:
    """One notebook's figures for the record, in MB: phases, sections and their cells."""
    return {
        "error": error,
        "peak_mb": round(peak / MB),
        "phases_mb": {
            k: None if v is None else round(v / MB) for k, v in phases(sections, peak).items()
        },
        "sections_mb": [
            {
                "title": s.title,
                "end": round(s.end_rss / MB),
                "peak": round(s.peak_rss / MB),
                "cells": [
                    {"cell": index, "label": label, "end": round(end / MB), "peak": round(top / MB)}
                    for index, label, end, top in s.cells
                ],
            }
            for s in sections
        ],
    }


def drop_page_cache() -> None:
    """Write back and drop the page cache (``/proc/sys/vm/drop_caches``: root only)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="+", help="notebooks by number, stem or path, in order")
    parser.add_argument("--profile", default="quick", help="profile name or YAML file (quick)")
    parser.add_argument("--output-dir", type=Path, default=Path("build/memory"))
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="set for the kernel"
    )
    parser.add_argument("--variant", help="the record's name after memory- (default: from above)")
    parser.add_argument(
        "--drop-caches",
        action="store_true",
        help="empty the page cache before each notebook (Linux, as root), so that no library page "
        "another run left in memory is counted in or out of a peak",
    )
    harness.add_record_options(parser)
    args = parser.parse_args()
    variant = [Path(args.profile).stem]
    for setting in args.env:
        name, equals, value = setting.partition("=")
        if not equals or not name:
            parser.error(f"--env {setting!r} is invalid; expected NAME=VALUE")
        os.environ[name] = value  # the kernel inherits this process's environment
        variant.append(f"{name}-{value}".lower())

    jobs = [run.resolve_notebook(name) for name in args.notebooks]
    jobs = [(notebook, profile_parameters(args.profile, notebook)) for notebook in jobs]
    parameters = {"notebooks": [n.stem for n, _ in jobs], "profile": args.profile, "env": args.env}
    parameters["drop_caches"] = args.drop_caches
    record = harness.start_record("memory", args.variant or "-".join(variant), parameters)
    print(harness.describe(record["machine"]), flush=True)
    notebooks = {}
    for notebook, notebook_parameters in jobs:
        if args.drop_caches:
            drop_page_cache()
        sections, peak, error = profile_notebook(
            notebook, args.output_dir, notebook_parameters, args.interval
        )
        notebooks[notebook.stem] = measured(sections, peak, error)
        print(f"{notebook.stem}: peak {peak / MB:,.0f} MB{f', FAILED: {error}' if error else ''}")
    path = harness.finish_record(record, {"notebooks": notebooks}, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    main()
