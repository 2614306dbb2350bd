"""The keras.io Siamese tutorial as written (pairs, Lambda distance, BatchNorm + sigmoid head,
RMSprop, batch 16), which bench_siamese runs in a fresh process. Only the data loading differs:
the splits ``simhelpers.load_dataset`` returns (as notebook 02's), the training split halved into
training and validation images as the tutorial halves MNIST's.

    python -m bench.reference_siamese --worker train \
        '{"dataset": "mnist_10k", "epochs": 1, "seed": 1337}'
"""

import random
import time

import keras
import numpy as np
from keras import ops

from bench import harness
from simhelpers import load_dataset, peak_rss_mb


def make_pairs(x, y):
    """The reference's pair construction, unchanged."""
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]
    pairs = []
    labels = []
    for idx1 in range(len(x)):
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = random.choice(digit_indices[label1])
        x2 = x[idx2]
        pairs += [[x1, x2]]
        labels += [0]
        label2 = random.randint(0, num_classes - 1)
        while label2 == label1:
            label2 = random.randint(0, num_classes - 1)
        idx2 = random.choice(digit_indices[label2])
        x2 = x[idx2]
        pairs += [[x1, x2]]
        labels += [1]
    return np.array(pairs), np.array(labels).astype("float32")


def euclidean_distance(vects):
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


def loss(margin=1):
    def contrastive_loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


def train(dataset: str, epochs: int, seed: int) -> dict:
    """Train the tutorial's network; its test pair accuracy, fit seconds and peak memory."""
    keras.utils.set_random_seed(seed)
    (x_train_val, y_train_val), (x_test, y_test) = load_dataset(dataset)
    x_train_val = x_train_val.astype("float32")
    x_test = x_test.astype("float32")
    half = len(x_train_val) // 2  # the tutorial: 30,000 of MNIST's 60,000 training images
    x_train, x_val = x_train_val[:half], x_train_val[half:]
    y_train, y_val = y_train_val[:half], y_train_val[half:]
    del x_train_val, y_train_val

    pairs_train, labels_train = make_pairs(x_train, y_train)
    pairs_val, labels_val = make_pairs(x_val, y_val)
    pairs_test, labels_test = make_pairs(x_test, y_test)
    x_train_1, x_train_2 = pairs_train[:, 0], pairs_train[:, 1]
    x_val_1, x_val_2 = pairs_val[:, 0], pairs_val[:, 1]
    x_test_1, x_test_2 = pairs_test[:, 0], pairs_test[:, 1]

    input = keras.layers.Input((28, 28, 1))
    x = keras.layers.BatchNormalization()(input)
    x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dense(10, activation="tanh")(x)
    embedding_network = keras.Model(input, x)

    input_1 = keras.layers.Input((28, 28, 1))
    input_2 = keras.layers.Input((28, 28, 1))
    tower_1 = embedding_network(input_1)
    tower_2 = embedding_network(input_2)
    merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))([tower_1, tower_2])
    normal_layer = keras.layers.BatchNormalization()(merge_layer)
    output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
    siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)
    siamese.compile(loss=loss(margin=1), optimizer="RMSprop", metrics=["accuracy"])

    start = time.perf_counter()
    siamese.fit(
        [x_train_1, x_train_2],
        labels_train,
        validation_data=([x_val_1, x_val_2], labels_val),
        batch_size=16,
        epochs=epochs,
        verbose=2,
    )
    fit_seconds = time.perf_counter() - start
    _, test_accuracy = siamese.evaluate([x_test_1, x_test_2], labels_test, verbose=0)
    return {
        "test_accuracy": test_accuracy,
        "fit_seconds": fit_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "policy": "float32",
    }


if __name__ == "__main__":
    harness.run(globals(), lambda: print(__doc__))
