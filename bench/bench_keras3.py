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

    .venv/bin/python bench/bench_keras3.py [--steps 300] [--eval-every 100] [--dtype-policy auto]
    KERAS_BACKEND=jax /tmp/jaxvenv/bin/python bench/bench_keras3.py --only keras3
    bench/bench_keras3.py --table A B    # one table from the outputs of two --only runs
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
from pathlib import Path

BATCH_CLASSES, BATCH_EXAMPLES, EMBEDDING, GALLERY, SEED = 10, 8, 256, 5000, 1337
NOTEBOOK_04 = Path(__file__).parents[1] / "notebooks" / "04_metric_learning_keras3.ipynb"
FORMULATIONS = {"tfsim": "notebook 01 (TF Similarity)", "keras3": "notebook 04 (Keras 3)"}


def build_tfsim(x_train, y_train, steps: int, policy: str):
    """Notebook 01's batches, model and loss; returns (model, batches)."""
    import tensorflow_similarity as tfsim
    from bench_metric_learning import similarity_model
    from tensorflow import keras

    import simhelpers as sh

    keras.mixed_precision.set_global_policy(sh.choose_policy(policy))
    batches = sh.multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=SEED)
    model = similarity_model(EMBEDDING)
    schedule = keras.optimizers.schedules.CosineDecay(0.002, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=10,
    )
    return model, batches, keras.mixed_precision.global_policy().name


def build_keras3(x_train, y_train, steps: int, eval_every: int, policy: str):
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
        x_train, y_train, list(range(10)), BATCH_CLASSES, BATCH_EXAMPLES, eval_every, SEED
    )
    model = lesson["embedding_model"](EMBEDDING)
    schedule = keras.optimizers.schedules.CosineDecay(0.002, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=lesson["MultiSimilarityLoss"](),
        steps_per_execution=10,
    )
    return model, batches, keras.config.dtype_policy().name


def train(formulation: str, steps: int, eval_every: int, policy: str) -> dict:
    """Import, build and train one formulation; return its timings, checkpoints and peak RSS."""
    started = time.perf_counter()
    if formulation == "tfsim":
        from simhelpers.stack import use_legacy_keras

        use_legacy_keras()  # notebook 01's setup: legacy Keras, umap-learn deferred
        import tensorflow as tf
        import tensorflow_similarity  # noqa: F401

        backend = "tensorflow (tf-keras)"
        tf.keras.utils.set_random_seed(SEED)
    else:
        import keras

        backend = keras.backend.backend()
        keras.utils.set_random_seed(SEED)
    import numpy as np

    import simhelpers as sh

    import_seconds = time.perf_counter() - started
    (x_train, y_train), (x_test, y_test) = sh.load_dataset("fashion_mnist")
    if formulation == "tfsim":
        model, batches, policy_name = build_tfsim(x_train, y_train, steps, policy)
    else:
        model, batches, policy_name = build_keras3(x_train, y_train, steps, eval_every, policy)
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
        "import_seconds": import_seconds,
        "seconds": trained_seconds,
        "checkpoints": checkpoints,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(formulation: str, args: argparse.Namespace) -> dict:
    """``train`` in a fresh process (``--keras3-python`` for notebook 04's, e.g. a JAX venv)."""
    python = args.keras3_python if formulation == "keras3" else sys.executable
    command = [python, __file__, "--worker", formulation, "--steps", str(args.steps)]
    command += ["--eval-every", str(args.eval_every), "--dtype-policy", args.dtype_policy]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{formulation} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: dict[str, dict], steps: int) -> None:
    """Print the side-by-side table, the checkpoints and the time-to-quality line."""
    images = steps * BATCH_CLASSES * BATCH_EXAMPLES
    print(
        f"\n{'':<30}{'import s':>9}{'images/s':>10}{'ms/step':>9}{'peak RSS MB':>13}"
        f"{'precision@1':>13}{'MAP@R':>8}"
    )
    for name, row in rows.items():
        final = row["checkpoints"][-1]
        print(
            f"{FORMULATIONS[name]:<30}{row['import_seconds']:>9.1f}{images / row['seconds']:>10.1f}"
            f"{1000 * row['seconds'] / steps:>9.0f}{row['peak_rss_mb']:>13.0f}"
            f"{final['precision@1']:>13.4f}{final['map@r']:>8.4f}"
        )
    for name, row in rows.items():
        print(f"  {FORMULATIONS[name]}: {row['backend']} backend, {row['policy']}")
    if len(rows) < 2:
        return
    old, new = rows["tfsim"], rows["keras3"]
    old_final, new_final = old["checkpoints"][-1], new["checkpoints"][-1]
    print(
        f"{'ratio 04 / 01':<30}{new['import_seconds'] / old['import_seconds']:>9.2f}"
        f"{old['seconds'] / new['seconds']:>10.2f}{new['seconds'] / old['seconds']:>9.2f}"
        f"{new['peak_rss_mb'] / old['peak_rss_mb']:>13.2f}"
        f"{new_final['precision@1'] / old_final['precision@1']:>13.3f}"
        f"{new_final['map@r'] / old_final['map@r']:>8.3f}"
    )
    print("\nprecision@1 / MAP@R during training (steps: 01 / 04, training seconds)")
    for a, b in zip(old["checkpoints"], new["checkpoints"], strict=True):
        print(
            f"  {a['steps']:>5}: {a['precision@1']:.4f} / {a['map@r']:.4f} ({a['seconds']:.0f} s)"
            f"  |  {b['precision@1']:.4f} / {b['map@r']:.4f} ({b['seconds']:.0f} s)"
        )
    target = old_final["precision@1"]
    reached = [c for c in new["checkpoints"] if c["precision@1"] >= target]
    if reached:
        first = reached[0]
        print(
            f"04 reaches 01's final precision@1 ({target:.4f}) after {first['steps']} steps, "
            f"{first['seconds']:.0f} s: {first['seconds'] / old['seconds']:.2f} of 01's "
            f"{old['seconds']:.0f} s"
        )
    else:
        print(f"04 does not reach 01's final precision@1 ({target:.4f}) in {steps} steps")


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
    parser.add_argument("--worker", choices=sorted(FORMULATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps % args.eval_every:
        parser.error(f"--steps {args.steps} must be a multiple of --eval-every {args.eval_every}")
    if args.worker:
        print(json.dumps(train(args.worker, args.steps, args.eval_every, args.dtype_policy)))
        return
    if args.table:
        rows = {}
        for path in args.table:
            rows.update(json.loads(path.read_text().strip().splitlines()[-1]))
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
    rows = {}
    for formulation in [args.only] if args.only else list(FORMULATIONS):
        rows[formulation] = run_worker(formulation, args)
        print(f"{FORMULATIONS[formulation]} done", flush=True)
    report(rows, args.steps)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(json.dumps(rows))  # the raw measurements, last: --table reads them back


if __name__ == "__main__":
    main()
