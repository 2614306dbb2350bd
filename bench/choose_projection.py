"""Choosing notebook 03's projection: UMAP or t-SNE, on training images outside the index.

Embeds 1,000 training images that are not in notebook 01's gallery (no test image is read) with
the model notebook 01 saved, then projects them to 2-D with each method as notebook 03 does, once
per seed, each in a fresh process so that the memory each adds (import and fit) is its own.
Measures per method: resident memory added, seconds, trustworthiness (k=10, scikit-learn: how well
the 2-D map keeps each image's embedding neighbors) and the 5-nearest-neighbor accuracy of the
labels in 2-D (5-fold), next to the same accuracy in the embedding itself. The rule: the method
that adds less memory, unless the other's 2-D accuracy is higher in every seed than its best.
The record is a choice record (bench/results/choice-notebook03_projection.json).

    python -m simtools run 01 --profile quick --build-dir build/quick   # the model
    python -m bench.choose_projection build/quick/artifacts/01_metric_learning [--seeds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench import harness, render

IMAGES = 1000
METHODS = ("umap", "tsne")
METRICS = [  # key, label on the page, digits; the first one's value per seed is shown too
    {"key": "knn_2d", "label": "5-NN accuracy in 2-D", "digits": 3},
    {"key": "trustworthiness", "label": "trustworthiness", "digits": 3},
    {"key": "added_mb", "label": "added MB", "digits": 0},
    {"key": "seconds", "label": "seconds", "digits": 1},
    {"key": "knn_embedding", "label": "5-NN accuracy in the embedding", "digits": 3},
]


def measure(method: str, seed: int, artifact_dir: str) -> dict:
    """Project ``IMAGES`` training embeddings with ``method``; its cost and quality."""
    import numpy as np

    import simhelpers as sh

    sh.use_legacy_keras()
    from sklearn.manifold import TSNE, trustworthiness
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    model, manifest = sh.load_similarity_model(Path(artifact_dir))
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

    def knn_accuracy(features) -> float:
        return float(cross_val_score(KNeighborsClassifier(5), features, labels, cv=5).mean())

    return {
        "added_mb": sh.peak_rss_mb() - before,
        "seconds": seconds,
        "trustworthiness": float(
            trustworthiness(embeddings, points, n_neighbors=10, metric="cosine")
        ),
        "knn_2d": knn_accuracy(points),
        "knn_embedding": knn_accuracy(embeddings),
    }


def choose(summary: dict[str, dict]) -> tuple[str, str]:
    """The chosen method and why, by the rule in this module's docstring."""
    cheap, other = sorted(METHODS, key=lambda method: summary[method]["added_mb"]["mean"])
    if summary[other]["knn_2d"]["min"] > summary[cheap]["knn_2d"]["max"]:
        return other, f"{other}'s 2-D 5-NN accuracy is higher in every seed than {cheap}'s best."
    return cheap, (
        f"{cheap} adds less memory, and {other}'s 2-D 5-NN accuracy is not higher in every seed "
        "(within the seeds' spread the cheaper method wins)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("artifact_dir", type=Path, help="the folder notebook 01 saved")
    parser.add_argument("--seeds", type=int, default=3, help="runs of each method")
    harness.add_record_options(parser)
    args = parser.parse_args()
    harness.check_at_least_one(parser, args)
    record = harness.start_record(
        "choice",
        "notebook03_projection",
        {"artifact_dir": str(args.artifact_dir), "images": IMAGES},
    )
    print(harness.describe(record["machine"]), flush=True)

    def run_method(method: str, seed: int) -> dict:
        arguments = {"method": method, "seed": seed, "artifact_dir": str(args.artifact_dir)}
        return harness.in_fresh_process("choose_projection", "measure", arguments)

    runs = harness.interleave(METHODS, args.seeds, run_method)
    summary = harness.summarize_runs(runs, [metric["key"] for metric in METRICS])
    chosen, reason = choose(summary)
    options = [
        {"option": method, "runs": [one for one in runs if one["formulation"] == method]}
        for method in METHODS
    ]
    table = {"seeds": sorted({one["seed"] for one in runs}), "metrics": METRICS, "options": options}
    figures = {
        "title": "Choosing notebook 03's projection",
        "question": f"UMAP or t-SNE for notebook 03's cluster map, on {IMAGES:,} training images "
        "outside notebook 01's gallery",
        "tables": [table],
        "chosen": chosen,
        "reason": reason,
    }
    path = harness.finish_record(record, figures, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    harness.run(globals(), main)
