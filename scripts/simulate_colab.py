"""Run every notebook, its Colab setup cell included, in a simulated fresh Colab runtime.

The runtime: a new virtual environment of Python 3.13 holding Colab's own versions of the packages
the notebooks touch (scripts/colab/pip-freeze.txt, trimmed from Colab's published pip freeze),
with ``COLAB_RELEASE_TAG`` set (what the setup cell checks for) and ``SIMLEARN_SOURCE`` pointing
the cell at a copy of this working tree (the files git tracks or would) instead of GitHub. Each
notebook gets the current setup cell (``simtools.launch.synced``) and its smoke profile's values,
then runs with nbconvert in that environment (Colab has no papermill), 01 before 03 in one
folder. The report says what the setup cell changed in the environment (a replaced package would
have needed a restart) and what each notebook measured.

Usage: .venv/bin/python scripts/simulate_colab.py [--python PYTHON3.13] [--source REQUIREMENT]
It needs PyPI and takes several minutes, so it is not part of
``make test``.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from simtools import launch, run  # noqa: E402
from simtools.records import read_metrics  # noqa: E402

COLAB_FREEZE = REPO / "scripts" / "colab" / "pip-freeze.txt"
COLAB_PYTHON = (3, 13)
REPORTED = ("tensorflow", "tf-keras", "keras", "numpy", "numba", "umap-learn", "bokeh", "ipython")
# Notebook 03's smoke profile projects with t-SNE; UMAP exercises Colab's numba with its numpy.
EXTRA_PARAMETERS = {"03_calibration_and_projection": {"projection": "umap"}}


def find_python(requested: str | None) -> str:
    """A Python 3.13 interpreter: ``requested``, else python3.13 on PATH or in pyenv."""
    candidates = [requested] if requested else ["python3.13"]
    if not requested:
        pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
        candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.13*/bin/python3.13"))
    for candidate in candidates:
        probe = [candidate, "-c", "import sys; print(*sys.version_info[:2])"]
        try:
            found = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        if tuple(map(int, found.split())) == COLAB_PYTHON:
            return candidate
    raise SystemExit(f"--python={requested!r}: no Python 3.13 found (Colab runs 3.13); pass one")


def freeze(python: Path) -> dict[str, str]:
    """Installed distributions of ``python``'s environment, by normalized name."""
    lines = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pairs = (line.split("==", 1) for line in lines if "==" in line)
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def copy_working_tree(target: Path) -> Path:
    """Copy the files git tracks or would track (not the ignored ones) into ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a file deleted but not yet committed is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


def prepare(notebook: Path, folder: Path) -> Path:
    """``notebook`` with the current setup cell and its smoke values, written into ``folder``."""
    synced = folder / f".{notebook.name}"
    nbformat.write(launch.synced(notebook), synced)
    parameters = run.profile_parameters("smoke", notebook)
    parameters.update(EXTRA_PARAMETERS.get(notebook.stem, {}))
    target = folder / notebook.name
    papermill.execute_notebook(str(synced), str(target), parameters=parameters, prepare_only=True)
    synced.unlink()
    return target


def setup_cell_output(executed: Path) -> str:
    """What the Colab setup cell printed in ``executed``."""
    nb = nbformat.read(executed, as_version=4)
    cell = next(c for c in nb.cells if launch.SETUP_TAG in c.metadata.get("tags", []))
    return "".join(o.get("text", "") for o in cell.outputs).strip() or "(nothing)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="a Python 3.13 interpreter (default: found on PATH/pyenv)")
    parser.add_argument(
        "--source", help="what the setup cell installs simhelpers from (default: this working tree)"
    )
    args = parser.parse_args()
    python = find_python(args.python)
    work = Path(tempfile.mkdtemp(prefix="simulate-colab."))
    venv = work / "venv"
    print(f"simulated Colab runtime in {work}", flush=True)
    started = time.monotonic()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-r", str(COLAB_FREEZE)], check=True)
    before = freeze(venv / "bin" / "python")
    version = subprocess.run(
        [str(venv / "bin" / "python"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{version}, Colab's packages installed in {time.monotonic() - started:.0f} s:")
    print("  " + ", ".join(f"{name} {before.get(name, '-')}" for name in REPORTED))

    content = work / "content"
    content.mkdir()
    source = args.source or str(copy_working_tree(work / "simlearn-notebooks"))
    environment = dict(os.environ, COLAB_RELEASE_TAG="simulated", SIMLEARN_SOURCE=source)
    environment["TF_CPP_MIN_LOG_LEVEL"] = "3"
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment['PATH']}"
    failed = []
    for index, notebook in enumerate(run.notebooks()):
        prepared = prepare(notebook, content)
        executed = content / f"{notebook.stem}.executed.ipynb"
        started = time.monotonic()
        result = subprocess.run(
            [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute"]
            + ["--ExecutePreprocessor.timeout=1800", "--output", executed.name, prepared.name],
            cwd=content,
            env=environment,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        print(f"\n{notebook.stem} (smoke profile): ", end="")
        if result.returncode == 0:
            print(f"ran in {seconds:.0f} s; metrics: {read_metrics(executed)}")
            print("  setup cell printed: " + setup_cell_output(executed).replace("\n", "\n  "))
        else:
            failed.append(notebook.stem)
            print(f"FAILED after {seconds:.0f} s\n{result.stderr[-3000:]}")
        if index == 0:  # the first notebook installs into the fresh runtime
            after = freeze(venv / "bin" / "python")
            changed = [f"{n} {v} -> {after.get(n)}" for n, v in before.items() if after.get(n) != v]
            added = sorted(f"{n} {after[n]}" for n in after.keys() - before.keys())
            print(f"  the setup cell added: {', '.join(added) or 'nothing'}")
            replaced = ", ".join(changed) or "nothing (no restart needed)"
            print(f"  the setup cell replaced: {replaced}")
            if changed:
                failed.append("the setup cell (it replaced Colab's packages: restart needed)")
    shutil.rmtree(venv)
    print(f"\nexecuted notebooks in {content}")
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    print("all notebooks ran in the simulated Colab runtime")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
