"""Scores for learned distances: decision thresholds, pair accuracy, nearest-neighbour accuracy."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier


def best_threshold(is_dissimilar: np.ndarray, distances: np.ndarray) -> tuple[float, float]:
    """The distance threshold with the highest pair accuracy, and that accuracy.

    A pair is called dissimilar when its distance is at or above the threshold. Choose it on
    validation pairs, then report accuracy on test pairs with ``pair_accuracy``.
    """
    # A scan over sorted distances (rather than sklearn's roc_curve, which is undefined when
    # all pairs share one label) tries every distinct distance and one above them all.
    is_dissimilar = np.asarray(is_dissimilar).astype(bool)
    distances = np.asarray(distances, dtype=np.float64)
    candidates = np.append(np.unique(distances), distances.max() + 1e-6)
    dissimilar = np.sort(distances[is_dissimilar])
    similar = np.sort(distances[~is_dissimilar])
    correct = (len(dissimilar) - np.searchsorted(dissimilar, candidates)) + np.searchsorted(
        similar, candidates
    )
    best = int(np.argmax(correct))
    return float(candidates[best]), float(correct[best] / len(distances))


def pair_accuracy(is_dissimilar: np.ndarray, distances: np.ndarray, threshold: float) -> float:
    """Share of pairs called right: dissimilar when ``distance >= threshold``."""
    predicted = np.asarray(distances) >= threshold
    return float(np.mean(predicted == np.asarray(is_dissimilar).astype(bool)))


def nearest_neighbour_accuracy(
    gallery: np.ndarray, gallery_labels: np.ndarray, queries: np.ndarray, query_labels: np.ndarray
) -> float:
    """Share of queries whose nearest gallery embedding (Euclidean) has the query's label."""
    classifier = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(gallery, gallery_labels)
    return float(np.mean(classifier.predict(queries) == np.asarray(query_labels)))
