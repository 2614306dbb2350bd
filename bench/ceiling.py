"""The network's ceiling on this machine, which bench_metric_learning measures first and reports
every formulation's speed against: the float32 and bfloat16 matmul peak (TensorFlow), and notebook
01's network trained on one fixed batch of 80 images (10 classes x 8) by a plain ``tf.function``
step with a trivial loss and no input pipeline, per dtype policy.

    python -m bench.ceiling     # prints the figures as JSON; records come from the benchmark
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bench import harness, lessons

MATMUL_SIZE = 2048  # square matrices: 2 * 2048**3 floating-point operations per product
MIN_TIMING_SECONDS = 0.5  # each timing repeats the call until it lasts about this long
# A training step costs about three forward passes: the forward pass, then the gradients with
# respect to the activations and to the weights, each about as costly as the forward pass.
FORWARDS_PER_TRAINING_STEP = 3


def measure(dataset: str, policies: list[str], timings: int) -> dict:
    """Matmul GFLOP/s per dtype, the network's images/s per resolved policy (each ``timings``
    times), and the network's floating-point operations per image."""
    from simhelpers.stack import use_legacy_keras

    use_legacy_keras()  # notebook 01's network is tf-keras (TF Similarity)
    import numpy as np
    import tensorflow as tf
    from tensorflow import keras

    import simhelpers as sh

    def product(dtype: str) -> Callable[[], object]:
        a, b = (tf.cast(tf.random.uniform((MATMUL_SIZE, MATMUL_SIZE)), dtype) for _ in "ab")
        return tf.function(lambda: tf.matmul(a, b))

    gigaflops = 2 * MATMUL_SIZE**3 / 1e9
    matmul = {
        dtype: _rates(product(dtype), gigaflops, timings) for dtype in ("float32", "bfloat16")
    }

    (x_train, y_train), _ = sh.load_dataset(dataset)
    ids = np.concatenate(
        [np.flatnonzero(y_train == c)[: lessons.BATCH_EXAMPLES] for c in range(10)]
    )
    images = tf.constant(sh.to_rgb32(x_train[ids]), tf.float32)
    network, flops = {}, 0.0
    for policy in dict.fromkeys(sh.choose_policy(p) for p in policies):
        keras.mixed_precision.set_global_policy(policy)
        model = lessons.notebook_01_model()
        flops = forward_flops(model)
        optimizer = keras.optimizers.Adam(lessons.LEARNING_RATE)

        @tf.function
        def step(model=model, optimizer=optimizer):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.cast(model(images, training=True), tf.float32))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
            return loss

        network[policy] = _rates(step, len(ids), timings)
    return {
        "matmul_size": MATMUL_SIZE,
        "matmul_gflops": matmul,
        "network_images_per_second": network,
        "forward_flops_per_image": flops,
        "training_flops_per_image": FORWARDS_PER_TRAINING_STEP * flops,
    }


def forward_flops(model) -> float:
    """Multiply-adds (counted as two operations) of the model's kernels for one image: each kernel
    of a convolution or dense layer applied at every position of the layer's output."""
    total = 0.0
    for layer in model.layers:
        positions = 1
        for size in layer.output.shape[1:-1]:
            positions *= size
        for weight in layer.trainable_weights:
            if len(weight.shape) >= 2:
                total += 2 * positions * weight.shape.num_elements()
    return total


def _rates(call: Callable[[], object], work: float, timings: int) -> dict:
    """``work`` per call divided by the seconds per call: ``timings`` timings after a warm-up
    (tracing), each of as many calls as last about ``MIN_TIMING_SECONDS``."""
    call()
    start = time.perf_counter()
    call().numpy()
    calls = max(1, round(MIN_TIMING_SECONDS / (time.perf_counter() - start)))
    values = []
    for _ in range(timings):
        start = time.perf_counter()
        for _ in range(calls):
            result = call()
        result.numpy()
        values.append(work * calls / (time.perf_counter() - start))
    return {"timings": values, **harness.summarize(values)}


def main() -> None:
    print(json.dumps(measure("fashion_mnist", ["float32", "auto"], timings=5), indent=1))


if __name__ == "__main__":
    harness.run(globals(), main)
