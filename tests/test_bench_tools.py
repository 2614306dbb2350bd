"""The benchmarks' bookkeeping: the harness (summaries, paired differences, interleaving, workers,
records), the memory profile's cell timing, the ceiling's operation count, and the results page
rendered from hand-made records."""

import json
import math
import re
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import nbformat
import pytest

from bench import ceiling, harness, memory_profile, render
from simhelpers.precision import cpu_has_bfloat16, cpu_info

MB = 2**20


def test_summary_is_mean_min_max_and_count():
    assert harness.summarize([1.0, 2.5, 3.0]) == {"mean": 6.5 / 3, "min": 1.0, "max": 3.0, "n": 3}
    with pytest.raises(ValueError, match="values is empty"):
        harness.summarize([])


def test_spread_writes_mean_and_range_or_the_given_deviation():
    assert harness.spread(harness.summarize([1.0, 2.5, 3.0])) == "2.2 (1.0-3.0)"
    assert harness.spread(harness.summarize([812.4]), digits=0) == "812"
    assert harness.spread({"mean": 0.8864, "sd": 0.0037}, digits=4) == "0.8864 ± 0.0037"


def _runs():
    return [
        {"formulation": "reference", "seed": 1337, "speed": 100.0, "accuracy": 0.80},
        {"formulation": "ours", "seed": 1337, "speed": 150.0, "accuracy": 0.82},
        {"formulation": "ours", "seed": 1338, "speed": 240.0, "accuracy": 0.79},
        {"formulation": "reference", "seed": 1338, "speed": 120.0, "accuracy": 0.81},
        {"formulation": "ours", "seed": 1339, "speed": 999.0, "accuracy": None},  # no partner
    ]


def test_summaries_group_runs_by_formulation_and_skip_metrics_not_measured():
    summary = harness.summarize_runs(_runs()[:4], ["speed", "accuracy"])
    assert list(summary) == ["reference", "ours"]
    assert summary["ours"]["speed"] == {"mean": 195.0, "min": 150.0, "max": 240.0, "n": 2}
    assert "accuracy" not in harness.summarize_runs(_runs(), ["accuracy"])["ours"]


def test_paired_differences_match_runs_by_seed():
    differences = harness.paired_differences(_runs(), "accuracy", "reference")
    assert differences["ours"] == pytest.approx([0.02, -0.02])  # seed 1339 has no reference run
    ratios = harness.paired_differences(_runs(), "speed", "reference", ratio=True)
    assert ratios == {"ours": [1.5, 2.0]}


def test_interleaving_gives_every_repeat_its_seed_and_rotates_the_order(capsys):
    calls = []
    runs = harness.interleave(
        ["a", "b", "c"], 3, lambda name, seed: calls.append((name, seed)) or {}
    )
    assert calls[:3] == [("a", 1337), ("b", 1337), ("c", 1337)]
    assert calls[3:6] == [("b", 1338), ("c", 1338), ("a", 1338)]
    assert calls[6:] == [("c", 1339), ("a", 1339), ("b", 1339)]
    assert runs[3] == {"formulation": "b", "seed": 1338}
    assert "repeat 3 of 3 (seed 1339): b done" in capsys.readouterr().out


def test_a_worker_call_prints_its_result_as_the_last_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench.x", "--worker", "double", '{"x": 21}'])
    harness.run({"double": lambda x: {"twice": 2 * x}}, main=lambda: pytest.fail("main ran"))
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"twice": 42}


def test_a_function_runs_in_a_fresh_process_and_returns_its_json():
    summary = {
        "umap": {"added_mb": {"mean": 240}, "knn_2d": {"min": 0.74, "max": 0.76}},
        "tsne": {"added_mb": {"mean": 17}, "knn_2d": {"min": 0.75, "max": 0.76}},
    }
    chosen, reason = harness.in_fresh_process("choose_projection", "choose", {"summary": summary})
    assert chosen == "tsne" and "adds less memory" in reason
    with pytest.raises(RuntimeError, match="choose_projection --worker missing"):
        harness.in_fresh_process("choose_projection", "missing", {})


def test_cpu_fields_come_from_the_first_processor():
    cpuinfo = "processor\t: 0\nmodel name\t: Example CPU 9000\nflags\t\t: fpu avx2 avx512_bf16\n\n"
    cpuinfo += "processor\t: 1\nmodel name\t: Another\n"
    assert cpu_info(cpuinfo)["model name"] == "Example CPU 9000"
    assert cpu_has_bfloat16(cpuinfo)
    assert cpu_info("") == {}


