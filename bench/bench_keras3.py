"""Notebook 04 (pure Keras 3) against notebook 01 (TensorFlow Similarity, legacy Keras), on the
same data, steps and seed, each run in a fresh process:
  notebook 01: use_legacy_keras, simhelpers.multishot_dataset (tf.data), MetricEmbedding,
               SimilarityModel, tfsim.losses.MultiSimilarityLoss;
  notebook 04: its own BalancedBatches (a PyDataset), embedding_model and MultiSimilarityLoss
               (keras.ops), loaded from the notebook, on TensorFlow, on JAX (KERAS_BACKEND=jax,
               when jax is installed) and, with --jit, on TensorFlow compiled by XLA.
All train the reference CNN with the multi-similarity loss on batches of 10 classes x 8 images,
cosine-decayed Adam 0.002, steps_per_execution=10, under --dtype-policy. Every --eval-every steps
training pauses (not timed) to measure precision@1 and MAP@R of --queries test images against a
--gallery-image training gallery. Every formulation runs --repeats times, interleaved; the record
(bench/results/keras3-<dataset>-<policy>.json) holds import seconds, images per second, peak RSS,
the checkpoints, and the paired precision@1 differences against notebook 01.

    python -m bench.bench_keras3 [--steps 300] [--eval-every 100] [--dtype-policy auto]
        [--jit] [--repeats 3] [--dataset fashion_mnist] [--gallery 5000] [--queries 10000]
"""

from __future__ import annotations

import argparse
import importlib.util
import time

from bench import harness, lessons, render

NOTEBOOK_01 = "notebook 01 (TF Similarity)"
FORMULATIONS = {  # name: (notebook, Keras backend, XLA)
    NOTEBOOK_01: ("01", "tensorflow", False),
    "notebook 04 (Keras 3, TensorFlow)": ("04", "tensorflow", False),
    "notebook 04 (Keras 3, JAX)": ("04", "jax", False),
    "notebook 04 (Keras 3, TensorFlow, XLA)": ("04", "tensorflow", True),
}
METRICS = ("import_seconds", "images_per_second", "peak_rss_mb", "precision@1", "map@r")
DATASETS = ("fashion_mnist", "cifar10", "mnist_10k")  # notebooks 01's and 04's
INSTALL_JAX = 'pip install "jax[cpu]==0.10.2"'


def train(
    notebook: str,
    jit: bool,
    dataset: str,
    steps: int,
    eval_every: int,
    policy: str,
    seed: int,
    gallery: int,
    queries: int,
) -> dict:
    """Import, build and train one formulation; its timings, checkpoints and peak RSS."""
    started = time.perf_counter()
    if notebook == "01":
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup: legacy Keras, umap-learn deferred
        import tensorflow as tf
        import tensorflow_similarity  # noqa: F401

        tf.keras.utils.set_random_seed(seed)
    else:
        import keras

        keras.utils.set_random_seed(seed)
    import numpy as np

    import simhelpers as sh

    import_seconds = time.perf_counter() - started
    (x_train, y_train), (x_test, y_test) = sh.load_dataset(dataset)
    if notebook == "01":
        model, batches, policy_name = lessons.notebook_01_training(
            x_train, y_train, steps, policy, seed, lessons.LEARNING_RATE
        )
    else:
        model, batches, policy_name = lessons.notebook_04_training(
            x_train, y_train, steps, eval_every, policy, seed, jit
        )
    ids = np.sort(np.random.default_rng(harness.SEED).choice(len(x_train), gallery, replace=False))

    def evaluate() -> dict:
        return lessons.retrieval_scores(
            model, x_train[ids], y_train[ids], x_test[:queries], y_test[:queries]
        )

    seconds, checkpoints = harness.train_with_checkpoints(
        model, batches, steps, eval_every, evaluate
    )
    return {
        "policy": policy_name,
        "import_seconds": import_seconds,
        "seconds": seconds,
        "images_per_second": steps * lessons.BATCH_CLASSES * lessons.BATCH_EXAMPLES / seconds,
        "checkpoints": checkpoints,
        **checkpoints[-1],
        "peak_rss_mb": sh.peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="fashion_mnist", choices=DATASETS)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument(
        "--dtype-policy", default="auto", choices=["auto", "float32", "mixed_bfloat16"]
    )
    parser.add_argument("--jit", action="store_true", help="also notebook 04 compiled by XLA")
    parser.add_argument("--gallery", type=int, default=5000, help="training images searched")
    parser.add_argument("--queries", type=int, default=10000, help="test images searching")
    harness.add_record_options(parser, repeats=3)
    args = parser.parse_args()
    harness.check_at_least_one(parser, args)
    if args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")

    names = [name for name, (_, _, jit) in FORMULATIONS.items() if args.jit or not jit]
    if importlib.util.find_spec("jax") is None:
        print(f"jax is not installed, so notebook 04 on JAX is not measured: {INSTALL_JAX}")
        names.remove("notebook 04 (Keras 3, JAX)")
    parameters = {k: v for k, v in vars(args).items() if k != "results_dir"}
    variant = f"{args.dataset}-{args.dtype_policy}"
    record = harness.start_record("keras3", variant, parameters)
    print(harness.describe(record["machine"]), flush=True)
    shared = {
        name: getattr(args, name)
        for name in ("dataset", "steps", "eval_every", "gallery", "queries")
    } | {"policy": args.dtype_policy}

    def measure(name: str, seed: int) -> dict:
        notebook, backend, jit = FORMULATIONS[name]
        arguments = {"notebook": notebook, "jit": jit, "seed": seed} | shared
        env = {"KERAS_BACKEND": backend}
        return {"backend": backend, "jit": jit} | harness.in_fresh_process(
            "bench_keras3", "train", arguments, env
        )

    runs = harness.interleave(names, args.repeats, measure)
    figures = {"runs": runs, "summary": harness.summarize_runs(runs, METRICS)}
    path = harness.finish_record(record, figures, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    harness.run(globals(), main)
