"""simtools.sweep and the gallery, locally: a probe notebook run by papermill in processes of its
own; isolation of parallel runs, resume, failures, refused arguments."""

import csv
import json
import shutil
from pathlib import Path

import pytest

from simhelpers.report import METRICS_MIME
from simtools import run
from simtools.__main__ import main
from simtools.gallery import export_html, write_index
from simtools.records import RECORD, RunResult, read_metrics
from simtools.sweep import folder_name, grid, parse_resources, parse_value, sweep

PROBE = Path(__file__).parent / "notebooks" / "09_probe.ipynb"
SWEEP_DIR = Path("sweeps", "09_probe", "smoke")  # inside the build folder


def install_probe(root: Path, monkeypatch, profile: str = "09_probe:\n  label: b\n") -> Path:
    """The probe notebook as the only notebook of a collection in ``root``, with a smoke profile."""
    notebooks = root / "notebooks"
    (notebooks / "profiles").mkdir(parents=True)
    shutil.copy(PROBE, notebooks / PROBE.name)
    (notebooks / "profiles" / "smoke.yaml").write_text(profile)
    monkeypatch.setattr(run, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(run, "PROFILES_DIR", notebooks / "profiles")
    return notebooks / PROBE.name


@pytest.fixture
def probe(tmp_path, monkeypatch):
    install_probe(tmp_path, monkeypatch)
    return tmp_path


def read_rows(folder):
    with open(folder / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_probe_records_metrics_as_simhelpers_does():
    assert METRICS_MIME in PROBE.read_text()


def test_a_papermill_failure_is_named_by_its_exception_line():
    stderr = "Traceback (most recent call last):\n  File x\nnbclient.exceptions.DeadKernelError: "
    stderr += "Kernel died\n-------------------\n\n"
    assert run.failure_line(stderr) == "nbclient.exceptions.DeadKernelError: Kernel died"
    assert run.failure_line("just this\n---\n") == "just this"
    assert run.failure_line(None) == "see its output above"


def test_grid_values_and_names():
    assert grid({"a": [1, 2], "b": ["x"]}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert [parse_value(v) for v in ("2", "2.0", "true", "adam")] == [2, 2.0, True, "adam"]
    assert folder_name({"margin": 1.5, "name": "a/b c"}) == "margin=1.5,name=a_b_c"
    assert parse_resources("GPU=1, MEMORY=8e9") == {"GPU": 1.0, "MEMORY": 8e9}


def test_parallel_runs_keep_separate_folders_and_resume(probe):
    """The 2x2 sweep with 2 jobs: every run folder holds its own executed notebook, artifacts and
    metrics, and its working directory was its own; a second sweep reruns nothing."""
    axes = {"x": [1, 2], "scale": [1.0, 0.5]}
    results = sweep("09", axes, jobs=2, build_dir=probe / "build", metric="score")
    folder = probe / "build" / SWEEP_DIR
    assert [(r.notebook, r.error) for r in results] == [(folder_name(c), None) for c in grid(axes)]
    assert [r.output for r in results] == [folder / r.notebook / PROBE.name for r in results]
    rows = read_rows(folder)
    assert [(r["x"], r["scale"], r["status"]) for r in rows] == [
        ("1", "1.0", "ok"),
        ("1", "0.5", "ok"),
        ("2", "1.0", "ok"),
        ("2", "0.5", "ok"),
    ]
    assert [float(r["score"]) for r in rows] == [1.0, 0.5, 2.0, 1.0]
    for combination in grid(axes):
        run_dir = folder / folder_name(combination)
        x, scale = combination["x"], combination["scale"]
        artifact = run_dir / "artifacts" / f"x={x},scale={scale}.json"
        assert json.loads(artifact.read_text()) == {"x": x, "scale": scale, "label": "b"}
        assert [p.name for p in (run_dir / "artifacts").iterdir()] == [artifact.name]
        assert Path((run_dir / "cwd.txt").read_text()).name == run_dir.name
        assert read_metrics(run_dir / "09_probe.ipynb")["score"] == x * scale
        record = json.loads((run_dir / RECORD).read_text())
        injected = {**combination, "label": "b", "artifact_dir": "artifacts"}  # profile, folder
        assert record["parameters"] == injected
        assert record["error"] is None
        assert record["metrics"]["x"] == x and record["metrics"]["scale"] == scale
        assert (run_dir / "09_probe.html").is_file()
    assert (folder / "score_vs_x.png").stat().st_size > 1000
    page = (folder / "index.html").read_text()
    assert "<a href='x=2,scale=0.5/09_probe.html'>x=2,scale=0.5</a>" in page
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("*/09_probe.ipynb")}
    assert len(stamps) == 4
    sweep("09", axes, jobs=2, build_dir=probe / "build")
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*/09_probe.ipynb")} == stamps


def test_failing_run_does_not_stop_the_others_and_is_retried(probe, capsys):
    code = main(["sweep", "09", "-p", "x", "1", "3", "--build-dir", str(probe / "build")])
    assert code == 1
    folder = probe / "build" / SWEEP_DIR
    printed = capsys.readouterr()
    assert f"results in {folder}\n" in printed.out
    assert "x=3 failed at cell 3: ValueError: x=3 is not allowed" in printed.err
    rows = read_rows(folder)
    assert rows[0]["status"] == "ok" and float(rows[0]["score"]) == 1.0
    assert rows[1]["status"] == "failed: cell 3: ValueError: x=3 is not allowed"
    record = json.loads((folder / "x=3" / RECORD).read_text())
    assert record["error"] == "cell 3: ValueError: x=3 is not allowed"
    assert (folder / "x=3" / "09_probe.ipynb").exists()  # the failed copy stays for reading
    assert "FAILED: cell 3: ValueError" in (folder / "index.html").read_text()
    kept = (folder / "x=1" / "09_probe.ipynb").stat().st_mtime_ns
    failed = (folder / "x=3" / "09_probe.ipynb").stat().st_mtime_ns
    assert main(["sweep", "09", "-p", "x", "1", "3", "--build-dir", str(probe / "build")]) == 1
    assert (folder / "x=1" / "09_probe.ipynb").stat().st_mtime_ns == kept
    assert (folder / "x=3" / "09_probe.ipynb").stat().st_mtime_ns != failed  # run again
    assert main(["sweep", "09", "-p", "x", "1", "--build-dir", str(probe / "build")]) == 0
    assert (folder / "x=1" / "09_probe.ipynb").stat().st_mtime_ns == kept  # kept, not run


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-p", "y", "1"], "parameter 'y' is not defined by 09_probe.ipynb"),
        (["-p", "x", "1.5"], "parameter x=1.5 has the wrong type for 09_probe.ipynb; expected int"),
        (["-p", "label", "3"], "parameter label=3 has the wrong type"),
        (["-p", "x"], "parameter 'x' has no values"),
        (["-p", "x", "1", "-p", "x", "2"], "parameter 'x' is given twice"),
        (["-p", "x", "1", "1"], "give two runs one folder; list each value once"),
        (["-p", "x", "1", "--jobs", "0"], "jobs=0 is invalid"),
        (["-p", "x", "1", "--jobs", "2", "--scheduler", "tcp://h:1"], "jobs=2 is invalid with"),
        (["-p", "x", "1", "--resources", "GPU=1"], "resources='GPU=1' needs --scheduler"),
        (["-p", "x", "1", "--resources", "GPU"], "resources='GPU' is invalid; expected NAME="),
        (["-p", "x", "1", "--against", "scale"], "against='scale' is invalid; swept parameters: x"),
        (["-p", "x", "1", "--profile", "nope"], "profile='nope' is unknown"),
    ],
)
def test_bad_sweeps_are_refused_in_one_line_before_running(probe, capsys, arguments, message):
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "09", *arguments, "--build-dir", str(probe / "build")])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (probe / "build").exists()


def test_gallery_links_each_run_with_its_figures(probe):
    results = run.run_profile("smoke", ["09"], probe / "build")
    output = probe / "build" / "smoke"
    page = (output / "index.html").read_text()
    assert "<a href='09_probe.html'>09_probe</a>" in page and "score = 1.0000" in page
    assert results[0].error is None and (output / "artifacts" / "x=1,scale=1.0.json").is_file()
    assert "received" in (output / "09_probe.html").read_text()
    failed = RunResult("09_probe", output / "09_probe.ipynb", 1.0, {}, error="cell 2: X: <b>")
    assert "FAILED: cell 2: X: &lt;b&gt;" in write_index([failed], output, "t").read_text()
    assert export_html(output / "09_probe.ipynb") == output / "09_probe.html"
