"""Every notebook runs headless with the smoke profile, reports sane metrics, and reproduces
its NBVAL_CHECK_OUTPUT cells when nbval executes it again."""

import subprocess
import sys

import nbformat
import pytest
from helpers import stderr_before_first_figure

from simtools import run
from simtools.gallery import export_html

NOTEBOOKS = [path.stem for path in run.notebooks()]


def test_collection_has_the_notebooks():
    assert NOTEBOOKS == [
        "01_metric_learning",
        "02_siamese_contrastive",
        "03_calibration_and_projection",
        "04_metric_learning_keras3",
    ]


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_smoke_run_succeeds_and_reports_metrics(executed_smoke, stem):
    result = executed_smoke(stem)
    assert result.error is None, f"{stem} failed: {result.error} (see {result.output})"
    assert result.metrics, f"{stem} recorded no metrics"
    assert result.metrics["peak_rss_mb"] > 100


def test_siamese_metrics_are_sane(executed_smoke):
    metrics = executed_smoke("02_siamese_contrastive").metrics
    assert metrics["dataset"] == "fashion_mnist"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert metrics["test_auc"] > 0.6
    assert 0.55 < metrics["test_accuracy"] <= 1 and 0.55 < metrics["val_accuracy"] <= 1
    assert metrics["threshold"] > 0 and metrics["nn_accuracy"] > 0.3
    assert metrics["reload_difference"] < 1e-5


def test_metric_learning_metrics_are_sane(executed_smoke):
    metrics = executed_smoke("01_metric_learning").metrics
    assert metrics["dataset"] == "fashion_mnist"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert 0.3 < metrics["precision_at_1"] <= metrics["recall_at_5"] <= metrics["recall_at_10"]
    assert metrics["precision_at_1"] == metrics["recall_at_1"]
    assert 0.1 < metrics["map_at_r"] < metrics["precision_at_1"]
    assert metrics["reload_same_labels"] == "True"


def test_keras3_metric_learning_metrics_are_sane(executed_smoke):
    metrics = executed_smoke("04_metric_learning_keras3").metrics
    assert metrics["dataset"] == "fashion_mnist" and metrics["backend"] == "tensorflow"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert 0.3 < metrics["precision_at_1"] <= metrics["recall_at_5"] <= metrics["recall_at_10"]
    assert metrics["precision_at_1"] == metrics["recall_at_1"]
    assert 0.1 < metrics["map_at_r"] <= metrics["r_precision"] < metrics["recall_at_10"]
    assert metrics["simhelpers_difference"] < 0.005  # its search and metrics = simhelpers'
    assert 0 < metrics["threshold"] < 1 and 0 < metrics["evaluation_match_rate"] <= 1
    assert metrics["evaluation_f1"] > 0.3


def test_calibration_metrics_are_sane(executed_smoke):
    metrics = executed_smoke("03_calibration_and_projection").metrics
    assert metrics["dataset"] == "fashion_mnist" and metrics["num_indexed_classes"] == 8
    assert 0 <= metrics["precise_threshold"] and 0 <= metrics["best_threshold"]
    # accepting everything never answers "no match": it rejects no query of an unknown class
    assert metrics["accept_all_match_rate"] == 1 and metrics["accept_all_rejection"] == 0
    assert metrics["accept_all_open_set_accuracy"] < metrics["accept_all_recall"]
    # a threshold can only lose right answers on indexed classes
    for cutpoint in ("optimal", "best", "precise"):
        assert metrics[f"{cutpoint}_recall"] <= metrics["accept_all_recall"]
    assert 0.3 < metrics["accept_all_recall"] <= 1
    assert metrics["unknown_auc"] > 0.5  # unknown queries lie farther from the index
    assert metrics["match_agreement"] > 0.99  # model.match = thresholded lookups


def test_calibration_projects_with_umap_too(executed_smoke, tmp_path):
    # No profile sets projection="umap" (the reference projector's method), so run it once here,
    # on the artifacts of notebook 01's smoke run.
    trained = (
        executed_smoke("01_metric_learning").output.parent / "artifacts" / "01_metric_learning"
    )
    notebook = run.resolve_notebook("03_calibration_and_projection")
    parameters = run.profile_parameters("smoke", notebook)
    parameters.update(projection="umap", artifact_dir=str(trained), interactive_projector=False)
    result = run.execute(notebook, tmp_path, parameters, progress_bar=False)
    assert result.error is None, f"projection='umap' failed: {result.error}"
    cells = nbformat.read(result.output, 4).cells
    (projection_cell,) = [cell for cell in cells if "umap.UMAP(" in cell.source]
    assert any("image/png" in output.get("data", {}) for output in projection_cell.outputs)
    assert result.metrics["projection"] == "umap"


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


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_nbval_reproduces_checked_outputs(executed_smoke, stem):
    result = executed_smoke(stem)
    assert result.error is None
    checked = result.output.read_text().count("# NBVAL_CHECK_OUTPUT")
    assert checked >= 3, f"{stem} has {checked} NBVAL_CHECK_OUTPUT cells; at least 3 are expected"
    nbval = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            result.output.name,
        ],
        cwd=result.output.parent,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert nbval.returncode == 0, nbval.stdout[-3000:]
    assert " passed" in nbval.stdout and "failed" not in nbval.stdout
