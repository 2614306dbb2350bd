"""simhelpers.pairs: the pair rule, determinism, and the tf.data pipeline."""

import numpy as np
import pytest

from simhelpers.pairs import (
    image_dataset,
    make_pair_indices,
    pair_dataset,
    to_model_input,
)

LABELS = np.random.default_rng(0).integers(0, 10, 3000)


def test_two_pairs_per_image_half_of_each_kind():
    pairs = make_pair_indices(LABELS, seed=1)
    assert len(pairs) == 2 * len(LABELS)
    np.testing.assert_array_equal(pairs.labels[:6], [0, 1, 0, 1, 0, 1])
    assert pairs.labels.sum() == len(LABELS)
    np.testing.assert_array_equal(pairs.left, np.repeat(np.arange(len(LABELS)), 2))


def test_positives_share_a_class_with_another_image():
    pairs = make_pair_indices(LABELS, seed=2)
    similar = pairs.labels == 0
    assert (LABELS[pairs.left[similar]] == LABELS[pairs.right[similar]]).all()
    assert (pairs.left[similar] != pairs.right[similar]).all()


def test_negatives_never_share_a_class_and_cover_all_other_classes():
    pairs = make_pair_indices(LABELS, seed=3)
    dissimilar = pairs.labels == 1
    left, right = LABELS[pairs.left[dissimilar]], LABELS[pairs.right[dissimilar]]
    assert (left != right).all()
    for cls in range(10):
        partners = np.bincount(right[left == cls], minlength=10)
        assert partners[cls] == 0 and (np.delete(partners, cls) > 0).all()


def test_same_seed_same_pairs_other_seed_other_pairs():
    a, b, c = (make_pair_indices(LABELS, seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(a.right, b.right)
    assert (a.right != c.right).any()


def test_pairs_are_small_index_arrays_not_images():
    pairs = make_pair_indices(LABELS, seed=0)
    assert pairs.left.dtype.kind == "i" and pairs.right.dtype.kind == "i"
    assert pairs.left.ndim == pairs.right.ndim == pairs.labels.ndim == 1
    assert pairs.labels.dtype == np.float32


def test_string_labels_and_two_images_per_class_work():
    labels = np.array(["cat", "dog", "cat", "dog"])
    pairs = make_pair_indices(labels, seed=0)
    assert (labels[pairs.left[0::2]] == labels[pairs.right[0::2]]).all()
    assert (pairs.right[0::2] == [2, 3, 0, 1]).all()


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([1, 1, 1]), "1 classes"),
        (np.array([0, 0, 1]), "smallest with 1 images"),
        (np.zeros((2, 2)), "shape"),
    ],
)
def test_unusable_labels_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        make_pair_indices(labels, seed=0)


def test_to_model_input_scales_and_adds_a_channel():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    scaled = to_model_input(images)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[0, :, :, 0], [[0, 1], [0.2, 0.4]])


def test_pair_dataset_gathers_the_right_images_in_batches():
    images = np.arange(12 * 4, dtype=np.uint8).reshape(12, 2, 2) * 5
    labels = np.arange(12) % 3
    pairs = make_pair_indices(labels, seed=0)
    batches = list(pair_dataset(images, pairs, batch_size=5))
    assert [len(y) for (_, _), y in batches] == [5, 5, 5, 5, 4]
    (left, right), y = batches[1]
    assert tuple(left.shape) == (5, 2, 2, 1) and left.dtype.name == "float32"
    np.testing.assert_allclose(left.numpy(), to_model_input(images[pairs.left[5:10]]))
    np.testing.assert_allclose(right.numpy(), to_model_input(images[pairs.right[5:10]]))
    np.testing.assert_array_equal(y.numpy(), pairs.labels[5:10])


def test_head_keeps_the_first_pairs_in_order():
    pairs = make_pair_indices(LABELS, seed=5)
    first = pairs.head(7)
    assert len(first) == 7 and len(pairs.head(10**6)) == len(pairs)
    np.testing.assert_array_equal(first.left, pairs.left[:7])
    np.testing.assert_array_equal(first.right, pairs.right[:7])
    np.testing.assert_array_equal(first.labels, pairs.labels[:7])


def _labels_in_order(dataset) -> np.ndarray:
    return np.concatenate([y.numpy() for (_, _), y in dataset])


def test_pair_dataset_shuffles_each_epoch_reproducibly():
    images = np.zeros((40, 2, 2), dtype=np.uint8)
    pairs = make_pair_indices(np.arange(40) % 4, seed=0)
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
    epochs = [make_pair_indices(labels, seed) for seed in (1, 2)]
    dataset = pair_dataset(images, epochs, batch_size=10)
    batches = list(dataset)
    assert [len(y) for (_, _), y in batches] == [10, 10, 4, 10, 10, 4]  # each epoch batched alone
    assert len(dataset) == len(batches)
    (left, right), _ = batches[3]
    np.testing.assert_allclose(left.numpy(), to_model_input(images[epochs[1].left[:10]]))
    np.testing.assert_allclose(right.numpy(), to_model_input(images[epochs[1].right[:10]]))


def test_pair_dataset_rejects_sets_of_different_lengths():
    short, long = make_pair_indices(np.arange(6) % 2, 0), make_pair_indices(np.arange(8) % 2, 0)
    with pytest.raises(ValueError, match=r"^pairs has sets of lengths \[12, 16\]"):
        pair_dataset(np.zeros((8, 2, 2), np.uint8), [short, long], batch_size=4)


def test_image_dataset_scales_in_batches_without_reordering():
    images = np.random.default_rng(0).integers(0, 256, (10, 3, 3), dtype=np.uint8)
    batches = [batch.numpy() for batch in image_dataset(images, batch_size=4)]
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_allclose(np.concatenate(batches), to_model_input(images))
