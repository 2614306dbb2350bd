"""Retrieval quality of an embedding: precision@1, recall@k and MAP@R by exact cosine search.

Hand-written because TensorFlow Similarity's MAP@R looks up R neighbors per query (hundreds) as
Python objects one by one; a chunked exact search gives all the metrics in seconds, and the tests
check it against TensorFlow Similarity's own metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_CHUNK = 256  # queries per block: its distances and their argsort stay near 15 MB


def cosine_neighbors(gallery: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Indices into ``gallery`` of each query's ``k`` nearest embeddings by cosine distance.

    Ties are broken by gallery order, so the result is deterministic.
    """
    return np.concatenate(list(_neighbor_chunks(gallery, queries, k)))


def retrieval_metrics(
    gallery: np.ndarray,
    gallery_labels: np.ndarray,
    queries: np.ndarray,
    query_labels: np.ndarray,
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, float]:
    """precision@1, recall@k for each k (a same-class image among the k nearest), R-precision
    and MAP@R.

    For a query whose class has R images in the gallery, R-precision is the share of its class
    among its R nearest; MAP@R (Musgrave et al., 2020) is the mean over the first R ranks of
    precision@i at each rank i that holds a same-class image.
    Computed one block of queries at a time, so memory does not grow with the query count.
    """
    gallery_labels = np.asarray(gallery_labels)
    query_labels = np.asarray(query_labels)
    if len(gallery_labels) != len(gallery) or len(query_labels) != len(queries):
        raise ValueError("each embedding needs exactly one label (gallery and queries)")
    classes, counts = np.unique(gallery_labels, return_counts=True)
    r_of_class = dict(zip(classes.tolist(), counts.tolist(), strict=True))
    r = np.array([r_of_class.get(label, 0) for label in query_labels.tolist()])
    depth = min(max(max(ks), int(r.max()) if len(r) else 1), len(gallery))
    ranks = np.arange(1, depth + 1)
    hits = {k: 0 for k in ks}
    first_hits = 0
    r_precision_sum = map_sum = 0.0
    chunks = _neighbor_chunks(gallery, queries, depth)
    for start, found in zip(range(0, len(queries), _CHUNK), chunks, strict=True):
        labels = query_labels[start : start + _CHUNK, np.newaxis]
        chunk_r = r[start : start + _CHUNK, np.newaxis]
        relevant = gallery_labels[found] == labels
        first_hits += int(relevant[:, 0].sum())
        for k in ks:
            hits[k] += int(relevant[:, :k].any(axis=1).sum())
        within_r = relevant & (ranks <= chunk_r)
        r_precision_sum += float((within_r.sum(axis=1) / np.maximum(chunk_r[:, 0], 1)).sum())
        precision_at_i = np.cumsum(relevant, axis=1) / ranks
        per_query = (precision_at_i * within_r).sum(axis=1)
        map_sum += float((per_query / np.maximum(chunk_r[:, 0], 1)).sum())
    metrics = {"precision@1": first_hits / len(queries)}
    metrics.update({f"recall@{k}": hits[k] / len(queries) for k in ks})
    metrics["r_precision"] = r_precision_sum / len(queries)
    metrics["map@r"] = map_sum / len(queries)
    return metrics


def _neighbor_chunks(gallery: np.ndarray, queries: np.ndarray, k: int):
    """``cosine_neighbors`` one block of ``_CHUNK`` queries at a time."""
    gallery = _unit_rows("gallery", gallery)
    queries = _unit_rows("queries", queries)
    if not 1 <= k <= len(gallery):
        raise ValueError(f"k={k} is invalid; expected 1 to {len(gallery)} (the gallery size)")
    for start in range(0, len(queries), _CHUNK):
        distances = 1.0 - queries[start : start + _CHUNK] @ gallery.T
        yield np.argsort(distances, axis=1, kind="stable")[:, :k]


def _unit_rows(name: str, embeddings: np.ndarray) -> np.ndarray:
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2 or len(embeddings) == 0:
        raise ValueError(f"{name} has shape {embeddings.shape}; expected (count, dimensions)")
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings / np.maximum(norms, 1e-12)
