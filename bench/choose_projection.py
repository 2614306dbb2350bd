"""Choosing notebook 03's projection: UMAP or t-SNE, on training images outside the index.

Embeds 1,000 training images that are not in notebook 01's gallery (no test image is read) with
the model notebook 01 saved, then projects them to 2-D with each method, as notebook 03 does, once
per seed, each in a fresh process so that the memory each adds (import and fit) is its own.
Prints per method: resident memory added, seconds, trustworthiness (k=10, scikit-learn: how well
the 2-D map keeps each image's embedding neighbors) and the 5-nearest-neighbor accuracy of the
labels in 2-D (5-fold), next to the same accuracy in the embedding itself; mean (min-max).

    .venv/bin/python -m simtools run 01 --profile quick --build-dir build/quick   # the model
    .venv/bin/python bench/choose_projection.py build/quick/artifacts/01_metric_learning [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from machine import describe, spread

IMAGES = 1000
METHODS = ("umap", "tsne")
COLUMNS = ("added_mb", "seconds", "trustworthiness", "knn_2d", "knn_embedding")


def measure(method: str, seed: int, artifact_dir: Path) -> dict:
    """Project ``IMAGES`` training embeddings with ``method``; its cost and quality."""
    import numpy as np

    import simhelpers as sh

    sh.use_legacy_keras()
    from sklearn.manifold import TSNE, trustworthiness
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    model, manifest = sh.load_similarity_model(artifact_dir)
    (x_train, y_train), _ = sh.load_dataset(manifest["dataset"])
    outside = np.setdiff1d(np.arange(len(x_train)), manifest["gallery_ids"])
    ids = np.random.default_rng(seed).choice(outside, IMAGES, replace=False)
    embeddings = model.predict(sh.to_rgb32(x_train[ids]), batch_size=32, verbose=0)
    labels = y_train[ids]
    before = sh.peak_rss_mb()  # the peak so far: the fit's own peak is what it adds above it
    start = time.perf_counter()
    if method == "umap":
        import umap

        reducer = umap.UMAP(metric="cosine", random_state=seed, n_jobs=1)
    else:
        reducer = TSNE(metric="cosine", init="pca", random_state=seed)
    points = reducer.fit_transform(embeddings)
    seconds = time.perf_counter() - start

    def knn_accuracy(features):
        return cross_val_score(KNeighborsClassifier(5), features, labels, cv=5).mean()

    return {
        "added_mb": sh.peak_rss_mb() - before,
        "seconds": seconds,
        "trustworthiness": trustworthiness(embeddings, points, n_neighbors=10, metric="cosine"),
        "knn_2d": knn_accuracy(points),
        "knn_embedding": knn_accuracy(embeddings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("artifact_dir", type=Path, help="the folder notebook 01 saved")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, seed = args.worker
        print(json.dumps(measure(method, int(seed), args.artifact_dir)))
        return
    print(describe(), flush=True)
    runs: dict[str, list[dict]] = {method: [] for method in METHODS}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for seed in range(1, args.seeds + 1):
        for method in METHODS:
            command = [sys.executable, __file__, str(args.artifact_dir), "--worker", method]
            done = subprocess.run(
                [*command, str(seed)], capture_output=True, text=True, env=env, check=False
            )
            if done.returncode:
                sys.exit(f"{method} (seed {seed}) failed:\n{done.stderr[-3000:]}")
            runs[method].append(json.loads(done.stdout.strip().splitlines()[-1]))
    digits = {"added_mb": 0, "seconds": 1}
    print(f"\n{IMAGES} training images, {args.seeds} seeds: mean (min-max)\n")
    print("| method | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "--:|" * len(COLUMNS))
    for method, results in runs.items():
        cells = [spread([r[c] for r in results], digits.get(c, 3)) for c in COLUMNS]
        print(f"| {method} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
