"""What every notebook shares to open anywhere: its Colab badge and the Colab setup cell.

``python -m simtools.launch`` writes both into each notebook; ``--check`` only reports the
notebooks that differ (the tests and the pre-commit hook run it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

from simtools.files import write_atomically
from simtools.run import notebooks

GITHUB_REPOSITORY = "simlearn/simlearn-notebooks"  # forks: change it here, then run this module
BRANCH = "main"
SETUP_TAG = "colab-setup"
COLAB_BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"

# Colab ships TensorFlow, tf-keras, Keras 3, numpy, umap-learn and bokeh in versions that fit
# (scripts/colab/pip-freeze.txt); pip adds what is missing and, by default, upgrades nothing.
# `!pip`, Colab's own idiom, rather than `%pip`: IPython's %pip always ends with "you may need to
# restart the kernel", which would contradict the cell's first line.
COLAB_SETUP_SOURCE = f"""\
# Colab only: adds TensorFlow Similarity and this collection's simhelpers; Colab's own packages
# stay as they are, so no restart is needed. Elsewhere this cell does nothing.
import os

REPOSITORY = "https://github.com/{GITHUB_REPOSITORY}"
if "COLAB_RELEASE_TAG" in os.environ:
    source = os.environ.get("SIMLEARN_SOURCE", f"git+{{REPOSITORY}}")  # tests: a local checkout
    !pip install -q tensorflow-similarity==0.17.1 {{source}}"""


def repository_path(notebook: Path) -> str:
    """``notebook``'s path inside the repository, as the badges' links spell it."""
    return f"notebooks/{notebook.name}"


def colab_url(notebook: Path) -> str:
    """Where Colab opens ``notebook`` straight from GitHub."""
    return (
        f"https://colab.research.google.com/github/{GITHUB_REPOSITORY}/blob/{BRANCH}/"
        f"{repository_path(notebook)}"
    )


def binder_url(notebook: Path) -> str:
    """Where Binder builds the repository and opens ``notebook`` in JupyterLab."""
    return (
        f"https://mybinder.org/v2/gh/{GITHUB_REPOSITORY}/{BRANCH}"
        f"?urlpath=lab/tree/{repository_path(notebook)}"
    )


def colab_badge(notebook: Path) -> str:
    """The Markdown "Open in Colab" badge of ``notebook``."""
    return f"[![Open In Colab]({COLAB_BADGE_IMAGE})]({colab_url(notebook)})"


def binder_badge(notebook: Path) -> str:
    """The Markdown "launch Binder" badge of ``notebook``."""
    return f"[![Binder]({BINDER_BADGE_IMAGE})]({binder_url(notebook)})"


def synced(notebook: Path) -> nbformat.NotebookNode:
    """``notebook`` with its badge as the first line of its first cell and the Colab setup
    cell as its first code cell (inserted after the "## Setup" heading when missing)."""
    nb = nbformat.read(notebook, as_version=4)
    title_cell = nb.cells[0]
    lines = title_cell.source.splitlines()
    if lines and lines[0].startswith("[![Open In Colab]"):
        lines = lines[2:]  # the badge and the blank line after it
    title_cell.source = "\n".join([colab_badge(notebook), "", *lines])
    tagged = [cell for cell in nb.cells if SETUP_TAG in cell.metadata.get("tags", [])]
    if tagged:
        tagged[0].source = COLAB_SETUP_SOURCE
    else:
        heading = next(i for i, cell in enumerate(nb.cells) if cell.source.startswith("## Setup"))
        cell = nbformat.v4.new_code_cell(COLAB_SETUP_SOURCE, metadata={"tags": [SETUP_TAG]})
        cell.id = SETUP_TAG
        nb.cells.insert(heading + 1, cell)
    return nb


def out_of_sync(paths: list[Path]) -> list[Path]:
    """The notebooks among ``paths`` whose badge or setup cell differ from ``synced``."""
    return [path for path in paths if synced(path) != nbformat.read(path, as_version=4)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simtools.launch", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    args = parser.parse_args(argv)
    stale = out_of_sync(notebooks())
    if args.check:
        for path in stale:
            print(f"{path}: badge or Colab setup cell out of date; run python -m simtools.launch")
        return 1 if stale else 0
    for path in stale:
        write_atomically(path, nbformat.writes(synced(path)) + "\n")
        print("updated", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
