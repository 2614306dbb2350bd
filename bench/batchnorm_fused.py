"""Does TensorFlow's fused batch-norm kernel explain why notebook 04 trains slower than 01?

Keras 3 on TensorFlow normalizes with ``tf.nn.batch_normalization`` (moments and normalization as
separate ops); tf-keras, which notebook 01 runs on, calls TensorFlow's fused kernel where it can.
This trains notebook 01's own network (``embedding_model``, loaded from the notebook) in tf-keras
twice, as it is and with ``fused=False`` in its three ``BatchNormalization`` layers, alternating the
two, on notebook 01's batches with TF Similarity's multi-similarity loss, and prints the time per
step of each (mean (min-max) over the rounds; the first ``fit`` of each, which traces the graph,
is not timed).

    .venv/bin/python bench/batchnorm_fused.py [--steps 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

from bench_metric_learning import similarity_model
from machine import describe, spread

BATCH_CLASSES, BATCH_EXAMPLES, EMBEDDING, SEED = 10, 8, 256, 1337


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=50, help="timed steps per round and variant")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from simhelpers.stack import use_legacy_keras

    use_legacy_keras()
    import tensorflow as tf
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers as sh

    print(describe())
    tf.keras.utils.set_random_seed(SEED)
    (x_train, y_train), _ = sh.load_dataset("fashion_mnist")
    batches = sh.multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=SEED)

    def variant(fused: bool):
        def rebuild(layer):
            config = layer.get_config()
            if isinstance(layer, keras.layers.BatchNormalization):
                config["fused"] = fused
            return layer.__class__.from_config(config)

        model = keras.models.clone_model(similarity_model(EMBEDDING), clone_function=rebuild)
        model.compile(
            optimizer=keras.optimizers.Adam(0.002),
            loss=tfsim.losses.MultiSimilarityLoss(),
            steps_per_execution=10,
        )
        model.fit(batches, steps_per_epoch=10, epochs=1, verbose=0)  # traces the graph
        norms = [
            layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
        ]
        assert [layer.fused for layer in norms] == [fused is not False] * 3, "fused not as asked"
        return model

    models = {
        "fused (tf-keras' choice)": variant(None),
        "unfused (as Keras 3 does)": variant(False),
    }
    milliseconds = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(batches, steps_per_epoch=args.steps, epochs=1, verbose=0)
            milliseconds[name].append(1000 * (time.perf_counter() - start) / args.steps)
    print(f"\nms per training step, mean (min-max) of {args.rounds} rounds of {args.steps} steps")
    for name, values in milliseconds.items():
        print(f"  {name:<28}{spread(values, 0):>18}")
    fused, unfused = (sum(values) / len(values) for values in milliseconds.values())
    print(f"  unfused / fused: {unfused / fused:.2f}")


if __name__ == "__main__":
    main()
