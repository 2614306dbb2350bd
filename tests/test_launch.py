"""Opening the notebooks anywhere: badges, the Colab setup cell and its installer, Binder."""

import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

from simtools import colab_install, launch, run

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = run.notebooks()


def test_synced_inserts_badge_and_setup_cell_once(tmp_path):
    original = nbformat.read(NOTEBOOKS[0], as_version=4)
    original.cells[0].source = original.cells[0].source.split("\n", 2)[2]  # drop badge + blank
    original.cells = [
        cell for cell in original.cells if launch.SETUP_TAG not in cell.metadata.get("tags", [])
    ]
    path = tmp_path / NOTEBOOKS[0].name
    nbformat.write(original, path)
    assert launch.out_of_sync([path]) == [path]

    once = launch.synced(path)
    nbformat.write(once, path)
    assert launch.out_of_sync([path]) == []
    assert launch.synced(path) == once
    heading = next(i for i, c in enumerate(once.cells) if c.source.startswith("## Setup"))
    assert once.cells[heading + 1].source == launch.COLAB_SETUP_SOURCE
    assert once.cells[0].source.startswith(launch.colab_badge(path) + "\n\n# ")


def test_badge_urls_point_at_the_notebook_in_the_repository():
    notebook = NOTEBOOKS[1]
    colab = urlparse(launch.colab_url(notebook))
    assert colab.netloc == "colab.research.google.com"
    assert colab.path.endswith(f"/blob/{launch.BRANCH}/notebooks/{notebook.name}")
    binder = launch.binder_url(notebook)
    assert binder.startswith(f"https://mybinder.org/v2/gh/{launch.GITHUB_REPOSITORY}/")
    assert binder.endswith(f"urlpath=lab/tree/notebooks/{notebook.name}")
    assert (ROOT / launch.repository_path(notebook)).is_file()


def test_launch_check_reports_a_stale_notebook(tmp_path, monkeypatch, capsys):
    stale = tmp_path / NOTEBOOKS[0].name
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("colab.research", "example")
    nbformat.write(nb, stale)
    monkeypatch.setattr(launch, "notebooks", lambda: [stale])
    assert launch.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert launch.main([]) == 0
    assert launch.main(["--check"]) == 0


