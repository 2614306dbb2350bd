"""simhelpers.viz: each figure has the expected axes, titles, labels and colours."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from simhelpers.pairs import make_pair_indices
from simhelpers.viz import RIGHT, WRONG, plot_distance_histogram, plot_history, plot_roc, show_pairs

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
