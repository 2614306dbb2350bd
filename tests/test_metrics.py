"""simhelpers.metrics against direct computations on small known examples."""

import numpy as np
import pytest

from simhelpers.metrics import match_metrics, open_set_scores


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


def test_open_set_scores_count_a_rejection_of_an_unknown_class_as_right():
    # index holds classes 0 and 1; class 2 is not indexed, so "no match" is its right answer
    nearest = np.array([0, 1, 1, 0, 1, 0])
    distances = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    truth = np.array([0, 1, 0, 0, 2, 2])
    # threshold 0.65: queries 0-3 matched (3 right: 0, 1, 3); both class-2 queries rejected
    scores = open_set_scores(nearest, distances, truth, [0, 1], 0.65)
    assert scores == pytest.approx(
        {"precision": 3 / 4, "recall": 3 / 4, "rejection": 1.0, "open_set_accuracy": 5 / 6}
    )
    # accepting everything matches the unknown queries too; TF Similarity's F1 sees them only as
    # false positives (2 TP / (2 TP + FP + FN)), never the rejections as right answers
    everything = open_set_scores(nearest, distances, truth, [0, 1], np.inf)
    assert everything == pytest.approx(
        {"precision": 3 / 6, "recall": 3 / 4, "rejection": 0.0, "open_set_accuracy": 3 / 6}
    )
    assert match_metrics(nearest, distances, truth, 0.65)["f1"] == pytest.approx(6 / 7)
    assert match_metrics(nearest, distances, truth, np.inf)["f1"] == pytest.approx(2 / 3)
    nothing = open_set_scores(nearest, distances, truth, [0, 1], 0.0)
    assert nothing == pytest.approx(
        {"precision": 0.0, "recall": 0.0, "rejection": 1.0, "open_set_accuracy": 2 / 6}
    )


def test_open_set_scores_without_unknown_queries_has_no_rejection_rate():
    scores = open_set_scores(np.array([0, 1]), np.array([0.1, 0.2]), np.array([0, 0]), [0, 1], 1.0)
    assert np.isnan(scores["rejection"]) and scores["open_set_accuracy"] == 0.5
