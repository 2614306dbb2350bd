"""Every notebook, executed once at the smoke scale, succeeds, reproduces its checked outputs and
records metrics at least as good as its deterministic smoke values allow.

One execution serves every check (the session's ``executed_smoke``). The checked outputs (cells
marked ``# NBVAL_CHECK_OUTPUT``) are compared with those recorded in ``expected_outputs.json``
from an earlier smoke run, numbers within ``RELATIVE``. After a deliberate change, refresh the
file with ``UPDATE_EXPECTED_OUTPUTS=1 python -m pytest tests/test_notebooks.py``.
"""

import json
import os
from pathlib import Path

import nbformat
import numpy as np
import pytest
from helpers import checked_outputs, same_output, stderr_before_first_figure

import simhelpers as sh
from simtools import lesson, run
from simtools.gallery import export_html

NOTEBOOKS = [path.stem for path in run.notebooks()]
EXPECTED = Path(__file__).with_name("expected_outputs.json")
RELATIVE = 0.02  # a float printed in a checked cell may differ this much between machines
# Smoke-scale metrics, deterministic on one machine, and how far below them a run may land on
# another machine before the test fails (a drop of 0.05 in precision@1 must fail).
FLOORS = {
    "01_metric_learning": {"precision_at_1": 0.680, "map_at_r": 0.325, "unseen_map_at_r": 0.130},
    "02_siamese_contrastive": {"test_accuracy": 0.758, "test_auc": 0.836, "nn_accuracy": 0.796},
    "03_calibration_and_projection": {"accept_all_open_set_accuracy": 0.604, "unknown_auc": 0.628},
    "04_metric_learning_keras3": {"precision_at_1": 0.686, "map_at_r": 0.321},
}
TOLERANCE = 0.03


def test_collection_has_the_notebooks():
    assert NOTEBOOKS == [
        "01_metric_learning",
        "02_siamese_contrastive",
        "03_calibration_and_projection",
        "04_metric_learning_keras3",
    ]


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_smoke_run_succeeds_and_meets_its_floors(executed_smoke, stem):
    result = executed_smoke(stem)
    assert result.error is None, f"{stem} failed: {result.error} (see {result.output})"
    for name, value in FLOORS[stem].items():
        assert result.metrics[name] >= value - TOLERANCE, f"{name} fell to {result.metrics[name]}"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_checked_outputs_reproduce(executed_smoke, stem):
    outputs = checked_outputs(executed_smoke(stem).output)
    assert len(outputs) >= 3, f"{stem} has {len(outputs)} checked cells; at least 3 expected"
    recorded = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    if os.environ.get("UPDATE_EXPECTED_OUTPUTS"):
        EXPECTED.write_text(json.dumps({**recorded, stem: outputs}, indent=1) + "\n")
        recorded[stem] = outputs
    assert outputs.keys() == recorded[stem].keys()
    for cell, text in outputs.items():
        assert same_output(recorded[stem][cell], text, RELATIVE), (recorded[stem][cell], text)


def test_metric_learning_learns(executed_smoke):
    for stem in ("01_metric_learning", "04_metric_learning_keras3"):
        metrics = executed_smoke(stem).metrics
        assert metrics["dataset"] == "fashion_mnist" and metrics["num_known_classes"] == 8
        assert metrics["last_loss"] < metrics["first_loss"]
        assert metrics["precision_at_1"] == metrics["recall_at_1"] <= metrics["recall_at_5"]
        assert 0 < metrics["map_at_r"] <= metrics["r_precision"] < metrics["recall_at_10"]
        assert metrics["unseen_precision_at_1"] > 0 and metrics["pixels_precision_at_1"] > 0.5
    assert executed_smoke("01_metric_learning").metrics["reload_same_labels"] == "True"
    keras3 = executed_smoke("04_metric_learning_keras3").metrics
    assert keras3["backend"] == "tensorflow" and keras3["simhelpers_difference"] < 0.005


def test_siamese_beats_raw_pixels_on_pairs(executed_smoke):
    metrics = executed_smoke("02_siamese_contrastive").metrics
    assert metrics["dataset"] == "mnist_10k"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert metrics["test_auc"] > metrics["pixels_test_auc"]
    assert metrics["reload_difference"] < 1e-5


def test_calibration_scores_are_consistent(executed_smoke):
    metrics = executed_smoke("03_calibration_and_projection").metrics
    assert metrics["dataset"] == "fashion_mnist" and metrics["num_indexed_classes"] == 8
    # accepting everything never answers "no match": it rejects no query of an unknown class
    assert metrics["accept_all_match_rate"] == 1 and metrics["accept_all_rejection"] == 0
    for cutpoint in ("optimal", "rule", "precise"):  # a threshold can only lose right matches
        assert metrics[f"{cutpoint}_recall"] <= metrics["accept_all_recall"]
    assert metrics["match_agreement"] > 0.99  # model.match = thresholded exact distances
    assert metrics["splits_gaining"] <= metrics["splits_rejecting"] <= 45


@pytest.mark.parametrize("projection", ["tsne", "umap"])
def test_calibration_projects_with_either_method(projection):
    # The projection cell of notebook 03 on small random embeddings: both branches, without a run.
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    namespace = lesson.notebook_cells(
        run.resolve_notebook("03"),
        ["projection-code"],
        {
            "np": np, "sh": sh, "plt": plt, "seed": 0, "projection": projection,
            "projection_size": 60, "evaluation_embeddings": rng.normal(size=(80, 16)),
            "y_evaluation": np.arange(80) % 10, "indexed_classes": list(range(8)),
            "x_evaluation": rng.integers(0, 255, (80, 28, 28), dtype=np.uint8),
            "class_names": [str(c) for c in range(10)], "data_label": "random",
        },
    )  # fmt: skip
    assert namespace["points"].shape == (60, 2)
    assert "not indexed" in namespace["row_names"][9]


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_no_stderr_before_the_first_figure(executed_smoke, stem):
    # What a reader of the gallery or site sees first: the lesson, not start-up noise.
    page = export_html(executed_smoke(stem).output).read_text(encoding="utf-8")
    assert 'src="data:image/png' in page, "the executed notebook shows no figure"
    assert stderr_before_first_figure(page) == []


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebooks_import_no_tooling(stem):
    cells = nbformat.read(run.resolve_notebook(stem), 4).cells
    assert not any("simtools" in cell.source for cell in cells if cell.cell_type == "code")
