"""simhelpers.viz: each figure has the expected axes, titles, labels and colours."""

from collections import namedtuple

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simhelpers.explorer import show_threshold_explorer
from simhelpers.pairs import make_pair_indices
from simhelpers.viz import (
    RIGHT,
    WRONG,
    plot_distance_histogram,
    plot_history,
    plot_matching,
    plot_projection,
    plot_retrieval,
    plot_roc,
    plot_threshold_metrics,
    show_images,
    show_neighbours,
    show_pairs,
)

IMAGES = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
PAIRS = make_pair_indices(np.arange(20) % 4, seed=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def visible_axes(figure):
    return [axis for axis in figure.axes if axis.images]


def test_show_pairs_labels_each_pair():
    figure = show_pairs(IMAGES, PAIRS, count=6, title="train pairs", columns=4)
    axes = visible_axes(figure)
    assert len(axes) == 6 and len(figure.axes) == 8
    assert figure._suptitle.get_text() == "train pairs"
    assert [a.get_title() for a in axes[:2]] == ["label 0: similar", "label 1: dissimilar"]
    assert axes[0].images[0].get_array().shape == (28, 56)


def test_show_pairs_with_predictions_colours_right_and_wrong():
    distances = np.where(PAIRS.labels == 1, 2.0, 0.1)
    distances[0] = 3.0  # a similar pair called dissimilar
    figure = show_pairs(IMAGES, PAIRS, count=4, distances=distances, threshold=1.0)
    titles = [a.title for a in visible_axes(figure)]
    assert (
        titles[0].get_text() == "similar | d=3.00 -> dissimilar" and titles[0].get_color() == WRONG
    )
    assert (
        titles[1].get_text() == "dissimilar | d=2.00 -> dissimilar"
        and titles[1].get_color() == RIGHT
    )


def test_show_pairs_refuses_zero_count():
    with pytest.raises(ValueError, match="count=0 is invalid"):
        show_pairs(IMAGES, PAIRS, count=0)


def test_plot_history_train_and_validation():
    figure = plot_history({"loss": [0.3, 0.2, 0.1], "val_loss": [0.35, 0.25, 0.2]}, "loss", "Loss")
    (axis,) = figure.axes
    assert (
        axis.get_title() == "Loss" and axis.get_xlabel() == "epoch" and axis.get_ylabel() == "loss"
    )
    assert [line.get_label() for line in axis.lines] == ["train", "validation"]
    np.testing.assert_array_equal(axis.lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_unknown_metric():
    with pytest.raises(ValueError, match="metric='accuracy' is not in the history; it has: loss"):
        plot_history({"loss": [1.0]}, "accuracy", "x")


def test_plot_roc_shows_auc():
    labels = np.array([0, 0, 1, 1])
    figure = plot_roc(labels, np.array([0.1, 0.4, 0.35, 0.8]), "ROC")
    (axis,) = figure.axes
    assert axis.get_title() == "ROC" and "false positive rate" in axis.get_xlabel()
    assert axis.get_legend().get_texts()[0].get_text() == "AUC = 0.750"


def test_plot_distance_histogram_has_both_kinds_and_threshold():
    labels = np.array([0, 0, 1, 1, 1])
    figure = plot_distance_histogram(
        labels, np.array([0.1, 0.2, 0.9, 1.1, 1.0]), "Distances", threshold=0.5
    )
    (axis,) = figure.axes
    texts = [t.get_text() for t in axis.get_legend().get_texts()]
    assert texts == ["similar pairs", "dissimilar pairs", "threshold 0.50"]
    assert axis.get_xlabel().startswith("Euclidean distance") and axis.get_title() == "Distances"


Lookup = namedtuple("Lookup", "label distance data")  # the fields of TF Similarity's Lookup
CLASSES = [f"class {i}" for i in range(10)]
RGB = np.random.default_rng(1).integers(0, 256, (12, 32, 32, 3), dtype=np.uint8)


def test_show_images_titles_each_image_with_its_class():
    figure = show_images(RGB[:7], [0, 1, 2, 3, 4, 5, 6], CLASSES, "samples", columns=5)
    assert len(visible_axes(figure)) == 7 and len(figure.axes) == 10
    assert [a.get_title() for a in visible_axes(figure)][:2] == ["class 0", "class 1"]
    with pytest.raises(ValueError, match="got 2 images and 3 labels"):
        show_images(RGB[:2], [0, 1, 2], CLASSES, "x")


def test_plot_retrieval_groups_bars_by_metric():
    results = {
        "known": {"precision@1": 0.9, "map@r": 0.5},
        "unseen": {"precision@1": 0.6, "map@r": 0.3},
    }
    axis = plot_retrieval(results, "retrieval").axes[0]
    assert axis.get_title() == "retrieval" and axis.get_ylabel() == "score"
    assert [t.get_text() for t in axis.get_xticklabels()] == ["precision@1", "map@r"]
    assert [p.get_height() for p in axis.patches] == [0.9, 0.5, 0.6, 0.3]


def test_show_neighbours_frames_right_and_wrong_matches():
    neighbours = [[Lookup(0, 0.1, RGB[1]), Lookup(3, 0.4, RGB[2])]]
    figure = show_neighbours(RGB[:1], [0], neighbours, CLASSES, "lookups")
    query, right, wrong = figure.axes
    assert query.get_title() == "query: class 0"
    assert right.get_title() == "class 0\nd=0.100" and right.title.get_color() == RIGHT
    assert wrong.title.get_color() == WRONG
    assert wrong.spines["left"].get_edgecolor()[:3] == plt.matplotlib.colors.to_rgb(WRONG)


def test_threshold_metrics_and_projection_and_matching_figures():
    thresholds = {
        "distance": [0.1, 0.2, 0.3],
        "precision": [1.0, 0.8, 0.6],
        "recall": [0.2, 0.6, 1.0],
        "f1": [0.33, 0.69, 0.75],
    }
    left, right = plot_threshold_metrics(thresholds, "calibration", {"optimal": 0.3}).axes
    assert (
        left.get_xlabel() == "distance threshold" and right.get_title() == "Precision-recall curve"
    )
    assert [line.get_label() for line in left.get_lines()][-1] == "optimal (0.300)"
    points = np.random.default_rng(0).normal(size=(12, 2))
    axis = plot_projection(points, [0, 1] * 6, CLASSES, "umap", images=RGB, thumbnails=4).axes[0]
    assert axis.get_title() == "umap" and len(axis.collections) == 2 and len(axis.artists) == 4
    figure = plot_matching(
        np.array([0, 1, 1]),
        np.array([0.1, 0.2, 0.9]),
        np.array([0, 1, 0]),
        0.5,
        CLASSES[:2],
        "matching",
    )
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_xticklabels()] == ["class 0", "class 1", "Unknown"]
    assert "threshold 0.5000: precision 1.000" in axis.get_title()
    assert axis.images[0].get_array().tolist() == [[1, 0, 1], [0, 1, 0], [0, 0, 0]]


def test_threshold_explorer_draws_the_static_figure_and_a_readable_widget(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown.append(bundle))
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf().axes[0].get_title()))
    box = show_threshold_explorer(
        np.array([0, 1]), np.array([0.1, 0.3]), np.array([0, 0]), CLASSES[:2], 0.2, "explorer"
    )
    assert shown[0].startswith("explorer\nthreshold 0.2000")
    assert "application/vnd.jupyter.widget-view+json" in shown[1]
    assert shown[1]["text/plain"].startswith("[threshold explorer: a slider")
    slider = box.children[1]
    slider.value = 0.31
    assert shown[-1].startswith("explorer\nthreshold 0.3100: precision 0.500")
