"""simhelpers.viz: each figure has the expected axes, titles, labels and colours."""

from collections import namedtuple

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simhelpers.explorer import HINT, show_threshold_explorer
from simhelpers.pairs import PairIndices
from simhelpers.viz import (
    RIGHT,
    WRONG,
    plot_distance_histogram,
    plot_history,
    plot_matching,
    plot_open_set,
    plot_projection,
    plot_retrieval,
    plot_roc,
    plot_splits,
    plot_threshold_metrics,
    show_images,
    show_neighbors,
    show_pairs,
)

IMAGES = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
PAIRS = PairIndices(  # image i with image i + 4 (same class of 4), then with i + 1 (another)
    left=np.repeat(np.arange(20), 2),
    right=np.stack([(np.arange(20) + 4) % 20, (np.arange(20) + 1) % 20], axis=1).ravel(),
    labels=np.tile(np.array([0, 1], dtype=np.float32), 20),
)


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


def test_plot_roc_shows_each_score_with_its_auc():
    labels = np.array([0, 0, 1, 1])
    scores = {"learned": np.array([0.1, 0.4, 0.35, 0.8]), "pixels": np.array([0.1, 0.2, 0.3, 0.4])}
    figure = plot_roc(labels, scores, "ROC")
    (axis,) = figure.axes
    assert axis.get_title() == "ROC" and "false positive rate" in axis.get_xlabel()
    texts = [t.get_text() for t in axis.get_legend().get_texts()]
    assert texts == ["learned: AUC = 0.750", "pixels: AUC = 1.000", "chance"]


def test_plot_distance_histogram_has_both_kinds_and_threshold():
    labels = np.array([0, 0, 1, 1, 1])
    figure = plot_distance_histogram(
        labels, np.array([0.1, 0.2, 0.9, 1.1, 1.0]), "Distances", threshold=0.5, margin=2.5
    )
    (axis,) = figure.axes
    texts = [t.get_text() for t in axis.get_legend().get_texts()]
    assert texts == ["similar pairs", "dissimilar pairs", "threshold 0.50", "margin 2.5"]
    assert axis.get_xlim()[1] > 2.5  # the margin lies inside the figure
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


def test_show_neighbors_frames_right_and_wrong_matches():
    neighbors = [[Lookup(0, 0.1, RGB[1]), Lookup(3, 0.4, RGB[2])]]
    figure = show_neighbors(RGB[:1], [0], neighbors, CLASSES, "lookups")
    query, right, wrong = figure.axes
    assert query.get_title() == "query: class 0"
    assert right.get_title() == "class 0\nd=0.100" and right.title.get_color() == RIGHT
    assert wrong.title.get_color() == WRONG
    assert wrong.spines["left"].get_edgecolor()[:3] == plt.matplotlib.colors.to_rgb(WRONG)


def test_threshold_metrics_plot_every_score_and_projection_draws_thumbnails():
    thresholds = {
        "distance": [0.1, 0.2, 0.3],
        "precision": [1.0, 0.8, 0.6],
        "recall": [0.2, 0.6, 1.0],
        "f1": [0.33, 0.69, 0.75],
        "open-set accuracy": [0.5, 0.7, 0.6],
    }
    left, right = plot_threshold_metrics(thresholds, "calibration", {"optimal": 0.3}).axes
    assert (
        left.get_xlabel() == "distance threshold" and right.get_title() == "Precision-recall curve"
    )
    labels = [line.get_label() for line in left.get_lines()]
    assert labels == ["precision", "recall", "f1", "open-set accuracy", "optimal (0.3000)"]
    np.testing.assert_array_equal(right.get_lines()[0].get_xdata(), thresholds["recall"])
    points = np.random.default_rng(0).normal(size=(12, 2))
    axis = plot_projection(points, [0, 1] * 6, CLASSES, "umap", images=RGB, thumbnails=4).axes[0]
    assert axis.get_title() == "umap" and len(axis.collections) == 2 and len(axis.artists) == 4