def test_machine_description_names_cpu_flags_and_versions():
    machine = harness.machine()
    assert set(machine["cpu_flags"]) <= set(harness.CPU_FLAGS)
    assert machine["packages"]["numpy"] and machine["cores"] >= 1
    text = harness.describe(
        {"cpu": "Example CPU", "cpu_flags": [], "cores": 2, "python": "3.11.7", "packages": {}}
    )
    none = "none of avx2/avx512f/avx512_bf16/amx_tile/amx_bf16"
    assert text == f"Example CPU ({none}), 2 cores; Python 3.11.7"


def test_a_record_holds_command_commit_times_machine_and_figures(tmp_path):
    record = harness.start_record("siamese", "mnist_10k", {"epochs": 1})
    path = harness.finish_record(record, {"runs": []}, tmp_path)
    assert path == tmp_path / "siamese-mnist_10k.json"
    written = json.loads(path.read_text())
    assert {"command", "commit", "dirty", "started", "finished", "machine"} <= set(written)
    assert written["parameters"] == {"epochs": 1} and written["figures"] == {"runs": []}
    assert datetime.fromisoformat(written["finished"]) >= datetime.fromisoformat(written["started"])
    assert [p.name for p in tmp_path.iterdir()] == ["siamese-mnist_10k.json"]  # no temp file left


class _Shape(tuple):
    """A weight's shape as TensorFlow gives it: a sequence with an element count."""

    def num_elements(self) -> int:
        return math.prod(self)


def test_the_ceiling_counts_two_operations_per_multiply_add_at_every_output_position():
    def layer(output_shape, *weight_shapes):
        weights = [SimpleNamespace(shape=_Shape(shape)) for shape in weight_shapes]
        return SimpleNamespace(
            output=SimpleNamespace(shape=output_shape), trainable_weights=weights
        )

    convolution = layer((None, 30, 30, 64), (3, 3, 3, 64), (64,))  # kernel and bias
    pooling = layer((None, 7, 7, 64))
    dense = layer((None, 256), (64, 256), (256,))
    model = SimpleNamespace(layers=[convolution, pooling, dense])
    assert ceiling.forward_flops(model) == 2 * 900 * (3 * 3 * 3 * 64) + 2 * 64 * 256


def _timed_cell(source: str, start: float, end: float) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["papermill"] = {
        "start_time": datetime.fromtimestamp(start, UTC).isoformat(),
        "end_time": datetime.fromtimestamp(end, UTC).isoformat(),
    }
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


def test_phases_name_the_milestones_and_the_record_holds_them_in_mb(executed):
    sections = memory_profile.sections_of(*executed)
    phases = memory_profile.phases(sections, overall_peak=1000 * MB)
    assert phases == {
        "after imports": 300 * MB,
        "after data loading": 400 * MB,
        "training peak": 1000 * MB,
        "indexing/evaluation peak": 800 * MB,  # Results is not evaluation
        "overall peak": 1000 * MB,
    }
    figures = memory_profile.measured(sections, 1000 * MB, None)
    assert figures["phases_mb"]["training peak"] == 1000 and figures["peak_mb"] == 1000
    assert figures["sections_mb"][2]["cells"][1] == {
        "cell": 7,
        "label": "print(loss)",
        "end": 650,
        "peak": 1000,
    }


MACHINE = {
    "cpu": "Example CPU",
    "cpu_flags": ["avx2"],
    "cores": 2,
    "memory_gib": 8.0,
    "load_average": [0.5, 0.4, 0.3],
    "python": "3.11.7",
    "packages": {"numpy": "2.3.5"},
}


def _record(benchmark, variant, parameters, figures):
    return {
        "benchmark": benchmark,
        "variant": variant,
        "command": f"python -m bench.{benchmark}",
        "commit": "abc1234",
        "dirty": False,
        "started": "2031-05-06T07:08:09+00:00",
        "finished": "2031-05-06T08:00:00+00:00",
        "machine": MACHINE,
        "parameters": parameters,
        "figures": figures,
    }


def _siamese_record():
    runs = []
    seconds = {"reference tutorial": (100, 120), "ours, reference net, float32": (30, 36)}
    seconds["ours, improved net, float32"] = (90, 110)
    accuracy = {"reference tutorial": 0.90, "ours, reference net, float32": 0.91}
    accuracy["ours, improved net, float32"] = 0.92
    for repeat, seed in enumerate((1337, 1338)):
        for name, peak in zip(seconds, (2900, 1000, 1090), strict=True):
            run = {"formulation": name, "seed": seed, "policy": "float32", "peak_rss_mb": peak}
            run |= {"test_accuracy": accuracy[name] + repeat / 100}
            runs.append(run | {"fit_seconds": seconds[name][repeat]})
    metrics = ("test_accuracy", "fit_seconds", "peak_rss_mb")
    figures = {"runs": runs, "summary": harness.summarize_runs(runs, metrics)}
    return _record("siamese", "mnist_10k", {"policies": "float32"}, figures)


