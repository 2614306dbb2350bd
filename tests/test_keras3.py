"""Notebook 04's own code (pure Keras 3): its multi-similarity loss equals TensorFlow Similarity's,
its search and metrics equal simhelpers', its calibration finds the best F1, its batches are
balanced."""

import textwrap
from pathlib import Path

import numpy as np
import pytest

import simhelpers as sh
from simtools.lesson import notebook_definitions

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "04_metric_learning_keras3.ipynb"
NAMES = ("MultiSimilarityLoss", "BalancedBatches", "lookup", "retrieval_scores", "calibrate")
# TensorFlow Similarity's defaults, then other values, so that every parameter is exercised.
CONFIGS = [{}, {"alpha": 1.0, "beta": 20.0, "epsilon": 0.3, "lmda": 0.3}]


@pytest.fixture(scope="module")
def lesson():
    import keras
    from keras import ops

    return notebook_definitions(NOTEBOOK, NAMES, {"keras": keras, "ops": ops, "np": np, "sh": sh})


def clustered(rng, labels, dimensions, spread):
    """Unit vectors scattered around one random centre per class."""
    centres = rng.normal(size=(labels.max() + 1, dimensions))
    points = centres[labels] + rng.normal(scale=spread, size=(len(labels), dimensions))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def loss_cases():
    """Batches like training's (10 classes x 8), a looser one, and one with single-image
    classes (anchors without a positive pair, which add 0 to the mean)."""
    rng = np.random.default_rng(7)
    balanced = np.repeat(np.arange(10), 8)
    uneven = np.array([0, 0, 0, 1, 1, 2, 3, 4, 4, 4, 4, 5])
    return [
        (balanced, clustered(rng, balanced, 16, 0.8)),
        (balanced, clustered(rng, balanced, 256, 2.0)),
        (uneven, clustered(rng, uneven, 8, 1.0)),
    ]


def test_loss_and_gradient_equal_tensorflow_similarity(lesson, legacy_python, tmp_path):
    import tensorflow as tf

    cases = loss_cases()
    data = tmp_path / "cases.npz"
    np.savez(
        data,
        **{
            f"{name}{i}": array
            for i, case in enumerate(cases)
            for name, array in zip(("labels", "embeddings"), case, strict=True)
        },
    )
    theirs = legacy_python(
        textwrap.dedent(
            f"""
            import json
            import numpy as np
            import tensorflow as tf
            import tensorflow_similarity as tfsim

            data = np.load({str(data)!r})
            results = []
            for i in range({len(cases)}):
                for config in {CONFIGS!r}:
                    embeddings = tf.constant(data[f"embeddings{{i}}"])
                    with tf.GradientTape() as tape:
                        tape.watch(embeddings)
                        value = tfsim.losses.MultiSimilarityLoss(**config)(
                            tf.constant(data[f"labels{{i}}"]), embeddings
                        )
                    gradient = tape.gradient(value, embeddings).numpy()
                    results.append({{"loss": float(value), "gradient": gradient.tolist()}})
            print(json.dumps(results))
            """
        )
    )
    ours = []
    for labels, embeddings in cases:
        for config in CONFIGS:
            variable = tf.constant(embeddings)
            with tf.GradientTape() as tape:
                tape.watch(variable)
                value = lesson["MultiSimilarityLoss"](**config)(tf.constant(labels), variable)
            ours.append((float(value), tape.gradient(value, variable).numpy()))
    assert len(ours) == len(theirs) == len(cases) * len(CONFIGS)
    for (loss, gradient), expected in zip(ours, theirs, strict=True):
        assert loss == pytest.approx(expected["loss"], abs=1e-5)
        np.testing.assert_allclose(gradient, expected["gradient"], atol=1e-5)
    losses = [loss for loss, _ in ours]
    assert min(losses) > 0.05 and len(set(np.round(losses, 4))) == len(losses)  # not degenerate


def test_mining_drops_easy_pairs(lesson):
    """With every pair kept (epsilon = inf) the loss is larger: mining removed some pairs."""
    labels, embeddings = loss_cases()[0]
    mined = float(lesson["MultiSimilarityLoss"]()(labels, embeddings))
    everything = float(lesson["MultiSimilarityLoss"](epsilon=np.inf)(labels, embeddings))
    assert everything > mined + 1e-3


def test_search_and_metrics_agree_with_simhelpers(lesson):
    rng = np.random.default_rng(11)
    gallery_labels, query_labels = rng.integers(0, 6, 700), rng.integers(0, 6, 1500)
    both = clustered(rng, np.concatenate([gallery_labels, query_labels]), 12, 1.5)
    gallery, queries = both[:700], both[700:]
    r = np.bincount(gallery_labels, minlength=6)[query_labels]
    indices, distances = lesson["lookup"](queries, gallery, k=int(r.max()), block=256)
    expected = sh.cosine_neighbors(gallery, queries, k=int(r.max()))
    assert np.mean(indices == expected) > 0.999  # the same ranking, up to float32 near-ties
    nearest_first = np.sort(1 - queries @ gallery.T, axis=1)[:, : int(r.max())]
    np.testing.assert_allclose(distances, nearest_first, atol=1e-5)
    relevant = gallery_labels[indices] == query_labels[:, np.newaxis]
    ours = lesson["retrieval_scores"](relevant, r)
    theirs = sh.retrieval_metrics(gallery, gallery_labels, queries, query_labels)
    assert set(ours) == set(theirs)
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value, abs=2 / len(queries)), name
    assert 0.2 < ours["map@r"] < ours["r_precision"] < ours["precision@1"] < 1  # not trivial


def test_calibration_keeps_the_threshold_with_the_best_f1(lesson):
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 5, 400)
    distances = rng.uniform(0, 1, 400)
    # Near neighbors are mostly right, far ones mostly wrong.
    right = rng.uniform(0, 1, 400) > distances
    labels = np.where(right, truth, (truth + 1) % 5)
    threshold, curves = lesson["calibrate"](labels, distances, truth)
    f1 = [sh.match_metrics(labels, distances, truth, value)["f1"] for value in distances]
    assert sh.match_metrics(labels, distances, truth, threshold)["f1"] == pytest.approx(max(f1))
    assert 0.1 < threshold < 0.95
    assert np.all(np.diff(curves["distance"]) >= 0) and np.all(np.diff(curves["recall"]) >= 0)


def test_batches_are_balanced_seeded_and_fresh_each_epoch(lesson):
    labels = np.repeat(np.arange(6), 30)
    images = np.zeros((len(labels), 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(len(labels)) // 256
    images[:, 0, 1] = np.arange(len(labels)) % 256  # each image carries its index
    batches = lesson["BalancedBatches"](images, labels, [0, 2, 4, 5], 3, 4, steps=5, seed=1)
    x, y = batches[2]
    ids = x[:, 2, 2, 0].astype(int) * 256 + x[:, 2, 3, 0]
    assert x.shape == (12, 32, 32, 3) and len(set(ids.tolist())) == 12
    classes, counts = np.unique(y, return_counts=True)
    assert len(classes) == 3 and set(classes) <= {0, 2, 4, 5} and set(counts) == {4}
    np.testing.assert_array_equal(labels[ids], y)
    again = lesson["BalancedBatches"](images, labels, [0, 2, 4, 5], 3, 4, steps=5, seed=1)
    np.testing.assert_array_equal(again[2][0], x)
    again.on_epoch_end()
    assert not np.array_equal(again[2][0], x)
