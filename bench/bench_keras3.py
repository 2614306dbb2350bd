"""Metric-learning benchmark: notebook 01's formulation (TensorFlow Similarity, legacy Keras) vs
notebook 04's (pure Keras 3), on the same data, steps and seed.

Both train the reference CNN with the multi-similarity loss (TensorFlow Similarity's defaults) on
batches of 10 classes x 8 images of the Fashion-MNIST stand-in, with Adam 0.002 decayed along a
cosine and steps_per_execution=10, each in a fresh process so that each peak RSS is its own:
  tfsim:  notebook 01: use_legacy_keras, simhelpers.multishot_dataset (tf.data),
          MetricEmbedding, SimilarityModel, tfsim.losses.MultiSimilarityLoss;
  keras3: notebook 04: its own BalancedBatches (a PyDataset), embedding_model (Dense +
          UnitNormalization) and MultiSimilarityLoss (keras.ops), loaded from the notebook.
Both use --dtype-policy (default "auto": mixed bfloat16 on CPUs with native bfloat16, float32
otherwise). Every --eval-every steps training pauses (not timed) to measure precision@1 and MAP@R
of the whole test split against a 5,000-image training gallery (simhelpers.retrieval_metrics for
both). Prints import time, images per second, ms per step, peak RSS, precision@1 and MAP@R side by
side, and the training time notebook 04 needs to reach notebook 01's final precision@1.
Each formulation runs --repeats times, interleaved; repeat r trains with seed 1337 + r (the
network's initial weights and the batches; the gallery and the test queries stay the same), and
each figure is printed as mean (min-max), with the paired differences of precision@1.

    .venv/bin/python bench/bench_keras3.py [--steps 300] [--eval-every 100] [--dtype-policy auto]
        [--repeats 3]
    KERAS_BACKEND=jax /tmp/jaxvenv/bin/python bench/bench_keras3.py --only keras3
    bench/bench_keras3.py --table A B    # one table from the outputs of two --only runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import spread

BATCH_CLASSES, BATCH_EXAMPLES, EMBEDDING, GALLERY, SEED = 10, 8, 256, 5000, 1337
NOTEBOOK_04 = Path(__file__).parents[1] / "notebooks" / "04_metric_learning_keras3.ipynb"
FORMULATIONS = {"tfsim": "notebook 01 (TF Similarity)", "keras3": "notebook 04 (Keras 3)"}


def build_tfsim(x_train, y_train, steps: int, policy: str, seed: int):
    """Notebook 01's batches, model and loss; returns (model, batches)."""
    import tensorflow_similarity as tfsim
    from bench_metric_learning import similarity_model
    from tensorflow import keras

    import simhelpers as sh

    keras.mixed_precision.set_global_policy(sh.choose_policy(policy))
    batches = sh.multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=seed)
    model = similarity_model(EMBEDDING)
    schedule = keras.optimizers.schedules.CosineDecay(0.002, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=10,
    )
    return model, batches, keras.mixed_precision.global_policy().name


def build_keras3(x_train, y_train, steps: int, eval_every: int, policy: str, seed: int):
    """Notebook 04's batches, model and loss, run from the notebook's own definitions."""
    import keras
    import numpy as np
    from keras import ops

    import simhelpers as sh
    from simtools.lesson import notebook_definitions

    names = ("BalancedBatches", "embedding_model", "MultiSimilarityLoss")
    lesson = notebook_definitions(
        NOTEBOOK_04, names, {"keras": keras, "ops": ops, "np": np, "sh": sh}
    )
    keras.config.set_dtype_policy(sh.choose_policy(policy))
    batches = lesson["BalancedBatches"](
        x_train, y_train, list(range(10)), BATCH_CLASSES, BATCH_EXAMPLES, eval_every, seed
    )
    model = lesson["embedding_model"](EMBEDDING)
    schedule = keras.optimizers.schedules.CosineDecay(0.002, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=lesson["MultiSimilarityLoss"](),
        steps_per_execution=10,
    )
    return model, batches, keras.config.dtype_policy().name


