"""Every notebook runs headless with the smoke profile, reports sane metrics, and reproduces
its NBVAL_CHECK_OUTPUT cells when nbval executes it again."""

import subprocess
import sys

import pytest

from simtools import run

NOTEBOOKS = [path.stem for path in run.notebooks()]
NEEDS = {"03_calibration_and_projection": "01_metric_learning"}  # loads 01's artifacts


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run each notebook once per test session (in file order: 01 before 03)."""
    output_dir = tmp_path_factory.mktemp("smoke")
    cache = {}

    def get(stem):
        if stem in NEEDS:
            get(NEEDS[stem])
        if stem not in cache:
            notebook = run.resolve_notebook(stem)
            parameters = run.profile_parameters("smoke", notebook)
            cache[stem] = run.execute(notebook, output_dir, parameters, progress_bar=False)
        return cache[stem]

    return get


def test_collection_has_the_notebooks():
    assert NOTEBOOKS == [
        "01_metric_learning",
        "02_siamese_contrastive",
        "03_calibration_and_projection",
        "04_metric_learning_keras3",
    ]


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_smoke_run_succeeds_and_reports_metrics(executed, stem):
    result = executed(stem)
    assert result.error is None, f"{stem} failed: {result.error} (see {result.output})"
    assert result.metrics, f"{stem} recorded no metrics"
    assert result.metrics["peak_rss_mb"] > 100


def test_siamese_metrics_are_sane(executed):
    metrics = executed("02_siamese_contrastive").metrics
    assert metrics["dataset"] == "fashion_mnist"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert metrics["test_auc"] > 0.6
    assert 0.55 < metrics["test_accuracy"] <= 1 and 0.55 < metrics["val_accuracy"] <= 1
    assert metrics["threshold"] > 0 and metrics["nn_accuracy"] > 0.3
    assert metrics["reload_difference"] < 1e-5


def test_metric_learning_metrics_are_sane(executed):
    metrics = executed("01_metric_learning").metrics
    assert metrics["dataset"] == "fashion_mnist"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert 0.3 < metrics["precision_at_1"] <= metrics["recall_at_5"] <= metrics["recall_at_10"]
    assert metrics["precision_at_1"] == metrics["recall_at_1"]
    assert 0.1 < metrics["map_at_r"] < metrics["precision_at_1"]
    assert metrics["reload_same_labels"] == "True"


def test_keras3_metric_learning_metrics_are_sane(executed):
    metrics = executed("04_metric_learning_keras3").metrics
    assert metrics["dataset"] == "fashion_mnist" and metrics["backend"] == "tensorflow"
    assert metrics["last_loss"] < metrics["first_loss"]
    assert 0.3 < metrics["precision_at_1"] <= metrics["recall_at_5"] <= metrics["recall_at_10"]
    assert metrics["precision_at_1"] == metrics["recall_at_1"]
    assert 0.1 < metrics["map_at_r"] <= metrics["r_precision"] < metrics["recall_at_10"]
    assert metrics["simhelpers_difference"] < 0.005  # its search and metrics = simhelpers'
    assert 0 < metrics["threshold"] < 1 and 0 < metrics["evaluation_match_rate"] <= 1
    assert metrics["evaluation_f1"] > 0.3


def test_calibration_metrics_are_sane(executed):
    metrics = executed("03_calibration_and_projection").metrics
    assert 0 <= metrics["precise_threshold"] <= metrics["optimal_threshold"]
    assert metrics["precise_evaluation_precision"] >= metrics["evaluation_precision"]
    assert metrics["precise_evaluation_recall"] <= metrics["evaluation_recall"]
    assert 0.3 < metrics["evaluation_f1"] < metrics["indexed_queries_f1"]
    assert metrics["indexed_queries_f1"] > 0.99  # indexed images find themselves
    assert 0 < metrics["evaluation_match_rate"] <= 1


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_nbval_reproduces_checked_outputs(executed, stem):
    result = executed(stem)
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
