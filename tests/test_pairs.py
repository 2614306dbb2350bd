"""Notebook 02's pair rule, fixed evaluation pairs and threshold choice (run from the notebook's
own cells), and simhelpers.pairs' tf.data pipeline."""

from pathlib import Path

import numpy as np
import pytest

import simhelpers as sh
from simhelpers.pairs import PairIndices, image_dataset, pair_dataset, to_model_input
from simtools import lesson

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "02_siamese_contrastive.ipynb"
LABELS = np.random.default_rng(0).integers(0, 10, 3000)


def notebook_cells(*cell_ids: str, **names) -> dict:
    """Run the notebook 02 cells with these ids in a namespace holding ``names``."""
    return lesson.notebook_cells(NOTEBOOK, cell_ids, {"np": np, "sh": sh, **names})


def make_pairs(labels, seed):
    return notebook_cells("make-pairs")["make_pairs"](labels, np.random.default_rng(seed))


def draw_pairs(**parameters) -> dict:
    """The notebook's pair-drawing cell, with small label arrays for the three splits."""
    rng = np.random.default_rng(0)
    splits = {
        f"y_{s}": rng.integers(0, 10, n) for s, n in [("train", 300), ("val", 200), ("test", 100)]
    }
    return notebook_cells("make-pairs", "aedd4ee1", **splits, **parameters)


def test_two_pairs_per_image_half_of_each_kind():
    pairs = make_pairs(LABELS, seed=1)
    assert len(pairs) == 2 * len(LABELS)
    np.testing.assert_array_equal(pairs.labels[:6], [0, 1, 0, 1, 0, 1])
    assert pairs.labels.sum() == len(LABELS) and pairs.labels.dtype == np.float32
    np.testing.assert_array_equal(pairs.left, np.repeat(np.arange(len(LABELS)), 2))
    assert pairs.right.dtype.kind == "i" and pairs.right.ndim == 1


def test_similar_pairs_share_a_class_and_cover_it():
    pairs = make_pairs(LABELS, seed=2)
    similar = pairs.labels == 0
    assert (LABELS[pairs.left[similar]] == LABELS[pairs.right[similar]]).all()
    partners = pairs.right[similar]
    assert len(np.unique(partners)) > 0.5 * len(LABELS)  # random members, not one per class


def test_dissimilar_pairs_never_share_a_class_and_cover_all_other_classes_evenly():
    pairs = make_pairs(LABELS, seed=3)
    dissimilar = pairs.labels == 1
    left, right = LABELS[pairs.left[dissimilar]], LABELS[pairs.right[dissimilar]]
    assert (left != right).all()
    for cls in range(10):
        partners = np.bincount(right[left == cls], minlength=10)
        others = np.delete(partners, cls)
        assert partners[cls] == 0 and (others > 0.5 * others.mean()).all()


def test_same_seed_same_pairs_other_seed_other_pairs():
    a, b, c = (make_pairs(LABELS, seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(a.right, b.right)
    assert (a.right != c.right).any()


@pytest.mark.parametrize(
    "other", [dict(epochs=5, fresh_pairs=True), dict(epochs=2, fresh_pairs=False)]
)
def test_evaluation_pairs_do_not_depend_on_epochs_or_fresh_pairs(other):
    base = draw_pairs(seed=4, epochs=2, fresh_pairs=True)
    changed = draw_pairs(seed=4, **other)
    for name in ("pairs_val", "pairs_test", "pairs_train"):
        np.testing.assert_array_equal(base[name].right, changed[name].right)
    assert len(changed["epoch_pairs"]) == (other["epochs"] if other["fresh_pairs"] else 1)
    assert (
        base["pairs_test"].right
        != draw_pairs(seed=5, epochs=2, fresh_pairs=True)["pairs_test"].right
    ).any()


def test_fresh_pairs_are_new_every_epoch():
    epoch_pairs = draw_pairs(seed=4, epochs=3, fresh_pairs=True)["epoch_pairs"]
    assert (epoch_pairs[0].right != epoch_pairs[1].right).any()
    assert (epoch_pairs[1].right != epoch_pairs[2].right).any()


def choose_threshold(labels, scores):
    return notebook_cells("choose-threshold")["choose_threshold"](labels, scores)


def brute_force_best(labels, scores):
    candidates = np.concatenate([scores, [scores.max() + 1]])
    return max(np.mean((scores >= t) == labels.astype(bool)) for t in candidates)


def test_threshold_separates_separable_scores():
    labels = np.array([0, 0, 1, 1], dtype=np.float32)
    threshold, accuracy = choose_threshold(labels, np.array([0.1, 0.4, 0.6, 0.9]))
    assert accuracy == 1.0 and 0.4 < threshold <= 0.6


def test_threshold_matches_brute_force_on_noisy_and_tied_scores():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500).astype(np.float32)
    for scores in (labels + rng.normal(0, 0.8, 500), np.round(labels + rng.normal(0, 1, 500))):
        threshold, accuracy = choose_threshold(labels, scores)
        assert accuracy == pytest.approx(brute_force_best(labels, scores))
        assert np.mean((scores >= threshold) == labels) == pytest.approx(accuracy)


def test_threshold_above_every_score_when_all_pairs_are_similar():
    scores = np.array([0.3, 0.1, 0.2])
    threshold, accuracy = choose_threshold(np.zeros(3), scores)
    assert accuracy == 1.0 and threshold > scores.max()


def test_to_model_input_scales_and_adds_a_channel():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    scaled = to_model_input(images)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[0, :, :, 0], [[0, 1], [0.2, 0.4]])


