"""Figures for the notebooks; each function returns its Figure, which notebooks ``plt.show()``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.offsetbox import AnnotationBbox, OffsetImage
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix, roc_auc_score, roc_curve

from simhelpers.metrics import open_set_scores
from simhelpers.pairs import PairIndices

RIGHT, WRONG = "tab:green", "tab:red"


def _readable(name: str) -> str:
    """A score's key as a label: ``open_set_accuracy`` -> ``open-set accuracy``."""
    return name.replace("open_set", "open-set").replace("_", " ")


def _grid(count: int, columns: int, cell: tuple[float, float]) -> tuple[plt.Figure, np.ndarray]:
    """A figure with room for ``count`` pictures in rows of ``columns``, no ticks or frames."""
    rows = -(-count // columns)  # count / columns, rounded up
    size = (cell[0] * columns, cell[1] * rows)
    hidden = {"xticks": [], "yticks": [], "frame_on": False}
    return plt.subplots(rows, columns, figsize=size, squeeze=False, subplot_kw=hidden)


def _finish(figure: plt.Figure, title: str | None = None) -> plt.Figure:
    """``figure`` with ``title`` above all its panels, laid out."""
    if title is not None:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def _roc(
    axis: plt.Axes, truth: np.ndarray, scores: Mapping[str, np.ndarray], xlabel: str, ylabel: str
) -> None:
    """The ROC curve of each score in ``scores`` as a detector of ``truth``, with its AUC, and
    chance."""
    for name, values in scores.items():
        false_positive_rate, true_positive_rate, _ = roc_curve(truth, values)
        auc = roc_auc_score(truth, values)
        axis.plot(false_positive_rate, true_positive_rate, label=f"{name}: AUC = {auc:.3f}")
    axis.plot([0, 1], [0, 1], linestyle="--", color="gray", label="chance")
    axis.set(xlabel=xlabel, ylabel=ylabel)
    axis.legend(loc="lower right", fontsize=8)


def show_pairs(
    images: np.ndarray,
    pairs: PairIndices,
    count: int = 8,
    title: str = "Pairs",
    distances: np.ndarray | None = None,
    threshold: float | None = None,
    columns: int = 4,
) -> plt.Figure:
    """The first ``count`` pairs side by side with their labels; given ``distances`` and
    ``threshold``, with each distance and decision instead, green if right and red if not."""
    if count < 1:
        raise ValueError(f"count={count} is invalid; expected an integer >= 1")
    count = min(count, len(pairs))
    figure, axes = _grid(count, columns, (3.2, 2.0))
    for index, axis in enumerate(axes.flat[:count]):
        left, right = images[pairs.left[index]], images[pairs.right[index]]
        axis.imshow(np.concatenate([left, right], axis=1), cmap="gray")
        truth = "dissimilar" if pairs.labels[index] else "similar"
        if distances is None or threshold is None:
            axis.set_title(f"label {pairs.labels[index]:.0f}: {truth}", fontsize=9)
            continue
        called = "dissimilar" if distances[index] >= threshold else "similar"
        colour = RIGHT if called == truth else WRONG
        axis.set_title(f"{truth} | d={distances[index]:.2f} -> {called}", fontsize=9, color=colour)
    return _finish(figure, title)


def plot_history(history: Mapping[str, Sequence[float]], metric: str, title: str) -> plt.Figure:
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
    return _finish(figure)


def plot_roc(is_dissimilar: np.ndarray, scores: Mapping[str, np.ndarray], title: str) -> plt.Figure:
    """ROC curves of each score (e.g. the learned distance and a raw-pixel baseline) as a
    detector of dissimilar pairs, with their AUCs in the legend."""
    figure, axis = plt.subplots(figsize=(5, 5))
    xlabel = "false positive rate (similar pairs called dissimilar)"
    _roc(axis, is_dissimilar, scores, xlabel, "true positive rate (dissimilar pairs found)")
    axis.set_title(title)
    return _finish(figure)


def plot_distance_histogram(
    is_dissimilar: np.ndarray,
    distances: np.ndarray,
    title: str,
    threshold: float | None = None,
    margin: float | None = None,
) -> plt.Figure:
    """Distances of similar and dissimilar pairs, overlaid, with the decision threshold and the
    contrastive loss's margin."""
    figure, axis = plt.subplots(figsize=(7, 4))
    is_dissimilar = np.asarray(is_dissimilar).astype(bool)
    bins = np.linspace(0, max(float(np.max(distances)), margin or 0) * 1.02, 60)
    axis.hist(distances[~is_dissimilar], bins=bins, alpha=0.6, label="similar pairs")
    axis.hist(distances[is_dissimilar], bins=bins, alpha=0.6, label="dissimilar pairs")
    if threshold is not None:
        axis.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.2f}")
    if margin is not None:
        axis.axvline(margin, color="tab:red", linestyle=":", label=f"margin {margin:g}")
    axis.set(title=title, xlabel="Euclidean distance between embeddings", ylabel="pairs")
    axis.legend()
    return _finish(figure)


