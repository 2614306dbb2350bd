"""Metric-learning benchmark: the keras.io TensorFlow Similarity tutorial's formulation against
notebook 01's, both against the network's ceiling on this machine.

First the ceiling (bench/ceiling.py, in a fresh process): the float32 and bfloat16 matmul peak,
and notebook 01's network trained on one fixed batch by a bare tf.function step, per policy.
Then each formulation trains notebook 01's network (the reference CNN) with MultiSimilarityLoss
on batches of 10 classes x 8 images for --steps steps, each run in a fresh process:
  reference: MultiShotMemorySampler batches fed to fit as a Python Sequence, constant Adam 0.002,
             steps_per_execution=10, float32 (the tutorial's code; its TFDS sampler replaced by
             the equivalent in-memory one, since TFDS needs a download);
  ours:      notebook 01's setup and input (simhelpers.multishot_dataset, tf.data), its
             cosine-decayed Adam (--learning-rate), under each dtype policy of --policies
             ("float32"; "auto": mixed bfloat16 on CPUs with native bfloat16, mixed float16 on
             GPUs, float32 otherwise); with --jit also compiled by XLA (jit_compile=True).
--validation images carved from the training split (the same in every run) are the validation
split. Every --eval-every steps training pauses (not timed) to measure their precision@1 against
a --gallery-image training gallery: choices and the time to the reference's quality are read from
that curve. The test split is read once per run, after training (never with --validation-only).
Every formulation runs --repeats times, interleaved; the record is
bench/results/metric_learning-<dataset>.json.

    python -m bench.bench_metric_learning [--steps 500] [--eval-every 100] [--repeats 2]
        [--policies float32,auto] [--jit] [--validation 10000] [--gallery 5000]
        [--learning-rate 0.002] [--validation-only] [--ceiling-timings 5] [--results-dir DIR]
"""

from __future__ import annotations

import argparse
import os

from bench import harness, lessons, render

SPLIT_SEED = 2024  # draws the validation images and the gallery, the same in every run
POLICIES = ("float32", "auto", "mixed_bfloat16")
DATASETS = ("fashion_mnist", "cifar10", "mnist_10k")  # notebook 01's
METRICS = (
    "images_per_second",
    "seconds",
    "peak_rss_mb",
    "val_precision@1",
    "test_precision@1",
    "test_map@r",
)
REFERENCE = "reference"


def train(
    formulation: str,
    policy: str,
    jit: bool,
    seed: int,
    dataset: str,
    steps: int,
    eval_every: int,
    validation: int,
    gallery: int,
    learning_rate: float,
    validation_only: bool,
) -> dict:
    """Train one formulation; its speed, validation checkpoints, test scores and peak memory."""
    if formulation == REFERENCE:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # the tutorial imports everything at once
    else:
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup cell: legacy Keras, umap-learn deferred
    import numpy as np
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers as sh

    tf.keras.utils.set_random_seed(seed)
    (x_all, y_all), (x_test, y_test) = sh.load_dataset(dataset)
    if not 0 < validation < len(y_all):
        allowed = f"1 to {len(y_all) - 1} ({dataset} has {len(y_all)} training images)"
        raise ValueError(f"validation={validation} is invalid; expected {allowed}")
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y_all))
    train_ids, val_ids = np.sort(order[validation:]), np.sort(order[:validation])
    x_train, y_train = x_all[train_ids], y_all[train_ids]
    x_val, y_val = x_all[val_ids], y_all[val_ids]
    if formulation == REFERENCE:  # the tutorial holds its whole dataset as model-ready images
        batches = tfsim.samplers.MultiShotMemorySampler(
            sh.to_rgb32(x_train),
            y_train,
            classes_per_batch=lessons.BATCH_CLASSES,
            examples_per_class_per_batch=lessons.BATCH_EXAMPLES,
            steps_per_epoch=eval_every,
        )
        model = lessons.notebook_01_model()
        model.compile(
            optimizer=keras.optimizers.Adam(0.002),  # the tutorial's constant rate
            loss=tfsim.losses.MultiSimilarityLoss(),
            steps_per_execution=lessons.STEPS_PER_EXECUTION,
        )
    else:
        model, batches, _ = lessons.notebook_01_training(
            x_train, y_train, steps, policy, seed, learning_rate, jit
        )
    gallery_ids = np.random.default_rng(SPLIT_SEED).choice(len(y_train), gallery, replace=False)
    x_gallery, y_gallery = x_train[gallery_ids], y_train[gallery_ids]

    def validate() -> dict:
        scores = lessons.retrieval_scores(model, x_gallery, y_gallery, x_val, y_val)
        return {"val_precision@1": scores["precision@1"]}

    seconds, checkpoints = harness.train_with_checkpoints(
        model, batches, steps, eval_every, validate
    )
    test = {"precision@1": None, "map@r": None}
    if not validation_only:
        test = lessons.retrieval_scores(model, x_gallery, y_gallery, x_test, y_test)
    return {
        "policy": keras.mixed_precision.global_policy().name,
        "jit": jit,
        "seconds": seconds,
        "images_per_second": steps * lessons.BATCH_CLASSES * lessons.BATCH_EXAMPLES / seconds,
        "checkpoints": checkpoints,
        "val_precision@1": checkpoints[-1]["val_precision@1"],
        "test_precision@1": test["precision@1"],
        "test_map@r": test["map@r"],
        "peak_rss_mb": sh.peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="fashion_mnist", choices=DATASETS)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--policies", default="float32,auto", help=f"ours', of {POLICIES}")
    parser.add_argument("--jit", action="store_true", help="also ours compiled by XLA")
    parser.add_argument("--validation", type=int, default=10000, help="validation images")
    parser.add_argument("--gallery", type=int, default=5000, help="training images searched")
    parser.add_argument("--learning-rate", type=float, default=lessons.LEARNING_RATE)
    parser.add_argument("--validation-only", action="store_true", help="never read the test split")
    parser.add_argument("--ceiling-timings", type=int, default=5, help="timings of each ceiling")
    harness.add_record_options(parser, repeats=2)
    args = parser.parse_args()
    harness.check_at_least_one(parser, args)
    policies = harness.choices(parser, "--policies", args.policies, POLICIES)
    if args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")

    parameters = {k: v for k, v in vars(args).items() if k != "results_dir"}
    record = harness.start_record("metric_learning", args.dataset, parameters)
    print(harness.describe(record["machine"]), flush=True)
    arguments = {"dataset": args.dataset, "policies": policies, "timings": args.ceiling_timings}
    ceiling = harness.in_fresh_process("ceiling", "measure", arguments)
    formulations = {REFERENCE: ("float32", False)}
    formulations |= {f"ours, {policy}": (policy, False) for policy in policies}
    if args.jit:
        formulations |= {f"ours, {policy}, XLA": (policy, True) for policy in policies}
    shared = {
        name: getattr(args, name)
        for name in ("dataset", "steps", "eval_every", "validation", "gallery", "learning_rate")
    } | {"validation_only": args.validation_only}

    def measure(name: str, seed: int) -> dict:
        policy, jit = formulations[name]
        formulation = REFERENCE if name == REFERENCE else "ours"
        arguments = {"formulation": formulation, "policy": policy, "jit": jit, "seed": seed}
        return harness.in_fresh_process("bench_metric_learning", "train", arguments | shared)

    runs = harness.interleave(list(formulations), args.repeats, measure)
    figures = {"ceiling": ceiling, "runs": runs, "summary": harness.summarize_runs(runs, METRICS)}
    path = harness.finish_record(record, figures, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    harness.run(globals(), main)
