"""Does TensorFlow's fused batch-norm kernel explain why notebook 04 trains slower than 01?

Keras 3 on TensorFlow normalizes with ``tf.nn.batch_normalization`` (moments and normalization as
separate ops); tf-keras, which notebook 01 runs on, calls TensorFlow's fused kernel where it can.
This trains notebook 01's own network in tf-keras twice, as it is and with ``fused=False`` in its
three ``BatchNormalization`` layers, alternating the two, on notebook 01's batches with TF
Similarity's multi-similarity loss, float32, and records the milliseconds per step of each round
(the first ``fit`` of each, which traces the graph, is not timed) in
bench/results/batchnorm_fused.json.

    python -m bench.batchnorm_fused [--steps 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

from bench import harness, lessons, render

FUSED, UNFUSED = "fused (tf-keras' choice)", "unfused (as Keras 3 does)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=50, help="timed steps per round and variant")
    parser.add_argument("--rounds", type=int, default=3)
    harness.add_record_options(parser)
    args = parser.parse_args()
    harness.check_at_least_one(parser, args)
    record = harness.start_record(
        "batchnorm_fused", None, {"steps": args.steps, "rounds": args.rounds}
    )
    print(harness.describe(record["machine"]), flush=True)

    from simhelpers.stack import use_legacy_keras

    use_legacy_keras()
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers as sh

    tf.keras.utils.set_random_seed(harness.SEED)
    (x_train, y_train), _ = sh.load_dataset("fashion_mnist")
    batches = sh.multishot_dataset(
        x_train, y_train, lessons.BATCH_CLASSES, lessons.BATCH_EXAMPLES, seed=harness.SEED
    )

    def variant(fused: bool | None):
        def rebuild(layer):
            config = layer.get_config()
            if isinstance(layer, keras.layers.BatchNormalization):
                config["fused"] = fused
            return layer.__class__.from_config(config)

        model = keras.models.clone_model(lessons.notebook_01_model(), clone_function=rebuild)
        model.compile(
            optimizer=keras.optimizers.Adam(lessons.LEARNING_RATE),
            loss=tfsim.losses.MultiSimilarityLoss(),
            steps_per_execution=lessons.STEPS_PER_EXECUTION,
        )
        model.fit(batches, steps_per_epoch=10, epochs=1, verbose=0)  # traces the graph
        norms = [
            layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
        ]
        if [layer.fused for layer in norms] != [fused is not False] * len(norms):
            raise RuntimeError(f"fused={fused} was not applied to the BatchNormalization layers")
        return model

    models = {FUSED: variant(None), UNFUSED: variant(False)}
    runs = []
    for round_number in range(1, args.rounds + 1):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(batches, steps_per_epoch=args.steps, epochs=1, verbose=0)
            milliseconds = 1000 * (time.perf_counter() - start) / args.steps
            runs.append({"formulation": name, "round": round_number, "ms_per_step": milliseconds})
    figures = {"runs": runs, "summary": harness.summarize_runs(runs, ["ms_per_step"])}
    path = harness.finish_record(record, figures, args.results_dir)
    print(f"\n{render.section(path)}\nrecord: {path}")


if __name__ == "__main__":
    main()