def test_pair_dataset_gathers_the_right_images_in_batches():
    images = np.arange(12 * 4, dtype=np.uint8).reshape(12, 2, 2) * 5
    pairs = make_pairs(np.arange(12) % 3, seed=0)
    batches = list(pair_dataset(images, pairs, batch_size=5))
    assert [len(y) for (_, _), y in batches] == [5, 5, 5, 5, 4]
    (left, right), y = batches[1]
    assert tuple(left.shape) == (5, 2, 2, 1) and left.dtype.name == "float32"
    np.testing.assert_allclose(left.numpy(), to_model_input(images[pairs.left[5:10]]))
    np.testing.assert_allclose(right.numpy(), to_model_input(images[pairs.right[5:10]]))
    np.testing.assert_array_equal(y.numpy(), pairs.labels[5:10])


def test_head_keeps_the_first_pairs_in_order():
    pairs = make_pairs(LABELS, seed=5)
    first = pairs.head(7)
    assert isinstance(first, PairIndices)
    assert len(first) == 7 and len(pairs.head(10**6)) == len(pairs)
    np.testing.assert_array_equal(first.left, pairs.left[:7])
    np.testing.assert_array_equal(first.right, pairs.right[:7])
    np.testing.assert_array_equal(first.labels, pairs.labels[:7])


def _labels_in_order(dataset) -> np.ndarray:
    return np.concatenate([y.numpy() for (_, _), y in dataset])


def test_pair_dataset_shuffles_each_epoch_reproducibly():
    images = np.zeros((40, 2, 2), dtype=np.uint8)
    pairs = make_pairs(np.arange(40) % 4, seed=0)
    first = _labels_in_order(pair_dataset(images, [pairs, pairs], batch_size=8, shuffle_seed=3))
    again = _labels_in_order(pair_dataset(images, [pairs, pairs], batch_size=8, shuffle_seed=3))
    other = _labels_in_order(pair_dataset(images, [pairs, pairs], batch_size=8, shuffle_seed=4))
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()
    epoch_1, epoch_2 = first[:80], first[80:]
    assert sorted(epoch_1) == sorted(epoch_2) == sorted(pairs.labels)
    assert (epoch_1 != epoch_2).any()


def test_pair_dataset_runs_through_fresh_pairs_one_epoch_after_another():
    labels = np.arange(12) % 3
    images = np.arange(12 * 4, dtype=np.uint8).reshape(12, 2, 2) * 5
    epochs = [make_pairs(labels, seed) for seed in (1, 2)]
    dataset = pair_dataset(images, epochs, batch_size=10)
    batches = list(dataset)
    assert [len(y) for (_, _), y in batches] == [10, 10, 4, 10, 10, 4]  # each epoch batched alone
    assert len(dataset) == len(batches)
    (left, right), _ = batches[3]
    np.testing.assert_allclose(left.numpy(), to_model_input(images[epochs[1].left[:10]]))
    np.testing.assert_allclose(right.numpy(), to_model_input(images[epochs[1].right[:10]]))


def test_pair_dataset_rejects_sets_of_different_lengths():
    short, long = make_pairs(np.arange(6) % 2, 0), make_pairs(np.arange(8) % 2, 0)
    with pytest.raises(ValueError, match=r"^pairs has sets of lengths \[12, 16\]"):
        pair_dataset(np.zeros((8, 2, 2), np.uint8), [short, long], batch_size=4)


def test_image_dataset_scales_in_batches_without_reordering():
    images = np.random.default_rng(0).integers(0, 256, (10, 3, 3), dtype=np.uint8)
    batches = [batch.numpy() for batch in image_dataset(images, batch_size=4)]
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_allclose(np.concatenate(batches), to_model_input(images))


def test_a_missing_notebook_cell_is_named():
    with pytest.raises(ValueError, match="has no code cell with id 'no-such-cell'"):
        notebook_cells("no-such-cell")


def test_datasets_from_one_array_share_one_tensor_until_it_is_gone():
    from simhelpers import pairs as module

    images = np.arange(12 * 4, dtype=np.uint8).reshape(12, 2, 2)
    pairs = PairIndices(np.arange(12), np.arange(12)[::-1].copy(), np.zeros(12, np.float32))
    pair_dataset(images, pairs, batch_size=4)
    held = len(module._TENSORS)
    batches = [batch.numpy() for batch in image_dataset(images, batch_size=5)]
    assert len(module._TENSORS) == held  # the second dataset reused the first one's tensor
    np.testing.assert_allclose(np.concatenate(batches)[..., 0], images / 255.0)
    del images
    assert len(module._TENSORS) == held - 1  # dropped with its array
