"""Choosing the quick scale's training budget for notebooks 01 and 04, on validation images only.

Notebook 01's own network (loaded from the notebook) and loss, with its fast sampler (tf.data
batches of 8 examples per class, float32), trained on ``--known`` classes of Fashion-MNIST's
training split. 5,000 images carved from that split (seed 2024) are the validation queries and
5,000 others (seed 2025) the gallery, of all ten classes. Each option runs once per seed, in a
fresh process; the record holds validation precision@1 and MAP@R of all queries and of the known
and unseen classes, beside the raw pixels' on the same gallery and queries. The test split is
never read.

    .venv/bin/python -m bench.choose_recipe [--known 8] [--seeds 1337 1338 1339]
"""

from __future__ import annotations

import argparse
import time

from bench import harness, lessons

OPTIONS = {  # what the quick scale could train: name -> train()'s arguments
    "300 steps (the quick scale before)": {"steps": 300},
    "600 steps": {"steps": 600},
}


def splits(known: int):
    """Training images, gallery and validation queries, and the known classes."""
    import numpy as np

    import simhelpers as sh

    (x, y), _ = sh.load_dataset("fashion_mnist")  # the test split is never read
    order = np.random.default_rng(2024).permutation(len(y))
    validation, rest = np.sort(order[:5000]), np.sort(order[5000:])
    gallery = rest[np.sort(np.random.default_rng(2025).choice(len(rest), 5000, replace=False))]
    known_classes = sorted(np.random.default_rng(1337).choice(10, known, replace=False).tolist())
    return (
        (x[rest], y[rest]),
        (x[gallery], y[gallery]),
        (x[validation], y[validation]),
        known_classes,
    )


def scores(gallery, gallery_labels, queries, query_labels, known_classes) -> dict:
    """Precision@1 and MAP@R of all queries, and of the known and unseen classes apart."""
    import numpy as np

    import simhelpers as sh

    found = {}
    for group, mask in [
        ("all", np.ones(len(query_labels), bool)),
        ("known", np.isin(query_labels, known_classes)),
        ("unseen", ~np.isin(query_labels, known_classes)),
    ]:
        if mask.any():
            metrics = sh.retrieval_metrics(
                gallery, gallery_labels, queries[mask], query_labels[mask]
            )
            found[f"{group}_precision@1"] = metrics["precision@1"]
            found[f"{group}_map@r"] = metrics["map@r"]
    return found


def train(seed: int, known: int, steps: int) -> dict:
    """One option: train, then score the validation queries (and the raw pixels)."""
    import simhelpers as sh

    sh.use_legacy_keras()
    sh.defer_umap_import()
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    tf.keras.utils.set_random_seed(seed)
    (x, y), (xg, yg), (xv, yv), known_classes = splits(known)
    network = lessons.notebook_01_model()
    data = sh.multishot_dataset(x, y, known, 8, class_list=known_classes, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(lessons.LEARNING_RATE, decay_steps=steps)
    network.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=lessons.STEPS_PER_EXECUTION,
    )
    start = time.perf_counter()
    network.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start

    def embed(images):
        return network.predict(sh.to_rgb32(images), batch_size=128, verbose=0)

    learned = scores(embed(xg), yg, embed(xv), yv, known_classes)
    pixels = scores(xg.reshape(len(xg), -1), yg, xv.reshape(len(xv), -1), yv, known_classes)
    return {"seconds": seconds, **learned, **{f"pixels_{k}": v for k, v in pixels.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--known", type=int, default=8, help="classes trained on (default 8)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1337, 1338, 1339])
    harness.add_record_options(parser)
    args = parser.parse_args()
    record = harness.start_record(
        "choice", "notebook01_quick_budget", vars(args) | {"options": OPTIONS}
    )
    runs = {name: [] for name in OPTIONS}
    for seed in args.seeds:
        for name, option in OPTIONS.items():
            result = harness.in_fresh_process(
                "choose_recipe", "train", {"seed": seed, "known": args.known, **option}
            )
            runs[name].append({"seed": seed, **{f"val_{k}": v for k, v in result.items()}})
            print(f"{name}, seed {seed}: {result}", flush=True)
    metrics = ["val_all_precision@1", "val_all_map@r", "val_unseen_precision@1", "val_unseen_map@r"]
    figures = {
        "title": "Choosing the quick scale's training budget (notebooks 01 and 04) on "
        "validation images",
        "question": "how many training steps the quick scale needs for the trained embedding to "
        "beat the raw pixels (the pixels_ columns) by more than the spread between seeds",
        "tables": [
            {
                "seeds": args.seeds,
                "metrics": metrics + [f"val_pixels_{m.removeprefix('val_')}" for m in metrics],
                "options": [{"option": name, "runs": found} for name, found in runs.items()],
            }
        ],
        "chosen": "600 steps",
        "reason": "read the table: the fewest steps whose precision@1 and MAP@R stay above the "
        "raw pixels' in every seed",
    }
    harness.finish_record(record, figures, args.results_dir)


if __name__ == "__main__":
    harness.run(globals(), main)
