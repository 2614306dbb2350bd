"""simhelpers.sampling: balanced multi-shot batches gathered by tf.data."""

import textwrap

import numpy as np
import pytest

from simhelpers.data import to_rgb32
from simhelpers.sampling import multishot_dataset, to_rgb32_tensor

BATCHES = textwrap.dedent(
    """
    import json
    import numpy as np
    from simhelpers.sampling import multishot_dataset

    labels = np.repeat(np.arange(6), 30).astype(np.uint8)
    images = np.zeros((len(labels), 28, 28), np.uint8)
    ids = np.arange(len(labels))
    images[:, 0, 0], images[:, 0, 1] = ids // 256, ids % 256  # each image carries its index

    def batches(seed):
        dataset = multishot_dataset(images, labels, 3, 4, class_list=[0, 2, 4, 5], seed=seed)
        found = []
        for x, y in dataset.take(15):
            x = x.numpy()
            ids = x[:, 2, 2, 0].astype(int) * 256 + x[:, 2, 3, 0]
            found.append({
                "shape": list(x.shape), "dtype": x.dtype.name, "labels": y.numpy().tolist(),
                "source_labels": labels[ids].tolist(), "ids": ids.tolist(),
            })
        return found

    print(json.dumps({"first": batches(1), "again": batches(1), "other": batches(2)}))
    """
)


def test_batches_are_balanced_gathered_and_seeded(legacy_python):
    result = legacy_python(BATCHES)
    batches = result["first"]
    for batch in batches:
        assert batch["shape"] == [12, 32, 32, 3] and batch["dtype"] == "uint8"
        classes, counts = np.unique(batch["labels"], return_counts=True)
        assert len(classes) == 3 and set(counts) == {4}
        assert set(classes) <= {0, 2, 4, 5}
        assert batch["source_labels"] == batch["labels"]  # each image is the one its label says
        assert len(set(batch["ids"])) == 12  # no image twice in a batch
    seen = {i for batch in batches for i in batch["ids"]}
    assert len(seen) > 60  # 180 draws spread over the 120 allowed images (about 93 expected)
    assert result["again"] == batches
    assert result["other"] != batches


def test_bad_batch_shapes_are_refused_before_any_work():
    images, labels = np.zeros((20, 28, 28), np.uint8), np.repeat(np.arange(4), 5)
    with pytest.raises(ValueError, match="classes_per_batch=5 is invalid; at most 4 classes"):
        multishot_dataset(images, labels, 5, 2)
    with pytest.raises(ValueError, match="classes_per_batch=3 is invalid; at most 2 classes"):
        multishot_dataset(images, labels, 3, 2, class_list=[0, 1])
    with pytest.raises(ValueError, match="examples_per_class_per_batch=1 is invalid"):
        multishot_dataset(images, labels, 2, 1)


def test_tensor_conversion_matches_numpy():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(to_rgb32_tensor(images).numpy(), to_rgb32(images))
    rgb = to_rgb32(images)
    assert to_rgb32_tensor(rgb) is rgb
    with pytest.raises(ValueError, match=r"images have shape \(3, 30, 30\)"):
        to_rgb32_tensor(np.zeros((3, 30, 30), np.uint8))