def _choice_record():
    options = [
        {"option": "small", "runs": [{"seed": 1, "score": 0.81}, {"seed": 2, "score": 0.83}]},
        {
            "option": "large",
            "runs": [{"seed": 1, "score": 0.86}],
            "summary": {"score": {"mean": 0.9, "sd": 0.01}},
        },
    ]
    figures = {
        "title": "Choosing the size",
        "question": "small or large",
        "tables": [{"seeds": [1, 2], "metrics": ["score"], "options": options}],
        "chosen": "large",
        "reason": "It scores higher.",
    }
    return _record("choice", "size", {}, figures)


def _write(folder, *records):
    folder.mkdir()
    for record in records:
        name = "-".join(filter(None, (record["benchmark"], record["variant"])))
        (folder / f"{name}.json").write_text(json.dumps(record))
    return folder


def test_the_page_renders_each_record_and_one_line_per_missing_benchmark(tmp_path):
    results = _write(tmp_path / "results", _siamese_record(), _choice_record())
    page = render.write_page(results, tmp_path / "docs" / "benchmarks.md")
    text = page.read_text()
    lines = text.splitlines()
    assert lines[0].startswith("*Generated by `python -m bench.render`")
    assert lines[2] == "# Benchmarks"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [f"## {heading}" for heading, *_ in render.SECTIONS.values()]
    assert "No record yet: `python -m bench.bench_metric_learning` writes one." in lines
    assert (
        "No record yet: `python -m bench.memory_profile 01 02 03 04 --profile quick` writes one."
        in lines
    )
    assert "No record yet: `python -m bench.bench_siamese` writes one." not in lines
    assert "### Siamese, mnist_10k" in lines
    assert any(
        line.startswith("Measured 2031-05-06 at commit `abc1234` on Example CPU (avx2)")
        for line in lines
    )
    # Siamese: the reference took 110 s on the mean, the reference net 33 s: 0.300 of its time.
    row = "| ours, reference net, float32 (float32) | 0.9150 (0.9100-0.9200) | 33.0 (30.0-36.0) |"
    assert row + " 0.300 | 1,000 (1,000-1,000) |" in lines
    target = "| ours, reference net, float32 (float32): fit time vs the tutorial's at most 0.333"
    assert target + " | 0.3 | met |" in lines
    assert (
        "| ours, improved net, float32 (float32): test pair accuracy at least 0.93 | 0.925 "
        "| **missed** |" in lines
    )
    assert (
        "![speed: the tutorial's fit time / ours, per seed](benchmarks/siamese-mnist_10k-speed.png)"
        in lines
    )
    assert (tmp_path / "docs" / "benchmarks" / "siamese-mnist_10k-speed.png").stat().st_size > 1000
    # A choice: per-seed values of the first metric, a summary computed or the one given.
    assert "### Choosing the size" in lines
    assert "| small | 0.8100 / 0.8300 | 0.8200 (0.8100-0.8300) |" in lines
    assert "| large | 0.8600 / - | 0.9000 ± 0.0100 |" in lines
    assert "**Chosen: large.** It scores higher." in lines
    assert "2031-05-06T" not in text and "session" not in text.lower()


def _metric_learning_record():
    def run(name, speed, curve):
        checkpoints = [
            {"steps": 10 * (i + 1), "seconds": 10.0 * (i + 1) * 40 / speed, "val_precision@1": p}
            for i, p in enumerate(curve)
        ]
        return {
            "formulation": name,
            "seed": 1337,
            "policy": "float32",
            "images_per_second": speed,
            "peak_rss_mb": 1500,
            "val_precision@1": curve[-1],
            "test_precision@1": 0.9,
            "checkpoints": checkpoints,
        }

    runs = [run("reference", 40.0, [0.70, 0.80]), run("ours, float32", 80.0, [0.80, 0.85])]
    metrics = ("images_per_second", "peak_rss_mb", "val_precision@1", "test_precision@1")
    ceiling = {
        "matmul_size": 2048,
        "matmul_gflops": {"float32": harness.summarize([100.0]), "bfloat16": {"mean": 50.0}},
        "network_images_per_second": {"float32": harness.summarize([160.0])},
        "forward_flops_per_image": 144e6,
        "training_flops_per_image": 432e6,
    }
    figures = {"ceiling": ceiling, "runs": runs, "summary": harness.summarize_runs(runs, metrics)}
    return _record("metric_learning", "fashion_mnist", {}, figures)


