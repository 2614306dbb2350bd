"""Scores of nearest-neighbor matching at a distance threshold, closed set and open set."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def match_metrics(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    threshold: float,
) -> dict[str, float]:
    """Precision, recall, f1, binary_accuracy (true positives per query) and match_rate of
    nearest-neighbor matching at ``threshold``, counted as TensorFlow Similarity's
    ``match_nearest`` does: a true positive is a right-class neighbor within the threshold, a
    false positive a wrong-class one, a false negative a right-class neighbor beyond it.
    """
    matched = np.asarray(nearest_distances) <= threshold
    correct = np.asarray(nearest_labels) == np.asarray(query_labels)
    tp, fp, fn = np.sum(matched & correct), np.sum(matched & ~correct), np.sum(~matched & correct)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "binary_accuracy": float(tp / len(matched)),
        "match_rate": float(matched.mean()),
    }


def open_set_scores(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    indexed_classes: Sequence[int],
    threshold: float,
) -> dict[str, float]:
    """Scores of matching when some query classes are not in the index (open set).

    A query gets its nearest neighbor's class if that neighbor is within ``threshold``, else "no
    match", the right answer for a class not in ``indexed_classes``. Returns precision (right
    among matched), recall (accuracy on indexed classes), rejection (of the other classes' queries)
    and open_set_accuracy (right answers, "no match" included, per query).
    """
    matched = np.asarray(nearest_distances) <= threshold
    truth = np.asarray(query_labels)
    right = matched & (np.asarray(nearest_labels) == truth)
    indexed = np.isin(truth, indexed_classes)
    correct = np.where(indexed, right, ~matched)
    return {
        "precision": float(right.sum() / matched.sum()) if matched.any() else 0.0,
        "recall": float(right[indexed].mean()) if indexed.any() else 0.0,
        "rejection": float((~matched[~indexed]).mean()) if (~indexed).any() else float("nan"),
        "open_set_accuracy": float(correct.mean()),
    }
