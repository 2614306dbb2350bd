"""Figures for the notebooks: pairs, training curves, ROC and distance histograms.

Each function returns its matplotlib Figure; notebooks call ``plt.show()``. They work with
any backend (inline in Jupyter, Agg headless).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import roc_auc_score, roc_curve

from simhelpers.pairs import PairIndices

RIGHT, WRONG = "tab:green", "tab:red"


def show_pairs(
    images: np.ndarray,
    pairs: PairIndices,
    count: int = 8,
    title: str = "Pairs",
    distances: np.ndarray | None = None,
    threshold: float | None = None,
    columns: int = 4,
) -> Figure:
    """The first ``count`` pairs side by side with their labels.

    With ``distances`` and ``threshold`` each title also shows the distance and the decision,
    green when it agrees with the label and red when it does not.
    """
    if count < 1:
        raise ValueError(f"count={count} is invalid; expected an integer >= 1")
    count = min(count, len(pairs))
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.0 * rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index >= count:
            continue
        left, right = images[pairs.left[index]], images[pairs.right[index]]
        axis.imshow(np.concatenate([left, right], axis=1), cmap="gray")
        truth = "dissimilar" if pairs.labels[index] else "similar"
        if distances is None or threshold is None:
            axis.set_title(f"label {pairs.labels[index]:.0f}: {truth}", fontsize=9)
            continue
        called = distances[index] >= threshold
        axis.set_title(
            f"{truth} | d={distances[index]:.2f} -> {'dissimilar' if called else 'similar'}",
            fontsize=9,
            color=RIGHT if called == bool(pairs.labels[index]) else WRONG,
        )
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_history(history: Mapping[str, Sequence[float]], metric: str, title: str) -> Figure:
    """``metric`` per epoch from a Keras ``History.history``, with its validation twin."""
    if metric not in history:
        raise ValueError(f"metric={metric!r} is not in the history; it has: {', '.join(history)}")
    figure, axis = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history[metric]) + 1)
    axis.plot(epochs, history[metric], marker="o", label="train")
    if f"val_{metric}" in history:
        axis.plot(epochs, history[f"val_{metric}"], marker="o", label="validation")
    axis.set(title=title, xlabel="epoch", ylabel=metric)
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def plot_roc(is_dissimilar: np.ndarray, distances: np.ndarray, title: str) -> Figure:
    """ROC curve of the distance as a score for 'dissimilar', with its AUC in the legend."""
    false_positive_rate, true_positive_rate, _ = roc_curve(is_dissimilar, distances)
    auc = roc_auc_score(is_dissimilar, distances)
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot(false_positive_rate, true_positive_rate, label=f"AUC = {auc:.3f}")
    axis.plot([0, 1], [0, 1], linestyle="--", color="gray", label="chance")
    axis.set(
        title=title,
        xlabel="false positive rate (similar pairs called dissimilar)",
        ylabel="true positive rate (dissimilar pairs found)",
    )
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure


def plot_distance_histogram(
    is_dissimilar: np.ndarray, distances: np.ndarray, title: str, threshold: float | None = None
) -> Figure:
    """Distances of similar and dissimilar pairs, overlaid, with the decision threshold."""
    is_dissimilar = np.asarray(is_dissimilar).astype(bool)
    figure, axis = plt.subplots(figsize=(7, 4))
    bins = np.linspace(0, float(np.max(distances)), 60)
    axis.hist(distances[~is_dissimilar], bins=bins, alpha=0.6, label="similar pairs")
    axis.hist(distances[is_dissimilar], bins=bins, alpha=0.6, label="dissimilar pairs")
    if threshold is not None:
        axis.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    axis.set(title=title, xlabel="Euclidean distance between embeddings", ylabel="pairs")
    axis.legend()
    figure.tight_layout()
    return figure
