"""simhelpers.retrieval: exact cosine search and precision@1, recall@k, MAP@R."""

import textwrap

import numpy as np
import pytest

from simhelpers.retrieval import cosine_neighbors, retrieval_metrics

# Unit vectors at angles, so cosine distances are easy to reason about. No query is equally far
# from two gallery vectors: in float32 such ties break either way.
ANGLES = {"gallery": [0, 10, 20, 90, 100, 180], "queries": [4, 93, 170]}
GALLERY_LABELS = np.array([0, 1, 0, 1, 1, 2])
QUERY_LABELS = np.array([0, 1, 2])


def vectors(degrees):
    radians = np.deg2rad(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1).astype(np.float32)


GALLERY, QUERIES = vectors(ANGLES["gallery"]), vectors(ANGLES["queries"])


def test_neighbors_are_sorted_by_cosine_distance():
    found = cosine_neighbors(GALLERY, QUERIES, k=3)
    np.testing.assert_array_equal(found, [[0, 1, 2], [3, 4, 2], [5, 4, 3]])


def test_neighbors_match_a_plain_loop_and_ignore_vector_length():
    rng = np.random.default_rng(0)
    gallery, queries = rng.normal(size=(50, 8)), rng.normal(size=(7, 8))
    expected = [
        np.argsort(
            [1 - q @ g / np.linalg.norm(q) / np.linalg.norm(g) for g in gallery], kind="stable"
        )[:4]
        for q in queries
    ]
    np.testing.assert_array_equal(cosine_neighbors(gallery * 3.0, queries, k=4), expected)


def test_metrics_on_a_known_example():
    # query 0 (class 0, R=2): neighbors 0, 1   -> relevant 1, 0     -> AP@R = 1 / 2
    # query 1 (class 1, R=3): neighbors 3, 4, 2 -> relevant 1, 1, 0 -> AP@R = (1 + 1) / 3
    # query 2 (class 2, R=1): neighbor 5        -> relevant 1       -> AP@R = 1
    metrics = retrieval_metrics(GALLERY, GALLERY_LABELS, QUERIES, QUERY_LABELS, ks=(1, 2))
    assert metrics["precision@1"] == 1.0
    assert metrics["recall@1"] == metrics["recall@2"] == 1.0
    assert metrics["map@r"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert metrics["r_precision"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)


def test_r_precision_counts_the_class_among_the_r_nearest_regardless_of_order():
    # Query of class 1 (R=3) whose 3 nearest are labelled 0, 1, 1 (ranks 2 and 3 right): two of
    # three, where MAP@R, which rewards early hits, gives (1/2 + 2/3) / 3.
    labels = np.array([0, 1, 1, 1, 0, 2])
    metrics = retrieval_metrics(GALLERY, labels, QUERIES[:1], np.array([1]), ks=(1,))
    assert metrics["r_precision"] == pytest.approx(2 / 3)
    assert metrics["map@r"] == pytest.approx((1 / 2 + 2 / 3) / 3)


def test_map_at_r_rewards_a_tidy_neighborhood():
    # Query of class 1 whose nearest neighbor is right but the next two (of R=3) are not.
    labels = np.array([1, 0, 0, 1, 1, 2])
    metrics = retrieval_metrics(GALLERY, labels, QUERIES[:1], np.array([1]), ks=(1, 5))
    assert metrics["precision@1"] == 1.0 and metrics["recall@5"] == 1.0
    assert metrics["map@r"] == pytest.approx(1 / 3)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="k=7 is invalid; expected 1 to 6"):
        cosine_neighbors(GALLERY, QUERIES, k=7)
    with pytest.raises(ValueError, match=r"queries has shape \(2,\)"):
        cosine_neighbors(GALLERY, np.zeros(2), k=1)
    with pytest.raises(ValueError, match="exactly one label"):
        retrieval_metrics(GALLERY, GALLERY_LABELS[:3], QUERIES, QUERY_LABELS)


def test_agrees_with_tensorflow_similarity(legacy_python):
    """TF Similarity's own index (exact search) and metrics give the same numbers as ours."""
    code = textwrap.dedent(
        """
        import json
        import numpy as np
        import tensorflow_similarity as tfsim
        from tensorflow_similarity.indexer import Indexer
        from simhelpers.retrieval import retrieval_metrics

        rng = np.random.default_rng(3)
        centres = rng.normal(size=(4, 16))
        gallery_labels = rng.integers(0, 4, 200)
        query_labels = rng.integers(0, 4, 60)
        gallery = centres[gallery_labels] + rng.normal(scale=1.2, size=(200, 16))
        queries = centres[query_labels] + rng.normal(scale=1.2, size=(60, 16))
        counts = {int(c): int(n) for c, n in zip(*np.unique(gallery_labels, return_counts=True))}
        search = tfsim.search.NMSLibSearch(distance="cosine", dim=16, method="brute_force")
        index = Indexer(embedding_size=16, distance="cosine", search=search)
        index.batch_add(gallery.astype("float32"), labels=gallery_labels.tolist(), verbose=0)
        theirs = index.evaluate_retrieval(
            queries.astype("float32"),
            target_labels=query_labels.tolist(),
            retrieval_metrics=[
                tfsim.retrieval_metrics.PrecisionAtK(k=1),
                tfsim.retrieval_metrics.RecallAtK(k=5),
                tfsim.retrieval_metrics.MapAtK(k=max(counts.values()), r=counts, clip_at_r=True),
            ],
            verbose=0,
        )
        ours = retrieval_metrics(gallery, gallery_labels, queries, query_labels, ks=(1, 5))
        print(json.dumps({"theirs": {k: float(v) for k, v in theirs.items()}, "ours": ours}))
        """
    )
    result = legacy_python(code)
    theirs, ours = result["theirs"], result["ours"]
    assert ours["precision@1"] == pytest.approx(theirs["precision@1"], abs=1e-6)
    assert ours["recall@5"] == pytest.approx(theirs["recall@5"], abs=1e-6)
    assert ours["map@r"] == pytest.approx(theirs["map"], abs=1e-5)
    assert 0.3 < ours["map@r"] < 1.0  # the example is neither trivial nor hopeless
