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

from simhelpers.metrics import open_set_scores
from simhelpers.pairs import PairIndices

RIGHT, WRONG = "tab:green", "tab:red"


def _readable(name: str) -> str:
    """A score's key as a label: ``open_set_accuracy`` -> ``open-set accuracy``."""
    return name.replace("open_set", "open-set").replace("_", " ")


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


def show_images(
    images: np.ndarray,
    labels: Sequence[int],
    class_names: Sequence[str],
    title: str,
    columns: int = 5,
) -> Figure:
    """A grid of images, each titled with its class name."""
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(f"got {len(images)} images and {len(labels)} labels; expected as many, >0")
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.75 * rows), squeeze=False)
    for axis in axes.flat:
        axis.set_axis_off()
    for axis, image, label in zip(axes.flat, images, labels, strict=False):
        axis.imshow(np.asarray(image), cmap="gray")
        axis.set_title(class_names[int(label)], fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_retrieval(results: Mapping[str, Mapping[str, float]], title: str) -> Figure:
    """Grouped bars: one group per metric, one bar per query group (e.g. known, unseen)."""
    groups = list(results)
    metrics = list(results[groups[0]])
    figure, axis = plt.subplots(figsize=(1.2 + 1.1 * len(metrics) * len(groups) / 2, 4))
    width = 0.8 / len(groups)
    positions = np.arange(len(metrics))
    for offset, group in enumerate(groups):
        values = [results[group][metric] for metric in metrics]
        bars = axis.bar(positions + offset * width, values, width, label=group)
        axis.bar_label(bars, fmt="%.2f", fontsize=7)
    axis.set_xticks(positions + width * (len(groups) - 1) / 2, metrics)
    axis.set(title=title, xlabel="retrieval metric", ylabel="score", ylim=(0, 1.08))
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure


def show_neighbors(
    query_images: Sequence[np.ndarray],
    query_labels: Sequence[int],
    neighbors: Sequence[Sequence],
    class_names: Sequence[str],
    title: str,
) -> Figure:
    """One row per query: the query, then its neighbors (TF Similarity ``Lookup`` objects with
    ``data``, ``label`` and ``distance``), framed green when of the query's class, red if not.
    """
    rows, columns = len(query_images), 1 + max(len(row) for row in neighbors)
    figure, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.75 * rows), squeeze=False)
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_frame_on(False)
    for row, (image, label, found) in enumerate(
        zip(query_images, query_labels, neighbors, strict=True)
    ):
        axes[row, 0].imshow(np.asarray(image), cmap="gray")
        axes[row, 0].set_title(f"query: {class_names[int(label)]}", fontsize=8, weight="bold")
        for column, neighbor in enumerate(found, start=1):
            axis = axes[row, column]
            axis.imshow(np.asarray(neighbor.data), cmap="gray")
            colour = RIGHT if int(neighbor.label) == int(label) else WRONG
            axis.set_frame_on(True)
            for spine in axis.spines.values():
                spine.set(color=colour, linewidth=3)
            name = class_names[int(neighbor.label)]
            axis.set_title(f"{name}\nd={neighbor.distance:.3f}", fontsize=7, color=colour)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_threshold_metrics(
    thresholds: Mapping[str, Sequence[float]],
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> Figure:
    """Each score in ``thresholds`` (e.g. TF Similarity's ``CalibrationResults.thresholds``)
    against its ``"distance"`` threshold, cutpoints dashed; and the precision-recall curve.
    """
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    distance = np.asarray(thresholds["distance"])
    for metric, values in thresholds.items():
        if metric != "distance":
            left.plot(distance, values, label=metric)
    for (name, value), style in zip((cutpoints or {}).items(), ("--", ":", "-."), strict=False):
        left.axvline(value, color="black", linestyle=style, label=f"{name} ({value:.4f})")
    left.set(title="Scores against the distance threshold", xlabel="distance threshold")
    left.set(ylabel="score", ylim=(-0.05, 1.05))
    left.legend(fontsize=8)
    right.plot(thresholds["recall"], thresholds["precision"])
    right.set(title="Precision-recall curve", xlabel="recall", ylabel="precision")
    right.set(ylim=(-0.05, 1.05))
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_projection(
    points: np.ndarray,
    labels: Sequence[int],
    class_names: Sequence[str],
    title: str,
    images: np.ndarray | None = None,
    thumbnails: int = 60,
) -> Figure:
    """A 2-D projection of embeddings, one colour per class, with up to ``thumbnails`` images
    drawn at their points so that clusters can be read by eye.
    """
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    points, labels = np.asarray(points), np.asarray(labels)
    figure, axis = plt.subplots(figsize=(9, 8))
    colours = plt.get_cmap("tab10")
    for label in np.unique(labels):
        where = labels == label
        axis.scatter(
            *points[where].T, s=8, color=colours(int(label) % 10), label=class_names[label]
        )
    if images is not None:
        chosen = np.random.default_rng(0).permutation(len(points))[:thumbnails]
        for index in chosen:
            thumbnail = OffsetImage(np.asarray(images[index]), zoom=0.7, cmap="gray")
            frame = dict(edgecolor=colours(int(labels[index]) % 10), linewidth=1.5)
            axis.add_artist(AnnotationBbox(thumbnail, points[index], pad=0.1, bboxprops=frame))
    axis.set(title=title, xlabel="component 1", ylabel="component 2")
    axis.legend(markerscale=2, fontsize=8, loc="best")
    figure.tight_layout()
    return figure


def plot_open_set(
    nearest_distances: np.ndarray,
    is_unknown: np.ndarray,
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> Figure:
    """Nearest-neighbor distances of queries whose class is indexed and of those whose class is
    not, with the cutpoints; and the ROC (with AUC) of rejecting the latter by that distance.
    """
    distances, is_unknown = np.asarray(nearest_distances), np.asarray(is_unknown).astype(bool)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    bins = np.linspace(0, float(distances.max()), 50)
    left.hist(distances[~is_unknown], bins=bins, alpha=0.6, density=True, label="class indexed")
    left.hist(distances[is_unknown], bins=bins, alpha=0.6, density=True, label="class not indexed")
    for (name, value), style in zip((cutpoints or {}).items(), ("--", ":", "-."), strict=False):
        left.axvline(value, color="black", linestyle=style, label=f"{name} ({value:.4f})")
    left.set(title="Distance to the nearest indexed image", xlabel="distance", ylabel="density")
    left.legend(fontsize=8)
    false_positive_rate, true_positive_rate, _ = roc_curve(is_unknown, distances)
    auc = roc_auc_score(is_unknown, distances)
    right.plot(false_positive_rate, true_positive_rate, label=f"AUC = {auc:.3f}")
    right.plot([0, 1], [0, 1], linestyle="--", color="gray", label="chance")
    right.set(
        title="Rejecting queries of classes not indexed, by distance",
        xlabel="indexed-class queries rejected",
        ylabel="other queries rejected",
    )
    right.legend(loc="lower right")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_matching(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    indexed_classes: Sequence[int],
    threshold: float,
    class_names: Sequence[str],
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> Figure:
    """Left: the open-set scores against the share of queries matched, ``cutpoints`` dashed and
    ``threshold`` solid. Right: the confusion matrix at ``threshold``, where "Unknown" is "no
    neighbor within the threshold", the right answer for a class that is not indexed.
    """
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    distances = np.asarray(nearest_distances)
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1.15]}
    )
    grid = np.quantile(distances, np.linspace(0, 1, 101))
    sweep = [
        open_set_scores(nearest_labels, distances, query_labels, indexed_classes, value)
        for value in grid
    ]
    share = [np.mean(distances <= value) for value in grid]
    for metric in sweep[0]:
        left.plot(share, [scores[metric] for scores in sweep], label=_readable(metric))
    for (name, value), style in zip((cutpoints or {}).items(), ("--", ":", "-."), strict=False):
        left.axvline(np.mean(distances <= value), color="gray", linestyle=style, label=name)
    left.axvline(np.mean(distances <= threshold), color="black", linewidth=2, label="threshold")
    left.set(xlabel="share of queries matched (threshold as a quantile of the distances)")
    left.set(title="Scores as the threshold grows", ylabel="score", ylim=(-0.05, 1.05))
    left.legend(fontsize=8, loc="lower center")
    unknown = len(class_names)
    predicted = np.where(distances <= threshold, nearest_labels, unknown)
    names = [*class_names, "Unknown"]
    matrix = confusion_matrix(query_labels, predicted, labels=range(len(names)))
    ConfusionMatrixDisplay(matrix, display_labels=names).plot(
        ax=right, cmap="Blues", colorbar=False, xticks_rotation=60
    )
    rows = [f"{name} (not indexed)" for name in class_names]
    for index in indexed_classes:
        rows[index] = class_names[index]
    right.set_yticks(range(len(names)), [*rows, "Unknown"])
    right.set(xlabel="answer (Unknown: no neighbor within the threshold)", ylabel="true class")
    scores = open_set_scores(nearest_labels, distances, query_labels, indexed_classes, threshold)
    summary = "  ".join(f"{_readable(name)} {value:.3f}" for name, value in scores.items())
    right.set_title(f"threshold {threshold:.4f}: {summary}", fontsize=9)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