# Six queries against an index of classes 0 and 1; class 2 is not indexed.
NEAREST = np.array([0, 1, 1, 0, 1, 0])
DISTANCES = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
TRUTH = np.array([0, 1, 0, 0, 2, 2])


def test_plot_open_set_separates_the_two_kinds_of_query():
    scores = {"distance": DISTANCES, "reversed": -DISTANCES}
    cutpoints = {"best": 0.65, "accept everything": np.inf}
    figure = plot_open_set(scores, TRUTH == 2, "open set", cutpoints)
    left, right = figure.axes
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "class indexed",
        "class not indexed",
        "best (0.6500)",
    ]
    # unknown queries (0.7, 0.9) lie beyond every known one but 0.6: AUC = 8/8
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend == ["distance: AUC = 1.000", "reversed: AUC = 0.000", "chance"]
    assert left.get_xlabel() == "distance"  # the first score is the histogram's


def test_plot_matching_draws_scores_and_the_confusion_matrix_with_unknown():
    figure = plot_matching(
        NEAREST, DISTANCES, TRUTH, [0, 1], 0.65, CLASSES[:3], "matching", {"best": 0.65}
    )
    curves, matrix = figure.axes
    assert [t.get_text() for t in matrix.get_xticklabels()][-2:] == ["class 2", "Unknown"]
    assert [t.get_text() for t in matrix.get_yticklabels()][2] == "class 2 (not indexed)"
    # matched within 0.65: queries 0-3 (answers 0, 1, 1, 0); queries 4, 5 get Unknown (3)
    assert matrix.images[0].get_array().tolist() == [
        [2, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 2],
        [0, 0, 0, 0],
    ]
    assert "rejection 1.000" in matrix.get_title()
    labels = [line.get_label() for line in curves.get_lines()]
    assert labels[:4] == ["precision", "recall", "rejection", "open-set accuracy"]
    assert labels[-2:] == ["best", "threshold"]


def test_threshold_explorer_redraws_one_figure_in_place(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown.append(bundle))
    box = show_threshold_explorer(
        NEAREST, DISTANCES, TRUTH, [0, 1], CLASSES[:3], {"best": 0.65, "strict": 0.25}, "explorer"
    )
    (bundle,) = shown  # one output: the widget, with its static fallback
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,')
    assert bundle["text/plain"] == HINT and HINT in bundle["text/html"]
    header, slider, scores, image = box.children
    assert "not for choosing" in header.value
    # stops: the 41 quantiles of six distances hold each distance; the cutpoints are named
    labels = [label for label, _ in slider.options]
    assert "0.6500 = best" in labels and "0.2500 = strict" in labels and "0.9000" in labels
    assert slider.value == 0.65 and bytes(image.value).startswith(b"\x89PNG")
    assert "precision <b>0.750</b>" in scores.value and "rejection <b>1.000</b>" in scores.value
    before = image.value
    slider.value = 0.9  # accept everything: both unknown queries are matched
    assert image.value != before and bytes(image.value).startswith(b"\x89PNG")
    assert "recall <b>0.750</b>" in scores.value and "rejection <b>0.000</b>" in scores.value
    assert len(shown) == 1  # the figure changed inside the box; nothing new was displayed


def test_plot_splits_shows_each_pair_once_and_marks_never_seen_classes():
    auc = np.full((10, 10), 0.7)
    gain = np.zeros((10, 10))
    gain[3, 1] = 0.05
    figure = plot_splits(auc, gain, CLASSES, "splits", never_seen=[0])
    left, right = figure.axes[:2]
    assert len(left.texts) == len(right.texts) == 45  # the lower triangle: each pair once
    assert "+0.05" in [t.get_text() for t in right.texts]
    assert [t.get_text() for t in left.get_yticklabels()][:2] == ["class 0*", "class 1"]
