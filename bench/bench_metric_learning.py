"""Metric-learning benchmark: the keras.io TensorFlow Similarity tutorial's formulation vs ours.

Both train the reference CNN with MultiSimilarityLoss on the same data for the same number of
steps (batches of 10 classes x 8 images), each in a fresh process so that each peak RSS is its
own:
  reference: MultiShotMemorySampler batches fed to fit as a Python Sequence, constant Adam 0.002,
             steps_per_execution=10 (the tutorial's code; its TFDS sampler replaced by the
             equivalent in-memory one, since TFDS needs a download);
  ours:      notebook 01's setup (use_legacy_keras, which defers umap-learn), its input
             (simhelpers.sampling.multishot_dataset, tf.data), its cosine-decayed Adam 0.002,
             steps_per_execution=10, and its precision="auto" (mixed bfloat16 on CPUs with native
             bfloat16, mixed float16 on GPUs, float32 otherwise; the embedding stays float32).
Every --eval-every steps, training pauses (not timed) to measure precision@1 of the whole test
split against a 5,000-image training gallery. Prints images per second, ms per step, peak RSS,
precision@1, the ratios, and the training time ours needs to reach the reference's final
precision@1.

    .venv/bin/python bench/bench_metric_learning.py [--steps 500] [--eval-every 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

BATCH_CLASSES, BATCH_EXAMPLES, GALLERY, SEED = 10, 8, 5000, 1337


def train(formulation: str, dataset: str, steps: int, eval_every: int) -> dict:
    """Train one formulation; return its timings, checkpoints and peak RSS."""
    if formulation == "reference":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # the tutorial imports everything at once
    else:
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup cell: legacy Keras, umap-learn deferred
    import numpy as np
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers
    from simhelpers.precision import choose_policy
    from simhelpers.retrieval import retrieval_metrics
    from simhelpers.sampling import multishot_dataset

    tf.keras.utils.set_random_seed(SEED)
    (x_train, y_train), (x_test, y_test) = simhelpers.load_dataset(dataset)
    if formulation == "reference":
        # The tutorial holds its whole dataset as model-ready images.
        x_train = simhelpers.to_rgb32(x_train)
        data = tfsim.samplers.MultiShotMemorySampler(
            x_train,
            y_train,
            classes_per_batch=BATCH_CLASSES,
            examples_per_class_per_batch=BATCH_EXAMPLES,
            steps_per_epoch=eval_every,
        )
        learning_rate = 0.002
        embedding_dtype = None  # the layer's default: the global policy, float32 here
    else:
        data = multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=SEED)
        learning_rate = keras.optimizers.schedules.CosineDecay(0.002, decay_steps=steps)
        keras.mixed_precision.set_global_policy(choose_policy("auto"))
        embedding_dtype = "float32"

    inputs = keras.layers.Input((32, 32, 3))
    x = keras.layers.Rescaling(scale=1.0 / 255)(inputs)
    x = keras.layers.Conv2D(64, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Conv2D(128, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPool2D((4, 4))(x)
    x = keras.layers.Conv2D(256, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Conv2D(256, 3, activation="relu")(x)
    x = keras.layers.GlobalMaxPool2D()(x)
    outputs = tfsim.layers.MetricEmbedding(256, dtype=embedding_dtype)(x)
    model = tfsim.models.SimilarityModel(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=10,
    )

    gallery_ids = np.random.default_rng(SEED).choice(len(y_train), GALLERY, replace=False)
    x_gallery = simhelpers.to_rgb32(x_train[gallery_ids])
    x_queries = simhelpers.to_rgb32(x_test)

    def precision_at_1() -> float:
        gallery = model.predict(x_gallery, batch_size=64, verbose=0)
        queries = model.predict(x_queries, batch_size=64, verbose=0)
        return retrieval_metrics(gallery, y_train[gallery_ids], queries, y_test, ks=(1,))[
            "precision@1"
        ]

    checkpoints, trained_seconds = [], 0.0
    for epoch in range(steps // eval_every):
        start = time.perf_counter()
        model.fit(
            data, steps_per_epoch=eval_every, initial_epoch=epoch, epochs=epoch + 1, verbose=0
        )
        trained_seconds += time.perf_counter() - start
        checkpoints.append(
            {
                "steps": (epoch + 1) * eval_every,
                "seconds": trained_seconds,
                "precision@1": precision_at_1(),
            }
        )
    return {
        "policy": keras.mixed_precision.global_policy().name,
        "seconds": trained_seconds,
        "checkpoints": checkpoints,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(formulation: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--worker", formulation]
    command += ["--dataset", args.dataset, "--steps", str(args.steps)]
    command += ["--eval-every", str(args.eval_every)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{formulation} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "cifar10"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--worker", choices=["reference", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")
    if args.worker:
        print(json.dumps(train(args.worker, args.dataset, args.steps, args.eval_every)))
        return

    images = args.steps * BATCH_CLASSES * BATCH_EXAMPLES
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"dataset: {args.dataset}, {args.steps} steps of 80 images, gallery {GALLERY}\n")
    rows = {}
    for formulation in ("reference", "ours"):
        rows[formulation] = run_worker(formulation, args)
        print(f"{formulation} done ({rows[formulation]['policy']})", flush=True)
    print(f"\n{'':<10}{'images/s':>10}{'ms/step':>9}{'peak RSS MB':>13}{'precision@1':>13}")
    for name, row in rows.items():
        row["images_per_second"] = images / row["seconds"]
        row["precision@1"] = row["checkpoints"][-1]["precision@1"]
        print(
            f"{name:<10}{row['images_per_second']:>10.1f}{1000 * row['seconds'] / args.steps:>9.0f}"
            f"{row['peak_rss_mb']:>13.0f}{row['precision@1']:>13.4f}"
        )
    ref, our = rows["reference"], rows["ours"]
    print(
        f"{'ratio':<10}{our['images_per_second'] / ref['images_per_second']:>10.2f}"
        f"{our['seconds'] / ref['seconds']:>9.2f}{our['peak_rss_mb'] / ref['peak_rss_mb']:>13.2f}"
        f"{our['precision@1'] / ref['precision@1']:>13.3f}"
    )
    print("\nprecision@1 during training (steps: reference / ours, training seconds)")
    for a, b in zip(ref["checkpoints"], our["checkpoints"], strict=True):
        print(
            f"  {a['steps']:>5}: {a['precision@1']:.4f} ({a['seconds']:.0f} s)"
            f" / {b['precision@1']:.4f} ({b['seconds']:.0f} s)"
        )
    reached = [c for c in our["checkpoints"] if c["precision@1"] >= ref["precision@1"]]
    if reached:
        first = reached[0]
        print(
            f"ours reaches the reference's final precision@1 ({ref['precision@1']:.4f}) after "
            f"{first['steps']} steps, {first['seconds']:.0f} s: "
            f"{first['seconds'] / ref['seconds']:.2f} of the reference's {ref['seconds']:.0f} s"
        )
    else:
        print(f"ours does not reach the reference's final precision@1 ({ref['precision@1']:.4f})")


if __name__ == "__main__":
    main()
