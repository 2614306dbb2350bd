"""simhelpers.metrics against direct computations on small known examples."""

import numpy as np
import pytest

from simhelpers.metrics import match_metrics, nearest_neighbor_accuracy


def test_nearest_neighbor_accuracy():
    gallery = np.array([[0.0, 0.0], [10.0, 10.0]])
    queries = np.array([[1.0, 0.0], [9.0, 9.0], [0.0, 2.0]])
    assert nearest_neighbor_accuracy(
        gallery, np.array([0, 1]), queries, np.array([0, 1, 1])
    ) == pytest.approx(2 / 3)


def test_match_metrics_counts_as_tensorflow_similarity_defines():
    nearest = np.array([0, 1, 1, 2, 0])
    distances = np.array([0.1, 0.2, 0.3, 0.9, 0.8])
    truth = np.array([0, 1, 0, 2, 1])
    # threshold 0.5: matched 0,1,2 -> tp 2 (0, 1), fp 1 (2); unmatched right: 3 -> fn 1
    scores = match_metrics(nearest, distances, truth, 0.5)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["binary_accuracy"] == pytest.approx(2 / 5)
    assert scores["match_rate"] == pytest.approx(3 / 5)
    nothing = match_metrics(nearest, distances, truth, 0.01)
    assert nothing == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "binary_accuracy": 0.0,
        "match_rate": 0.0,
    }