def train(formulation: str, steps: int, eval_every: int, policy: str, seed: int) -> dict:
    """Import, build and train one formulation; return its timings, checkpoints and peak RSS."""
    started = time.perf_counter()
    if formulation == "tfsim":
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup: legacy Keras, umap-learn deferred
        import tensorflow as tf
        import tensorflow_similarity  # noqa: F401

        backend = "tensorflow (tf-keras)"
        tf.keras.utils.set_random_seed(seed)
    else:
        import keras

        backend = keras.backend.backend()
        keras.utils.set_random_seed(seed)
    import numpy as np

    import simhelpers as sh

    import_seconds = time.perf_counter() - started
    (x_train, y_train), (x_test, y_test) = sh.load_dataset("fashion_mnist")
    if formulation == "tfsim":
        model, batches, policy_name = build_tfsim(x_train, y_train, steps, policy, seed)
    else:
        model, batches, policy_name = build_keras3(
            x_train, y_train, steps, eval_every, policy, seed
        )
    gallery_ids = np.sort(np.random.default_rng(SEED).choice(len(x_train), GALLERY, replace=False))
    x_gallery, x_queries = sh.to_rgb32(x_train[gallery_ids]), sh.to_rgb32(x_test)

    def evaluate() -> dict[str, float]:
        gallery = model.predict(x_gallery, batch_size=32, verbose=0)
        queries = model.predict(x_queries, batch_size=32, verbose=0)
        scores = sh.retrieval_metrics(gallery, y_train[gallery_ids], queries, y_test, ks=(1,))
        return {name: scores[name] for name in ("precision@1", "map@r")}

    checkpoints, trained_seconds = [], 0.0
    for epoch in range(steps // eval_every):
        start = time.perf_counter()
        model.fit(
            batches, steps_per_epoch=eval_every, initial_epoch=epoch, epochs=epoch + 1, verbose=0
        )
        trained_seconds += time.perf_counter() - start
        checkpoints.append({"steps": (epoch + 1) * eval_every, "seconds": trained_seconds})
        checkpoints[-1].update(evaluate())
    return {
        "backend": backend,
        "policy": policy_name,
        "seed": seed,
        "import_seconds": import_seconds,
        "seconds": trained_seconds,
        "checkpoints": checkpoints,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(formulation: str, seed: int, args: argparse.Namespace) -> dict:
    """``train`` in a fresh process (``--keras3-python`` for notebook 04's, e.g. a JAX venv)."""
    python = args.keras3_python if formulation == "keras3" else sys.executable
    command = [python, __file__, "--worker", formulation, "--steps", str(args.steps)]
    command += ["--seed", str(seed)]
    command += ["--eval-every", str(args.eval_every), "--dtype-policy", args.dtype_policy]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{formulation} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: dict[str, list[dict]], steps: int) -> None:
    """Print the side-by-side table (mean (min-max) over the repeats), the paired precision@1
    differences, the mean checkpoints and the time-to-quality line."""
    images = steps * BATCH_CLASSES * BATCH_EXAMPLES
    columns = {
        "import s": lambda run: run["import_seconds"],
        "images/s": lambda run: images / run["seconds"],
        "ms/step": lambda run: 1000 * run["seconds"] / steps,
        "peak RSS MB": lambda run: run["peak_rss_mb"],
        "precision@1": lambda run: run["checkpoints"][-1]["precision@1"],
        "MAP@R": lambda run: run["checkpoints"][-1]["map@r"],
    }
    digits = {"import s": 1, "images/s": 0, "ms/step": 0, "peak RSS MB": 0}
    table = {
        name: {column: [value(run) for run in runs] for column, value in columns.items()}
        for name, runs in rows.items()
    }
    print(f"\nmean (min-max) of {len(next(iter(rows.values())))} runs each")
    print(f"{'':<30}" + "".join(f"{column:>24}" for column in columns))
    for name, values in table.items():
        cells = [spread(values[column], digits.get(column, 4)) for column in columns]
        print(f"{FORMULATIONS[name]:<30}" + "".join(f"{cell:>24}" for cell in cells))
    for name, runs in rows.items():
        print(f"  {FORMULATIONS[name]}: {runs[0]['backend']} backend, {runs[0]['policy']}")
    if len(rows) < 2:
        return
    old, new = table["tfsim"], table["keras3"]
    ratios = [statistics.fmean(new[c]) / statistics.fmean(old[c]) for c in columns]
    print(f"{'ratio of means 04 / 01':<30}" + "".join(f"{ratio:>24.3f}" for ratio in ratios))
    differences = [b - a for a, b in zip(old["precision@1"], new["precision@1"], strict=True)]
    print(
        "precision@1, 04 - 01, per seed: "
        + ", ".join(f"{difference:+.4f}" for difference in differences)
        + f"; mean {statistics.fmean(differences):+.4f}"
    )
    print("\nmean precision@1 / MAP@R during training (steps: 01 / 04, mean training seconds)")
    curves = {
        name: [
            {key: statistics.fmean(point[key] for point in points) for key in points[0]}
            for points in zip(*(run["checkpoints"] for run in runs), strict=True)
        ]
        for name, runs in rows.items()
    }
    for a, b in zip(curves["tfsim"], curves["keras3"], strict=True):
        print(
            f"  {a['steps']:>5.0f}: {a['precision@1']:.4f} / {a['map@r']:.4f} "
            f"({a['seconds']:.0f} s)  |  {b['precision@1']:.4f} / {b['map@r']:.4f} "
            f"({b['seconds']:.0f} s)"
        )
    target, old_seconds = curves["tfsim"][-1]["precision@1"], curves["tfsim"][-1]["seconds"]
    reached = [point for point in curves["keras3"] if point["precision@1"] >= target]
    if reached:
        first = reached[0]
        print(
            f"04 reaches 01's final mean precision@1 ({target:.4f}) after {first['steps']:.0f} "
            f"steps, {first['seconds']:.0f} s: {first['seconds'] / old_seconds:.2f} of 01's "
            f"{old_seconds:.0f} s"
        )
    else:
        print(f"04 does not reach 01's final mean precision@1 ({target:.4f}) in {steps} steps")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument(
        "--dtype-policy", default="auto", choices=["auto", "float32", "mixed_bfloat16"]
    )
    parser.add_argument("--only", choices=sorted(FORMULATIONS), help="run one formulation")
    parser.add_argument(
        "--keras3-python", default=sys.executable, help="the Python for notebook 04's run"
    )
    parser.add_argument(
        "--table", nargs="+", type=Path, help="print the table from the outputs of --only runs"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each formulation")
    parser.add_argument("--worker", choices=sorted(FORMULATIONS), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")
    if args.repeats < 1:
        parser.error(f"--repeats {args.repeats} is invalid; expected at least 1")
    if args.worker:
        run = train(args.worker, args.steps, args.eval_every, args.dtype_policy, args.seed)
        print(json.dumps(run))
        return
    if args.table:
        rows: dict[str, list[dict]] = {}
        for path in args.table:
            for name, runs in json.loads(path.read_text().strip().splitlines()[-1]).items():
                rows.setdefault(name, []).extend(runs if isinstance(runs, list) else [runs])
        report({name: rows[name] for name in FORMULATIONS if name in rows}, args.steps)
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"Fashion-MNIST stand-in, {args.steps} steps of 80 images, gallery {GALLERY}, "
        f"--dtype-policy {args.dtype_policy}, KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '')}"
    )
    names = [args.only] if args.only else list(FORMULATIONS)
    rows = {name: [] for name in names}
    for repeat in range(args.repeats):
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            rows[name].append(run_worker(name, SEED + repeat, args))
            print(f"{FORMULATIONS[name]}, seed {SEED + repeat}: done", flush=True)
    report(rows, args.steps)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(json.dumps(rows))  # the raw measurements, last: --table reads them back


if __name__ == "__main__":
    main()
