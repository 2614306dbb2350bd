"""python -m simtools run: argument errors are one line, before anything runs; the command works
from the repository's root, where the tooling lives (it is not installed)."""

import os
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from simtools import run
from simtools.__main__ import main
from simtools.records import RunResult


def test_unknown_notebook(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "--profile", "smoke", "99_nothing"])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert "notebook='99_nothing' is unknown; known notebooks: " in error and "02_siamese" in error


def test_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--profile", "huge", "02"])
    assert (
        "profile='huge' is unknown; known profiles: full, quick, smoke" in capsys.readouterr().err
    )


def test_profile_with_a_parameter_the_notebook_lacks(tmp_path, monkeypatch, capsys):
    (tmp_path / "smoke.yaml").write_text("02_siamese_contrastive:\n  epoch: 3\n")
    monkeypatch.setattr(run, "PROFILES_DIR", tmp_path)
    monkeypatch.setattr(run, "execute", lambda *a, **k: pytest.fail("ran despite a bad parameter"))
    with pytest.raises(SystemExit):
        main(["run", "--profile", "smoke", "02"])
    error = capsys.readouterr().err
    assert "parameter 'epoch' is not defined by 02_siamese_contrastive.ipynb" in error
    assert "epochs" in error


def test_notebook_found_by_number_name_and_path():
    path = run.resolve_notebook("02")
    assert run.resolve_notebook(path.stem) == path == run.resolve_notebook(str(path))


def test_every_profile_is_valid_for_every_notebook():
    for profile in run.profiles():
        for notebook in run.notebooks():
            run.profile_parameters(profile, notebook)


def test_summary_table_reports_failures_and_metrics(tmp_path):
    results = [
        RunResult("01_a", tmp_path / "a", 12.3, {"peak_rss_mb": 900, "auc": 0.91234, "n": 3}),
        RunResult("02_b", tmp_path / "b", 1.0, {}, error="cell 4: ValueError: bad"),
    ]
    lines = run.summary_table(results).splitlines()
    assert lines[1].split()[:4] == ["01_a", "ok", "12.3", "900"]
    assert lines[1].endswith("auc = 0.9123, n = 3")
    assert lines[2].split()[:4] == ["02_b", "FAILED", "1.0", "-"]
    assert lines[2].endswith("cell 4: ValueError: bad")


def test_the_command_runs_from_the_repository_root_without_installing_the_tooling(tmp_path):
    """As binder/postBuild and the Makefile run it: ``python -m simtools`` in the root."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = [sys.executable, "-m", "simtools", "prepare", "--output-dir", str(tmp_path), "02"]
    done = subprocess.run(command, cwd=run.REPO, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {tmp_path / run.resolve_notebook('02').name} (quick profile)\n"


def test_a_parameter_whose_default_is_none_takes_a_value(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    cell = new_code_cell("learning_rate = None  # None: tuned per network\nepochs = 2")
    cell.metadata["tags"] = ["parameters"]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=[cell], metadata={"kernelspec": kernelspec}), notebook)
    run.check_parameters(notebook, {"learning_rate": 0.003})
    with pytest.raises(ValueError, match="epochs='2' has the wrong type"):
        run.check_parameters(notebook, {"epochs": "2"})