def show_images(
    images: np.ndarray,
    labels: Sequence[int],
    class_names: Sequence[str],
    title: str,
    columns: int = 5,
) -> plt.Figure:
    """A grid of images, each titled with its class name."""
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(f"got {len(images)} images and {len(labels)} labels; expected as many, >0")
    figure, axes = _grid(len(images), columns, (1.6, 1.75))
    for axis, image, label in zip(axes.flat, images, labels, strict=False):
        axis.imshow(np.asarray(image), cmap="gray")
        axis.set_title(class_names[int(label)], fontsize=8)
    return _finish(figure, title)


def plot_retrieval(results: Mapping[str, Mapping[str, float]], title: str) -> plt.Figure:
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
    return _finish(figure)


def show_neighbors(
    query_images: Sequence[np.ndarray],
    query_labels: Sequence[int],
    neighbors: Sequence[Sequence],
    class_names: Sequence[str],
    title: str,
) -> plt.Figure:
    """One row per query: the query, then its neighbors (TF Similarity ``Lookup``s: ``data``,
    ``label``, ``distance``), framed green when of the query's class, red when not."""
    columns = 1 + max(len(found) for found in neighbors)
    figure, axes = _grid(len(query_images) * columns, columns, (1.5, 1.75))
    queries = zip(query_images, query_labels, neighbors, strict=True)
    for row, (image, label, found) in enumerate(queries):
        axes[row, 0].imshow(np.asarray(image), cmap="gray")
        axes[row, 0].set_title(f"query: {class_names[int(label)]}", fontsize=8, weight="bold")
        for axis, neighbor in zip(axes[row, 1:], found, strict=False):
            colour = RIGHT if int(neighbor.label) == int(label) else WRONG
            axis.imshow(np.asarray(neighbor.data), cmap="gray")
            axis.set_frame_on(True)
            for spine in axis.spines.values():
                spine.set(color=colour, linewidth=3)
            name = class_names[int(neighbor.label)]
            axis.set_title(f"{name}\nd={neighbor.distance:.3f}", fontsize=7, color=colour)
    return _finish(figure, title)


