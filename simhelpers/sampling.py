"""Multi-shot batches (C classes x E examples) streamed by tf.data from in-memory images.

Hand-written because TensorFlow Similarity's in-memory samplers do not fit a CPU run: the
``MultiShotMemorySampler`` builds each batch in Python, which slowed every training step
(``bench/bench_metric_learning.py``), and ``TFDataSampler`` copies every image into per-class
datasets and can put one class twice in a batch. Here each batch draws C distinct classes, then
E distinct images of each, by index, from one uint8 tensor; the draws are stateless, so ``seed``
alone fixes the batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def multishot_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    classes_per_batch: int,
    examples_per_class_per_batch: int,
    class_list: Sequence[int] | None = None,
    seed: int = 0,
):
    """An endless ``tf.data.Dataset`` of ``(images, labels)`` batches, each holding
    ``examples_per_class_per_batch`` distinct images of ``classes_per_batch`` distinct classes
    from ``class_list`` (default: every class in ``labels``).

    Grayscale 28x28 images are padded to 32x32x3 per batch (like ``data.to_rgb32``).
    """
    labels = np.asarray(labels).astype(np.int64)
    classes = np.unique(labels) if class_list is None else np.unique(np.asarray(class_list))
    members = [np.flatnonzero(labels == c) for c in classes]
    smallest = min(len(m) for m in members)
    if classes_per_batch > len(classes):
        raise ValueError(
            f"classes_per_batch={classes_per_batch} is invalid; at most {len(classes)} classes "
            "are available"
        )
    if not 2 <= examples_per_class_per_batch <= smallest:
        raise ValueError(
            f"examples_per_class_per_batch={examples_per_class_per_batch} is invalid; expected "
            f"at least 2 (a class needs a positive pair) and at most {smallest} (the images of "
            "the smallest class)"
        )

    import tensorflow as tf

    pixels = tf.constant(images)
    label_table = tf.constant(labels)
    table = tf.RaggedTensor.from_row_lengths(np.concatenate(members), [len(m) for m in members])

    def draw(batch_seed):
        seeds = tf.random.experimental.stateless_split(
            tf.stack([batch_seed, seed]), 1 + len(classes)
        )
        chosen = tf.random.experimental.stateless_shuffle(tf.range(len(classes)), seeds[0])
        chosen = chosen[:classes_per_batch]

        def examples_of(position):
            candidates = table[position]
            order = tf.random.experimental.stateless_shuffle(
                tf.range(tf.shape(candidates, out_type=tf.int64)[0]), tf.gather(seeds, position + 1)
            )
            return tf.gather(candidates, order[:examples_per_class_per_batch])

        ids = tf.reshape(tf.map_fn(examples_of, chosen, fn_output_signature=tf.int64), [-1])
        return to_rgb32_tensor(tf.gather(pixels, ids)), tf.gather(label_table, ids)

    return (
        tf.data.Dataset.counter()
        .map(draw, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def to_rgb32_tensor(images):
    """``data.to_rgb32`` as TensorFlow ops, for use inside a tf.data pipeline."""
    import tensorflow as tf

    if tuple(images.shape[-3:]) == (32, 32, 3):
        return images
    if tuple(images.shape[-2:]) != (28, 28):
        raise ValueError(f"images have shape {tuple(images.shape)}; expected 28x28 or 32x32x3")
    padding = [[0, 0]] * (len(images.shape) - 2) + [[2, 2], [2, 2]]
    return tf.repeat(tf.pad(images, padding)[..., tf.newaxis], 3, axis=-1)
