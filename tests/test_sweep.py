"""simtools.sweep and the gallery: a tiny notebook run by papermill; grid, resume, failures."""

import csv

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from simtools import run
from simtools.__main__ import main
from simtools.gallery import export_html, write_index
from simtools.sweep import folder_name, grid, parse_value, sweep


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A notebook that reports x * scale as a metric and fails when x is 3; its own profiles."""
    notebooks = tmp_path / "notebooks"
    (notebooks / "profiles").mkdir(parents=True)
    parameters = new_code_cell("x = 1\nscale = 1.0\nlabel = 'a'")
    parameters.metadata["tags"] = ["parameters"]
    body = new_code_cell(
        "from simhelpers.report import record_metrics\n"
        "if x == 3:\n"
        "    raise ValueError('x=3 is not allowed')\n"
        "record_metrics(score=x * scale, label=label)"
    )
    notebook = notebooks / "09_tiny.ipynb"
    nb = new_notebook(cells=[parameters, body])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(notebook))
    (notebooks / "profiles" / "smoke.yaml").write_text("09_tiny:\n  scale: 2.0\n")
    monkeypatch.setattr(run, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(run, "PROFILES_DIR", notebooks / "profiles")
    return tmp_path


def read_rows(folder):
    with open(folder / "results.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_grid_values_and_names():
    assert grid({"a": [1, 2], "b": ["x"]}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert [parse_value(v) for v in ("2", "2.0", "true", "adam")] == [2, 2.0, True, "adam"]
    assert folder_name({"margin": 1.5, "name": "a/b c"}) == "margin=1.5,name=a_b_c"


def test_sweep_writes_results_plot_and_resumes(tiny):
    folder = sweep("09", {"x": [1, 2], "scale": [1.0, 0.5]}, build_dir=tiny / "build")
    rows = read_rows(folder)
    assert [(r["x"], r["scale"], r["status"]) for r in rows] == [
        ("1", "1.0", "ok"),
        ("1", "0.5", "ok"),
        ("2", "1.0", "ok"),
        ("2", "0.5", "ok"),
    ]
    assert [float(r["score"]) for r in rows] == [1.0, 0.5, 2.0, 1.0]
    assert (folder / "score_vs_x.png").stat().st_size > 1000
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("*/09_tiny.ipynb")}
    assert len(stamps) == 4
    sweep("09", {"x": [1, 2], "scale": [1.0, 0.5]}, build_dir=tiny / "build")
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*/09_tiny.ipynb")} == stamps


def test_failing_run_does_not_stop_the_others_and_is_retried(tiny, capsys):
    code = main(["sweep", "09", "-p", "x", "1", "3", "--build-dir", str(tiny / "build")])
    assert code == 1
    folder = tiny / "build" / "sweeps" / "09_tiny" / "smoke"
    rows = read_rows(folder)
    assert rows[0]["status"] == "ok" and float(rows[0]["score"]) == 2.0
    assert (
        rows[1]["status"].startswith("failed: cell") and "x=3 is not allowed" in rows[1]["status"]
    )
    assert not (folder / "x=3" / "result.json").exists()  # not complete: the next sweep reruns it
    assert (folder / "x=3" / "09_tiny.ipynb").exists()  # the failed copy stays for reading


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-p", "y", "1"], "parameter 'y' is not defined by 09_tiny.ipynb"),
        (["-p", "x", "1.5"], "parameter x=1.5 has the wrong type for 09_tiny.ipynb; expected int"),
        (["-p", "label", "3"], "parameter label=3 has the wrong type"),
        (["-p", "x"], "parameter 'x' has no values"),
        (["-p", "x", "1", "-p", "x", "2"], "parameter 'x' is given twice"),
        (["-p", "x", "1", "--jobs", "0"], "jobs=0 is invalid"),
        (["-p", "x", "1", "--against", "scale"], "against='scale' is invalid; swept parameters: x"),
        (["-p", "x", "1", "--profile", "nope"], "profile='nope' is unknown"),
    ],
)
def test_bad_sweeps_are_refused_in_one_line_before_running(tiny, capsys, arguments, message):
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "09", *arguments, "--build-dir", str(tiny / "build")])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (tiny / "build").exists()


def test_gallery_links_each_run_with_its_figures(tiny):
    results = run.run_profile("smoke", ["09"], tiny / "build")
    output = tiny / "build" / "smoke"
    page = (output / "index.html").read_text()
    assert "<a href='09_tiny.html'>09_tiny</a>" in page and "score = 2.0000" in page
    assert "peak MB" in page and results[0].error is None
    assert "record_metrics" in (output / "09_tiny.html").read_text()
    failed = run.RunResult("09_tiny", output / "09_tiny.ipynb", 1.0, {}, error="cell 2: X: <b>")
    assert "FAILED: cell 2: X: &lt;b&gt;" in write_index([failed], output, "t").read_text()
    assert export_html(output / "09_tiny.ipynb") == output / "09_tiny.html"