def plot_threshold_metrics(
    thresholds: Mapping[str, Sequence[float]],
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> plt.Figure:
    """Each score in ``thresholds`` (e.g. TF Similarity's ``CalibrationResults.thresholds``)
    against its ``"distance"`` threshold, cutpoints dashed; and the precision-recall curve."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for metric, values in thresholds.items():
        if metric != "distance":
            left.plot(thresholds["distance"], values, label=metric)
    for (name, value), style in zip((cutpoints or {}).items(), ("--", ":", "-."), strict=False):
        left.axvline(value, color="black", linestyle=style, label=f"{name} ({value:.4f})")
    left.set(title="Scores against the distance threshold", xlabel="distance threshold")
    left.set(ylabel="score", ylim=(-0.05, 1.05))
    left.legend(fontsize=8)
    right.plot(thresholds["recall"], thresholds["precision"])
    right.set(title="Precision-recall curve", xlabel="recall", ylabel="precision")
    right.set(ylim=(-0.05, 1.05))
    return _finish(figure, title)


def plot_projection(
    points: np.ndarray,
    labels: Sequence[int],
    class_names: Sequence[str],
    title: str,
    images: np.ndarray | None = None,
    thumbnails: int = 60,
) -> plt.Figure:
    """Embeddings in 2-D, one colour per class, with up to ``thumbnails`` images at their points."""
    points, labels = np.asarray(points), np.asarray(labels)
    figure, axis = plt.subplots(figsize=(9, 8))
    colours = plt.get_cmap("tab10")
    for label in np.unique(labels):
        colour, name = colours(int(label) % 10), class_names[label]
        axis.scatter(*points[labels == label].T, s=8, color=colour, label=name)
    if images is not None:
        for index in np.random.default_rng(0).permutation(len(points))[:thumbnails]:
            thumbnail = OffsetImage(np.asarray(images[index]), zoom=0.7, cmap="gray")
            frame = dict(edgecolor=colours(int(labels[index]) % 10), linewidth=1.5)
            axis.add_artist(AnnotationBbox(thumbnail, points[index], pad=0.1, bboxprops=frame))
    axis.set(title=title, xlabel="component 1", ylabel="component 2")
    axis.legend(markerscale=2, fontsize=8, loc="best")
    return _finish(figure)


def plot_open_set(
    scores: Mapping[str, np.ndarray],
    is_unknown: np.ndarray,
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> plt.Figure:
    """The first score of ``scores`` (e.g. the distance to the nearest indexed image) for queries
    whose class is indexed and for those whose class is not, with the cutpoints; and the ROC (with
    AUC) of rejecting the latter by each score."""
    is_unknown = np.asarray(is_unknown).astype(bool)
    name, values = next(iter(scores.items()))
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    bins = np.linspace(0, float(np.max(values)), 50)
    left.hist(values[~is_unknown], bins=bins, alpha=0.6, density=True, label="class indexed")
    left.hist(values[is_unknown], bins=bins, alpha=0.6, density=True, label="class not indexed")
    finite = {label: value for label, value in (cutpoints or {}).items() if np.isfinite(value)}
    for (label, value), style in zip(finite.items(), ("--", ":", "-."), strict=False):
        left.axvline(value, color="black", linestyle=style, label=f"{label} ({value:.4f})")
    left.set(title=f"Each query's {name}", xlabel=name, ylabel="density")
    left.legend(fontsize=8)
    _roc(right, is_unknown, scores, "indexed-class queries rejected", "other queries rejected")
    right.set_title("Rejecting queries of classes not indexed")
    return _finish(figure, title)


def plot_matching(
    nearest_labels: np.ndarray,
    nearest_distances: np.ndarray,
    query_labels: np.ndarray,
    indexed_classes: Sequence[int],
    threshold: float,
    class_names: Sequence[str],
    title: str,
    cutpoints: Mapping[str, float] | None = None,
) -> plt.Figure:
    """The open-set scores against the share of queries matched, with the cutpoints; and the
    confusion matrix at ``threshold``: "Unknown" (no match) is right for a class not indexed."""
    distances = np.asarray(nearest_distances)
    widths = {"width_ratios": [1, 1.15]}
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw=widths)
    answers = (nearest_labels, distances, query_labels, indexed_classes)
    grid = np.quantile(distances, np.linspace(0, 1, 101))
    sweep = [open_set_scores(*answers, value) for value in grid]
    share = [np.mean(distances <= value) for value in grid]
    for metric in sweep[0]:
        left.plot(share, [scores[metric] for scores in sweep], label=_readable(metric))
    for (name, value), style in zip((cutpoints or {}).items(), ("--", ":", "-."), strict=False):
        left.axvline(np.mean(distances <= value), color="gray", linestyle=style, label=name)
    left.axvline(np.mean(distances <= threshold), color="black", linewidth=2, label="threshold")
    left.set(xlabel="share of queries matched (threshold as a quantile of the distances)")
    left.set(title="Scores as the threshold grows", ylabel="score", ylim=(-0.05, 1.05))
    left.legend(fontsize=8, loc="lower center")
    names = [*class_names, "Unknown"]
    predicted = np.where(distances <= threshold, nearest_labels, len(class_names))
    matrix = confusion_matrix(query_labels, predicted, labels=range(len(names)))
    display = ConfusionMatrixDisplay(matrix, display_labels=names)
    display.plot(ax=right, cmap="Blues", colorbar=False, xticks_rotation=60)
    rows = [f"{name} (not indexed)" for name in class_names]
    for index in indexed_classes:
        rows[index] = class_names[index]
    right.set_yticks(range(len(names)), [*rows, "Unknown"])
    right.set(xlabel="answer (Unknown: no neighbor within the threshold)", ylabel="true class")
    scores = open_set_scores(*answers, threshold)
    summary = "  ".join(f"{_readable(name)} {value:.3f}" for name, value in scores.items())
    right.set_title(f"threshold {threshold:.4f}: {summary}", fontsize=9)
    return _finish(figure, title)


def plot_splits(
    auc: np.ndarray,
    gain: np.ndarray,
    class_names: Sequence[str],
    title: str,
    never_seen: Sequence[int] = (),
) -> plt.Figure:
    """Two class-by-class maps of the splits that leave a pair of classes out of the index: the
    AUC of rejecting them (left) and the open-set accuracy a threshold rule gains over accepting
    everything (right). Classes in ``never_seen`` are marked with an asterisk."""
    names = [f"{name}*" if c in never_seen else name for c, name in enumerate(class_names)]
    lower = np.tril(np.ones_like(auc, dtype=bool), k=-1)
    figure, axes = plt.subplots(1, 2, figsize=(14, 6))
    panels = [
        (auc, "AUC of rejecting the pair left out", "viridis", (0.5, 1.0), "{:.2f}"),
        (gain, "open-set accuracy gained over accepting all", "RdBu", (-0.1, 0.1), "{:+.2f}"),
    ]
    for axis, (values, label, colours, (low, high), text) in zip(axes, panels, strict=True):
        shown = np.where(lower, values, np.nan)
        image = axis.imshow(shown, cmap=colours, vmin=low, vmax=high)
        for row, column in zip(*np.nonzero(lower), strict=True):
            axis.text(column, row, text.format(values[row, column]), ha="center", va="center",
                      fontsize=7)  # fmt: skip
        axis.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        axis.set_yticks(range(len(names)), names, fontsize=8)
        axis.set_title(label, fontsize=10)
        figure.colorbar(image, ax=axis, shrink=0.8)
    return _finish(figure, title)