def _memory_record():
    phases = {"after imports": 700, "training peak": 1000, "overall peak": 1100}
    notebook = {"error": None, "peak_mb": 1100, "phases_mb": phases, "sections_mb": []}
    figures = {"notebooks": {"02_siamese_contrastive": notebook}}
    return _record("memory", "quick", {"profile": "quick"}, figures)


def test_the_ceiling_and_the_memory_limits_are_judged_on_the_page(tmp_path):
    results = _write(tmp_path / "results", _metric_learning_record(), _memory_record())
    lines = render.write_page(results, tmp_path / "benchmarks.md").read_text().splitlines()
    # ours: 80 images/s, half the network's 160 on one batch; 80 x 0.432 GFLOP = 35% of 100.
    assert "| ours, float32 (float32) | 80 | 2.00 | 1,500 | 0.8500 | 0.9000 | 50% | 35% |" in lines
    assert "- ours, float32: after 10 steps, 5 s (0.25 of the reference's time)" in lines
    target = "| ours, float32 (float32): time to the reference's quality at most 0.6 | 0.25 | met |"
    assert target in lines
    assert "| training peak | 1,000 |" in lines
    target = "| 02_siamese_contrastive (quick): peak MB at most 1,024 | 1,100 | **missed** |"
    assert target in lines
    assert len(list((tmp_path / "benchmarks").glob("*.png"))) == 4


def test_plots_no_record_draws_are_removed(tmp_path):
    stale = tmp_path / "docs" / "benchmarks" / "memory-quick-phases.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    render.write_page(_write(tmp_path / "results"), tmp_path / "docs" / "benchmarks.md")
    assert not stale.exists()
    text = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert text.count("No record yet:") == len(render.SECTIONS)


def test_a_record_of_an_unknown_benchmark_or_an_incomplete_choice_is_refused(tmp_path):
    results = _write(tmp_path / "results", _record("nonsense", None, {}, {}))
    with pytest.raises(ValueError, match="benchmark 'nonsense' is unknown"):
        render.write_page(results, tmp_path / "benchmarks.md")
    choice = _record("choice", "budget", {}, {"options": {}})
    results = _write(tmp_path / "choice", choice)
    with pytest.raises(ValueError, match="figures need title, question, tables, chosen, reason"):
        render.write_page(results, tmp_path / "benchmarks.md")


def test_a_benchmark_prints_its_section_without_plots(tmp_path):
    path = _write(tmp_path / "results", _choice_record()) / "choice-size.json"
    text = render.section(path)
    assert text.startswith("## How the defaults were chosen\n\n### Choosing the size\n")
    assert "![" not in text


def test_every_exercise_has_a_rehearsal_and_every_coded_one_its_code():
    from bench import rehearsal
    from simtools import run

    plan = rehearsal.plan()
    for notebook in run.notebooks():
        cells = nbformat.read(notebook, as_version=4).cells
        text = next(cell.source for cell in cells if cell.source.startswith("## Exercises"))
        numbered = {int(n) for n in re.findall(r"^(\d+)\. \*\*", text, re.MULTILINE)}
        assert set(plan[notebook.stem]) == numbered, notebook.stem
        coded = {n for n, how in plan[notebook.stem].items() if how.get("code")}
        assert coded <= set(rehearsal.solutions(notebook)), notebook.stem
        for how in plan[notebook.stem].values():
            for changes in how.get("runs", []):
                run.check_parameters(notebook, changes)  # names the notebook defines


def test_the_plan_adds_each_exercise_reading_once_and_a_break_after_two_notebooks():
    from bench import rehearsal

    rows = [
        {"notebook": f"0{n}", "exercise": e, "parameters": p, "seconds": 60.0, "error": None}
        for n in (1, 2, 3)
        for e, p in [(None, {}), (1, {"margin": 1.0}), (1, {"margin": 4.0})]
    ]
    record = {"command": "c", "commit": "abc", "started": "2026-01-01T00:00", "machine": {
        "cores": 2, "cpu": "cpu", "memory_gib": 8.0}}  # fmt: skip
    text = rehearsal.plan_text(rows, record)
    totals = [int(line.rsplit("|", 2)[1].split()[0]) for line in text.splitlines()[3:12]]
    # opening 10; per notebook 1 + 10, then 1 + 5 and 1 + 0 for the two runs of exercise 1
    assert totals[:4] == [21, 27, 28, 39] and "| break |" in text.splitlines()[9]