def test_setup_cell_does_nothing_outside_colab(tmp_path, monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.chdir(tmp_path)
    path_before = list(sys.path)
    exec(launch.COLAB_SETUP_SOURCE, {})
    assert list(tmp_path.iterdir()) == []
    assert sys.path == path_before


def test_tf_keras_follows_the_tensorflow_minor_version():
    assert colab_install.tf_keras_requirement("2.19.1") == "tf-keras==2.19.*"
    assert colab_install.tf_keras_requirement("2.21.0rc1") == "tf-keras==2.21.*"
    with pytest.raises(ValueError, match="tensorflow_version='nightly'"):
        colab_install.tf_keras_requirement("nightly")


def test_restart_is_asked_only_for_replaced_packages_already_imported():
    before = {"numpy": "2.0.2", "bokeh": "3.9.1", "pillow": "11.0.0"}
    after = {"numpy": "2.3.5", "bokeh": "3.8.2", "pillow": "11.0.0", "papermill": "2.7.0"}
    assert colab_install.changed_in_memory(before, after, {"numpy", "PIL", "json"}) == [
        "numpy 2.0.2 -> 2.3.5"
    ]
    assert colab_install.changed_in_memory(before, after, {"json"}) == []


def test_installer_refuses_a_runtime_without_tensorflow(monkeypatch, tmp_path):
    monkeypatch.setattr(colab_install, "installed", lambda: {"numpy": "2.3.5"})
    with pytest.raises(SystemExit, match="No TensorFlow in this runtime"):
        colab_install.install(tmp_path)


def _fake_pip(monkeypatch, after: dict[str, str]):
    """Replace pip with a recorder; the installed set becomes ``after`` once pip ran."""
    calls = []
    state = {"ran": False}

    def fake_run(command, check):
        calls.append(command)
        state["ran"] = True

    before = {"tensorflow": "2.20.0", "numpy": "2.0.2"}
    monkeypatch.setattr(colab_install.subprocess, "run", fake_run)
    monkeypatch.setattr(colab_install, "installed", lambda: after if state["ran"] else before)
    return calls


def test_installer_holds_tensorflow_and_asks_for_restart_when_numpy_changed(monkeypatch, tmp_path):
    calls = _fake_pip(monkeypatch, {"tensorflow": "2.20.0", "numpy": "2.3.5", "tf-keras": "2.20.1"})
    with pytest.raises(colab_install.RestartRequired, match=r"numpy 2\.0\.2 -> 2\.3\.5"):
        colab_install.install(tmp_path)
    (command,) = calls
    assert "tf-keras==2.20.*" in command and str(tmp_path) in command
    constraints = command[command.index("-c") + 1]
    assert not Path(constraints).exists()  # a temporary file, gone after pip ran
    assert (tmp_path / colab_install.STAMP).read_text() == "2.20.0"

    calls.clear()
    colab_install.install(tmp_path)  # after the restart: the stamp says it is done
    assert calls == []


def test_installer_needs_no_restart_when_only_packages_were_added(monkeypatch, tmp_path, capsys):
    _fake_pip(monkeypatch, {"tensorflow": "2.20.0", "numpy": "2.0.2", "papermill": "2.7.0"})
    colab_install.install(tmp_path)
    out = capsys.readouterr().out
    assert "TensorFlow 2.20.0 kept; added 1 packages" in out
    assert "no restart needed" in out


def test_installer_runs_as_a_script_with_the_standard_library_only():
    source = (ROOT / "simtools" / "colab_install.py").read_text()
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from ")) and not line.startswith("from __future__")
    }
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_binder_configuration():
    binder = ROOT / "binder"
    assert (binder / "apt.txt").read_text().split() == ["dataset-fashion-mnist"]
    requirement_lines = [
        line for line in (binder / "requirements.txt").read_text().splitlines() if line[:1] != "#"
    ]
    assert requirement_lines == ["-r ../requirements.txt"]
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    lines = post_build.read_text().splitlines()
    assert lines[0].startswith("#!/bin/bash")
    assert "set -euo pipefail" in lines
    assert "python -m pip install --no-deps -e ." in lines
    assert any(line.startswith("python -m ipykernel install") for line in lines)
    assert "python -m simtools prepare --profile quick --output-dir notebooks" in lines


def test_prepare_injects_the_profile_without_executing(tmp_path):
    written = run.prepare("quick", tmp_path, ["01", "02"])
    assert [path.name for path in written] == [NOTEBOOKS[0].name, NOTEBOOKS[1].name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in written]  # no temp
    for path in written:
        nb = nbformat.read(path, as_version=4)
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        injected = nb.cells[tags.index(["injected-parameters"])]
        assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
        values = {}
        exec(injected.source, {}, values)
        assert values == run.profile_parameters("quick", run.resolve_notebook(path.stem))
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_prepare_command_line_refuses_an_unknown_profile(tmp_path, capsys):
    from simtools.__main__ import main

    with pytest.raises(SystemExit) as stop:
        main(["prepare", "--profile", "huge", "--output-dir", str(tmp_path)])
    assert stop.value.code == 2
    assert "profile='huge' is unknown" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_lab_kernel_is_registered_inside_the_venv_with_widgets_available():
    makefile = (ROOT / "Makefile").read_text()
    assert "ipykernel install --sys-prefix --name $(KERNEL)" in makefile
    assert "KERNEL := simlearn" in makefile
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        env=dict(os.environ, JUPYTER_PLATFORM_DIRS="1"),
        timeout=120,
    )
    assert "@jupyter-widgets/jupyterlab-manager" in listed.stdout + listed.stderr
