"""Opening the notebooks anywhere: badges, the Colab setup cell, JupyterLab, Binder's profile."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from IPython.core import interactiveshell
from IPython.core.interactiveshell import InteractiveShell

from simtools import launch, run
from simtools.__main__ import main

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


def run_setup_cell(tmp_path, monkeypatch) -> list[str]:
    """Run the Colab setup cell in an IPython shell whose shell commands (``!...``) are only
    recorded, after IPython has put the cell's variables into them."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    shell = InteractiveShell.instance()
    calls = []
    monkeypatch.setattr(interactiveshell, "system", calls.append)
    try:
        shell.run_cell(launch.COLAB_SETUP_SOURCE).raise_error()
    finally:
        InteractiveShell.clear_instance()
    return calls


def test_setup_cell_does_nothing_outside_colab(tmp_path, monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert run_setup_cell(tmp_path, monkeypatch) == []


def test_setup_cell_on_colab_pip_installs_tensorflow_similarity_and_simhelpers(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20260901")
    monkeypatch.delenv("SIMLEARN_SOURCE", raising=False)
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    (tfsim,) = [line for line in requirements if line.startswith("tensorflow-similarity==")]
    repository = f"git+https://github.com/{launch.GITHUB_REPOSITORY}"
    assert run_setup_cell(tmp_path, monkeypatch) == [f"pip install -q {tfsim} {repository}"]

    monkeypatch.setenv("SIMLEARN_SOURCE", str(ROOT))
    assert run_setup_cell(tmp_path, monkeypatch) == [f"pip install -q {tfsim} {ROOT}"]


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
    with pytest.raises(SystemExit) as stop:
        main(["prepare", "--profile", "huge", "--output-dir", str(tmp_path)])
    assert stop.value.code == 2
    assert "profile='huge' is unknown" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_lab_runs_the_python3_kernel_of_the_venv_with_widgets_available(tmp_path):
    """The notebooks ask for ``python3``: JupyterLab started from the venv (``make lab``) must
    run it with the venv's Python, even when the user registered a ``python3`` elsewhere."""
    decoy = tmp_path / "kernels" / "python3"
    decoy.mkdir(parents=True)
    spec = {"argv": ["/usr/bin/false", "{connection_file}"], "display_name": "elsewhere"}
    (decoy / "kernel.json").write_text(json.dumps(spec))
    environment = dict(os.environ, JUPYTER_DATA_DIR=str(tmp_path), JUPYTER_PLATFORM_DIRS="1")
    command = "from jupyter_client.manager import KernelManager as K; "
    command += "print(K(kernel_name='python3').format_kernel_cmd()[0])"
    kernel = subprocess.run(
        [sys.executable, "-c", command], env=environment, capture_output=True, text=True
    )
    assert kernel.stdout.strip() == sys.executable, kernel.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        env=dict(os.environ, JUPYTER_PLATFORM_DIRS="1"),
        timeout=120,
    )
    assert "@jupyter-widgets/jupyterlab-manager" in listed.stdout + listed.stderr
