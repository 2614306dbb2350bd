"""The benchmark scripts' bookkeeping: cell timing to memory, machine description, spreads."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))  # scripts, not a package

import machine  # noqa: E402
import memory_profile  # noqa: E402

MB = 2**20


def _timed_cell(source: str, start: float, end: float) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    iso = {
        "start_time": datetime.fromtimestamp(start, UTC).isoformat(),
        "end_time": datetime.fromtimestamp(end, UTC).isoformat(),
    }
    cell.metadata["papermill"] = iso
    return cell


@pytest.fixture
def executed():
    """A notebook whose cells ran at t = 0-1 (Setup), 1-2 (Data), 2-3 and 3-4 (Training),
    4-5 (Evaluation), 5-6 (Results), with memory samples every half second."""
    t0 = 1_800_000_000.0
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\n## Setup"),
        _timed_cell("import numpy as np", t0, t0 + 1),
        nbformat.v4.new_markdown_cell("## Data"),
        _timed_cell("# load the images\nx = load()", t0 + 1, t0 + 2),
        nbformat.v4.new_markdown_cell("## Training\n\nwhy we train"),
        _timed_cell("model.fit(x)", t0 + 2, t0 + 3),
        nbformat.v4.new_markdown_cell("### A subsection stays in its section"),
        _timed_cell("# NBVAL_CHECK_OUTPUT\nprint(loss)", t0 + 3, t0 + 4),
        nbformat.v4.new_markdown_cell("## Evaluation"),
        _timed_cell("predict(x)", t0 + 4, t0 + 5),
        nbformat.v4.new_markdown_cell("## Results"),
        _timed_cell("record()", t0 + 5, t0 + 6),
    ]
    rss = [100, 100, 300, 300, 400, 700, 700, 700, 650, 800, 800, 800, 900]
    hwm = [100, 100, 300, 300, 400, 700, 700, 1000, 1000, 1000, 1000, 1000, 1000]
    samples = [
        memory_profile.Sample(t0 + 0.5 * i + 0.01, r * MB, h * MB)
        for i, (r, h) in enumerate(zip(rss, hwm, strict=True))
    ]
    return notebook, samples


def test_sections_group_cells_under_level_two_headings(executed):
    sections = memory_profile.sections_of(*executed)
    assert [s.title for s in sections] == ["Setup", "Data", "Training", "Evaluation", "Results"]
    assert [len(s.cells) for s in sections] == [1, 1, 2, 1, 1]
    assert [label for _, label, _, _ in sections[2].cells] == ["model.fit(x)", "print(loss)"]
    assert sections[1].cells[0][1] == "load the images"  # a cell's first comment names it


def test_a_peak_between_samples_is_found_through_the_kernels_own_peak(executed):
    sections = memory_profile.sections_of(*executed)
    training = sections[2]
    # Samples during training read at most 700 MB, but the kernel's peak rose to 1000 meanwhile.
    assert training.peak_rss == 1000 * MB
    assert training.end_rss == 650 * MB
    assert sections[0].end_rss == 300 * MB  # the first sample after the cell ended


def test_phases_name_the_issues_milestones(executed):
    sections = memory_profile.sections_of(*executed)
    phases = memory_profile.phases(sections, overall_peak=1000 * MB)
    assert phases == {
        "after imports": 300 * MB,
        "after data loading": 400 * MB,
        "training peak": 1000 * MB,
        "indexing/evaluation peak": 800 * MB,  # Results is not evaluation
        "overall peak": 1000 * MB,
    }
    table = memory_profile.report("nb", sections, 1000 * MB, show_cells=True)
    assert "| Training | 650 | 1,000 |" in table
    assert "| training peak | 1,000 |" in table


def test_machine_description_names_the_cpu_and_its_bfloat16_flags():
    cpuinfo = "model name\t: Example CPU 9000\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
    text = machine.describe(cpuinfo)
    assert "Example CPU 9000" in text
    assert "flags: avx2 avx512f avx512_bf16\n" in text  # amx_* absent, so not listed
    assert "tensorflow " in text and "load average" in text
    assert "none of avx2" in machine.describe("model name\t: Old CPU\nflags\t\t: fpu sse2\n")


def test_spread_is_mean_with_min_and_max():
    assert machine.spread([1.0, 2.5, 3.0]) == "2.2 (1.0-3.0)"
    assert machine.spread([812.4], digits=0) == "812"
