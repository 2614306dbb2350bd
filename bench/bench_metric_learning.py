"""Metric-learning benchmark: the keras.io TensorFlow Similarity tutorial's formulation vs ours.

Both train the reference CNN with MultiSimilarityLoss on the same data for the same number of
steps (batches of 10 classes x 8 images), each run in a fresh process so that each peak RSS is
its own:
  reference: MultiShotMemorySampler batches fed to fit as a Python Sequence, constant Adam 0.002,
             steps_per_execution=10, float32 (the tutorial's code; its TFDS sampler replaced by
             the equivalent in-memory one, since TFDS needs a download);
  ours:      notebook 01's setup (use_legacy_keras, which defers umap-learn), its input
             (simhelpers.multishot_dataset, tf.data), its cosine-decayed Adam 0.002,
             steps_per_execution=10, under each dtype policy of --policies: "float32", and "auto"
             (mixed bfloat16 on CPUs with native bfloat16, mixed float16 on GPUs, float32
             otherwise; the embedding stays float32).
Data: --validation images carved from the training split (the same ones in every run) are the
validation split; the rest trains. Every --eval-every steps, training pauses (not timed) to
measure precision@1 of the validation images against a 5,000-image gallery of training images:
that curve, and nothing else, is what choices (and the time to the reference's quality) are read
from. The test split is read once per run, after training: precision@1 and MAP@R of all its
images against the same gallery.
Every formulation runs --repeats times, interleaved (repeat r uses seed 1337 + r for all of them,
and starts the order one formulation later), and each figure is printed as mean (min-max).

    .venv/bin/python bench/bench_metric_learning.py [--steps 500] [--eval-every 100]
        [--repeats 2] [--policies float32,auto] [--validation 10000] [--learning-rate 0.002]
    # one run of ours, validation split only (for choosing a setting), as one line of JSON:
    .venv/bin/python bench/bench_metric_learning.py --worker ours --policies auto --seed 1337 \
        --learning-rate 0.004 --validation-only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe, spread

BATCH_CLASSES, BATCH_EXAMPLES, GALLERY, SEED, SPLIT_SEED = 10, 8, 5000, 1337, 2024
POLICIES = ("float32", "auto", "mixed_bfloat16")
# Issue 19's targets for ours against the reference, per policy: images per second (a multiple of
# the reference's) and, where set, the training time to reach the reference's final validation
# precision@1 (a fraction of its time).
TARGETS = {"float32": (1.5, 0.6), "auto": (2.0, None)}
TARGET_TEST_PRECISION = 0.88
NOTEBOOK_01 = Path(__file__).parents[1] / "notebooks" / "01_metric_learning.ipynb"


def split_validation(images, labels, size: int):
    """``(x_train, y_train, x_val, y_val)``: ``size`` images drawn once (``SPLIT_SEED``) from the
    training split for validation, the rest for training."""
    import numpy as np

    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    train_ids, val_ids = np.sort(order[size:]), np.sort(order[:size])
    return images[train_ids], labels[train_ids], images[val_ids], labels[val_ids]


def similarity_model(embedding_size: int):
    """Notebook 01's own network (its ``embedding_model``, run from the notebook): the reference's
    CNN ending in ``MetricEmbedding``, whose float32 ``dtype`` changes nothing under the float32
    policy of the reference runs."""
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    from simtools.lesson import notebook_definitions

    namespace = {"keras": keras, "tfsim": tfsim}
    lesson = notebook_definitions(NOTEBOOK_01, ["embedding_model"], namespace)
    return lesson["embedding_model"](embedding_size)


def train(formulation: str, policy: str, args: argparse.Namespace) -> dict:
    """Train one formulation; return its timings, checkpoints, test metrics and peak RSS."""
    if formulation == "reference":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # the tutorial imports everything at once
    else:
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup cell: legacy Keras, umap-learn deferred
    import numpy as np
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers as sh

    tf.keras.utils.set_random_seed(args.seed)
    (x_all, y_all), (x_test, y_test) = sh.load_dataset(args.dataset)
    x_train, y_train, x_val, y_val = split_validation(x_all, y_all, args.validation)
    del x_all, y_all
    if formulation == "reference":
        # The tutorial holds its whole dataset as model-ready images.
        data = tfsim.samplers.MultiShotMemorySampler(
            sh.to_rgb32(x_train),
            y_train,
            classes_per_batch=BATCH_CLASSES,
            examples_per_class_per_batch=BATCH_EXAMPLES,
            steps_per_epoch=args.eval_every,
        )
        learning_rate = 0.002
    else:
        data = sh.multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=args.seed)
        learning_rate = keras.optimizers.schedules.CosineDecay(args.learning_rate, args.steps)
        keras.mixed_precision.set_global_policy(sh.choose_policy(policy))

    model = similarity_model(256)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=10,
    )

    gallery_ids = np.random.default_rng(SPLIT_SEED).choice(len(y_train), GALLERY, replace=False)
    y_gallery = y_train[gallery_ids]
    x_gallery = sh.to_rgb32(x_train[gallery_ids])

    def embed(images):
        return model.predict(sh.to_rgb32(images), batch_size=32, verbose=0)  # as the notebooks

    checkpoints, trained_seconds = [], 0.0
    for epoch in range(args.steps // args.eval_every):
        start = time.perf_counter()
        model.fit(
            data, steps_per_epoch=args.eval_every, initial_epoch=epoch, epochs=epoch + 1, verbose=0
        )
        trained_seconds += time.perf_counter() - start
        metrics = sh.retrieval_metrics(embed(x_gallery), y_gallery, embed(x_val), y_val, ks=(1,))
        checkpoints.append(
            {
                "steps": (epoch + 1) * args.eval_every,
                "seconds": trained_seconds,
                "val_precision@1": metrics["precision@1"],
            }
        )
    if args.validation_only:  # choosing a setting: the test split stays unread
        test = {"precision@1": None, "map@r": None}
    else:
        test = sh.retrieval_metrics(embed(x_gallery), y_gallery, embed(x_test), y_test, ks=(1,))
    return {
        "policy": keras.mixed_precision.global_policy().name,
        "seconds": trained_seconds,
        "images_per_second": args.steps * BATCH_CLASSES * BATCH_EXAMPLES / trained_seconds,
        "checkpoints": checkpoints,
        "test_precision@1": test["precision@1"],
        "test_map@r": test["map@r"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(formulation: str, policy: str, seed: int, args: argparse.Namespace) -> dict:
    """One training run in a fresh process; its result as a dict."""
    command = [sys.executable, __file__, "--worker", formulation, "--policies", policy]
    command += ["--dataset", args.dataset, "--steps", str(args.steps), "--seed", str(seed)]
    command += ["--eval-every", str(args.eval_every), "--validation", str(args.validation)]
    command += ["--learning-rate", str(args.learning_rate)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{formulation} ({policy}) run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(name: str, runs: list[dict], reference: dict | None) -> tuple[str, dict]:
    """One table row (mean and spread over the runs) and the means for the ratios."""
    means = {
        key: statistics.fmean(run[key] for run in runs)
        for key in ("images_per_second", "seconds", "peak_rss_mb", "test_precision@1")
    }
    means["val_precision@1"] = statistics.fmean(
        run["checkpoints"][-1]["val_precision@1"] for run in runs
    )
    row = (
        f"{name:<18}{spread([r['images_per_second'] for r in runs], 0):>18}"
        f"{spread([r['peak_rss_mb'] for r in runs], 0):>20}"
        f"{spread([r['checkpoints'][-1]['val_precision@1'] for r in runs], 3):>22}"
        f"{spread([r['test_precision@1'] for r in runs], 3):>22}"
    )
    if reference:
        row += f"{means['images_per_second'] / reference['images_per_second']:>8.2f}"
    return row, means


def time_to_quality(runs: list[dict], target: float, reference_seconds: float) -> str:
    """When the checkpoint curve averaged over ``runs`` first reaches ``target``."""
    for i, checkpoint in enumerate(runs[0]["checkpoints"]):
        precision = statistics.fmean(run["checkpoints"][i]["val_precision@1"] for run in runs)
        if precision >= target:
            seconds = statistics.fmean(run["checkpoints"][i]["seconds"] for run in runs)
            return (
                f"after {checkpoint['steps']} steps, {seconds:.0f} s: "
                f"{seconds / reference_seconds:.2f} of the reference's {reference_seconds:.0f} s"
            )
    return "not reached"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "cifar10"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each formulation")
    parser.add_argument(
        "--policies", default="float32,auto", help=f"ours' dtype policies, from {POLICIES}"
    )
    parser.add_argument("--validation", type=int, default=10000, help="validation images")
    parser.add_argument(
        "--learning-rate", type=float, default=0.002, help="ours' peak rate (notebook 01: 0.002)"
    )
    parser.add_argument(
        "--validation-only",
        action="store_true",
        help="with --worker: measure the validation split only, never the test split",
    )
    parser.add_argument("--worker", choices=["reference", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    args = parser.parse_args()
    policies = args.policies.split(",")
    for value, allowed in [(p, POLICIES) for p in policies]:
        if value not in allowed:
            parser.error(f"--policies {value!r} is invalid; expected some of {', '.join(allowed)}")
    if args.steps < 1 or args.eval_every < 1 or args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats} is invalid; expected at least 1")
    if not 1 <= args.validation <= 50000:
        parser.error(f"--validation {args.validation} is invalid; expected 1 to 50000")
    if args.worker:
        print(json.dumps(train(args.worker, policies[0], args)))
        return

    print(describe())
    print(
        f"dataset: {args.dataset}, {args.steps} steps of 80 images, {args.validation} validation "
        f"images carved from the training split, gallery {GALLERY}, {args.repeats} interleaved "
        "runs each\n",
        flush=True,
    )
    formulations = [("reference", "float32")] + [("ours", policy) for policy in policies]
    runs: dict[tuple[str, str], list[dict]] = {f: [] for f in formulations}
    for repeat in range(args.repeats):
        shift = repeat % len(formulations)
        for formulation, policy in formulations[shift:] + formulations[:shift]:
            result = run_worker(formulation, policy, SEED + repeat, args)
            runs[formulation, policy].append(result)
            print(
                f"run {repeat + 1}: {formulation} ({result['policy']}): "
                f"{result['images_per_second']:.0f} images/s, val precision@1 "
                f"{result['checkpoints'][-1]['val_precision@1']:.4f}",
                flush=True,
            )

    print(
        f"\n{'mean (min-max)':<18}{'images/s':>18}{'peak RSS MB':>20}"
        f"{'val precision@1':>22}{'test precision@1':>22}{'speed':>8}"
    )
    row, reference = summarize("reference", runs["reference", "float32"], None)
    print(row)
    means = {}
    for policy in policies:
        row, means[policy] = summarize(f"ours, {policy}", runs["ours", policy], reference)
        print(row)
    print("speed: images per second as a multiple of the reference's")

    print("\nvalidation precision@1 during training (mean of the runs; training seconds)")
    names = ["reference"] + [f"ours, {policy}" for policy in policies]
    print(f"{'steps':>7}  " + "".join(f"{name:>22}" for name in names))
    for i, checkpoint in enumerate(runs["reference", "float32"][0]["checkpoints"]):
        cells = []
        for formulation in formulations:
            group = runs[formulation]
            precision = statistics.fmean(r["checkpoints"][i]["val_precision@1"] for r in group)
            seconds = statistics.fmean(r["checkpoints"][i]["seconds"] for r in group)
            cells.append(f"{precision:.4f} ({seconds:.0f} s)")
        print(f"{checkpoint['steps']:>7}  " + "".join(f"{cell:>22}" for cell in cells))

    print(f"\nreference's final validation precision@1: {reference['val_precision@1']:.4f}")
    for policy in policies:
        reached = time_to_quality(
            runs["ours", policy], reference["val_precision@1"], reference["seconds"]
        )
        print(f"ours, {policy} reaches it {reached}")
    print(f"\ntargets: test precision@1 >= {TARGET_TEST_PRECISION}; per policy:")
    for policy, (speed, fraction) in TARGETS.items():
        if policy in policies:
            ratio = means[policy]["images_per_second"] / reference["images_per_second"]
            within = f", the reference's quality within {fraction} of its time" if fraction else ""
            print(f"  {policy}: speed >= {speed}x (measured {ratio:.2f}x){within}")


if __name__ == "__main__":
    main()
