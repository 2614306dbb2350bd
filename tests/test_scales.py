"""The one value a learner changes, ``scale``, gives each notebook the same parameters as the
headless profile of that name (which papermill injects after the parameters cell)."""

from unittest import mock

import nbformat
import pytest

import simhelpers as sh
from simtools import run

NOTEBOOKS = run.notebooks()
PROFILES = ["smoke", "quick", "full"]


def parameters_then_scales(notebook, injected: dict | None = None, scale: str | None = None):
    """Run the parameters cell (with ``scale`` edited in, as a learner would), papermill's
    injected assignments, then the next code cell, which applies the scale; return the
    parameters' values."""
    cells = nbformat.read(notebook, as_version=4).cells
    (index,) = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    source = cells[index].source
    if scale is not None:
        default = next(line for line in source.splitlines() if line.startswith("scale = "))
        source = source.replace(default, f"scale = {scale!r}")
    backends = {name: mock.MagicMock() for name in ("tf", "keras")}  # seeds, determinism: no-ops
    namespace = {"sh": sh, **backends}
    exec(source, namespace)
    names = [name for name in namespace if name not in ("sh", "__builtins__", *backends)]
    for name, value in (injected or {}).items():
        namespace[name] = value
    apply = next(c for c in cells[index + 1 :] if c.cell_type == "code")
    assert "sh.fill_unset(globals(), scales[scale])" in apply.source, "the next code cell"
    exec(apply.source, namespace)  # its globals() is the namespace
    return {name: namespace[name] for name in names}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_editing_scale_equals_the_headless_profile(notebook, profile):
    headless = parameters_then_scales(notebook, run.profile_parameters(profile, notebook))
    edited = parameters_then_scales(notebook, scale=profile)
    assert edited == headless
    assert edited["scale"] == profile
    assert None not in (edited[name] for name in edited if name != "classes_per_batch")


def test_a_parameter_set_by_hand_wins_over_the_scale():
    notebook = run.resolve_notebook("01")
    values = parameters_then_scales(notebook, {"scale": "quick", "steps_per_epoch": 7})
    assert values["steps_per_epoch"] == 7 and values["epochs"] == 3


def test_scales_differ_where_they_should():
    notebook = run.resolve_notebook("02")
    smoke, full = (parameters_then_scales(notebook, scale=s) for s in ("smoke", "full"))
    assert (smoke["dataset"], full["dataset"]) == ("mnist_10k", "mnist")
    assert smoke["train_size"] < full["train_size"]
