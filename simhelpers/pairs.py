"""Image pairs for Siamese training, as index arrays gathered into batches on the fly.

The reference tutorial stores the pixels of both images of every pair, a (pairs, 2, 28, 28)
float32 array per split. Here a pair is two indices and a label (notebook 02 draws them);
``pair_dataset`` gathers and scales the images one batch at a time.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_TENSORS: dict[int, object] = {}  # id() of a numpy image array -> its tensor, while it lives


@dataclass(frozen=True)
class PairIndices:
    """Pairs as indices into one image array; ``labels`` is 0 for similar, 1 for dissimilar."""

    left: np.ndarray
    right: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, count: int) -> PairIndices:
        """The first ``count`` pairs (all of them if there are fewer)."""
        return PairIndices(self.left[:count], self.right[:count], self.labels[:count])


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 images to float32 in [0, 1], with a channel axis for grayscale."""
    return _with_channel(np.asarray(images, dtype=np.float32) / 255.0)


def pair_dataset(
    images: np.ndarray,
    pairs: PairIndices | Sequence[PairIndices],
    batch_size: int,
    shuffle_seed: int | None = None,
):
    """A ``tf.data.Dataset`` of ``((left, right), label)`` batches gathered from ``images``.

    ``pairs`` is one set of pairs or a sequence of equally long sets, one per epoch, each batched
    on its own (``fit`` then needs ``steps_per_epoch=ceil(len(pairs[0]) / batch_size)``). With
    ``shuffle_seed`` each set is put in its own reproducible random order.
    """
    import tensorflow as tf

    sets = [pairs] if isinstance(pairs, PairIndices) else list(pairs)
    lengths = sorted({len(one) for one in sets})
    if len(lengths) != 1:
        raise ValueError(
            f"pairs has sets of lengths {lengths}; expected at least one set, all of one length"
        )
    # Shuffling index arrays in numpy costs milliseconds; tf.data's element-wise shuffle buffer
    # cost seconds per epoch of 60,000 pairs on 2 CPU cores.
    rng = np.random.default_rng(shuffle_seed)
    orders = [
        np.arange(len(one)) if shuffle_seed is None else rng.permutation(len(one)) for one in sets
    ]
    left, right, labels = (
        np.stack([getattr(one, field)[order] for one, order in zip(sets, orders, strict=True)])
        for field in ("left", "right", "labels")
    )
    pool = uint8_tensor(images)

    def batches(left, right, label):
        return tf.data.Dataset.from_tensor_slices((left, right, label)).batch(batch_size)

    def gather(left, right, label):
        return (_scale(tf.gather(pool, left)), _scale(tf.gather(pool, right))), label

    # flat_map hides the number of batches; Keras warns "ran out of data" without it.
    batch_count = len(sets) * -(-lengths[0] // batch_size)
    return (
        tf.data.Dataset.from_tensor_slices((left, right, labels))
        .flat_map(batches)
        .apply(tf.data.experimental.assert_cardinality(batch_count))
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def image_dataset(images: np.ndarray, batch_size: int = 256):
    """A ``tf.data.Dataset`` of image batches scaled to [0, 1] on the fly, for ``predict``
    (``to_model_input(images)`` would hold a float32 copy, four times the uint8 size)."""
    import tensorflow as tf

    pool = uint8_tensor(images)
    return (
        tf.data.Dataset.range(len(images))
        .batch(batch_size)
        .map(lambda ids: _scale(tf.gather(pool, ids)), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def uint8_tensor(images: np.ndarray):
    """``images`` (with a channel axis) as one uint8 TensorFlow constant, made once per numpy
    array and shared by every dataset built from that array, then dropped with the array.

    Why: ``tf.data`` copies a numpy array into each dataset made from it, and notebook 02 builds
    two or three datasets from each split. The cache is keyed by ``id(images)`` and emptied by a
    ``weakref`` finalizer when the array is freed; in-place changes to the array are not seen.
    """
    import tensorflow as tf

    key = id(images)
    if key not in _TENSORS:
        _TENSORS[key] = tf.constant(_with_channel(images))
        weakref.finalize(images, _TENSORS.pop, key, None)
    return _TENSORS[key]


def _with_channel(images: np.ndarray) -> np.ndarray:
    return images if images.ndim == 4 else images[..., np.newaxis]


def _scale(batch):
    import tensorflow as tf

    return tf.cast(batch, tf.float32) / 255.0
