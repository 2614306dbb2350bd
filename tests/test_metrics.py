"""simhelpers.metrics against direct computations on small known examples."""

import numpy as np
import pytest

from simhelpers.metrics import (
    best_threshold,
    match_metrics,
    nearest_neighbour_accuracy,
    pair_accuracy,
)


def brute_force_best(labels, distances):
    candidates = np.concatenate([distances, [distances.max() + 1]])
    scores = [np.mean((distances >= t) == labels.astype(bool)) for t in candidates]
    return max(scores)


def test_separable_distances_give_perfect_accuracy():
    labels = np.array([0, 0, 0, 1, 1, 1])
    distances = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 1.5])
    threshold, accuracy = best_threshold(labels, distances)
    assert accuracy == 1.0 and 0.3 < threshold <= 0.8
    assert pair_accuracy(labels, distances, threshold) == 1.0


def test_best_threshold_matches_brute_force_on_noisy_data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    distances = rng.normal(labels * 0.7, 0.5).clip(0)
    threshold, accuracy = best_threshold(labels, distances)
    assert accuracy == pytest.approx(brute_force_best(labels, distances))
    assert pair_accuracy(labels, distances, threshold) == pytest.approx(accuracy)


def test_all_similar_pairs_threshold_above_every_distance():
    labels = np.zeros(4)
    distances = np.array([0.1, 0.5, 0.2, 0.3])
    threshold, accuracy = best_threshold(labels, distances)
    assert accuracy == 1.0 and threshold > distances.max() and np.isfinite(threshold)


def test_pair_accuracy_counts_threshold_as_dissimilar():
    assert pair_accuracy(np.array([1, 0]), np.array([0.5, 0.4]), 0.5) == 1.0
    assert pair_accuracy(np.array([0, 0]), np.array([0.5, 0.4]), 0.5) == 0.5


def test_nearest_neighbour_accuracy():
    gallery = np.array([[0.0, 0.0], [10.0, 10.0]])
    queries = np.array([[1.0, 0.0], [9.0, 9.0], [0.0, 2.0]])
    assert nearest_neighbour_accuracy(
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
