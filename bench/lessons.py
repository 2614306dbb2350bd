"""Everything the benchmarks take from the notebooks, in one place to adapt when a notebook changes.

Notebook 01's and 04's own definitions are loaded from the notebooks (``simtools.lesson``), so the
benchmarks measure the code a learner reads; whole notebooks run headless through
``simtools.run`` (papermill). The recipe constants are the notebooks' parameter defaults.
"""

from __future__ import annotations

from pathlib import Path

from simtools.lesson import notebook_definitions

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK_01 = NOTEBOOKS / "01_metric_learning.ipynb"
NOTEBOOK_04 = NOTEBOOKS / "04_metric_learning_keras3.ipynb"
# Notebooks 01 and 04: classes_per_batch (all 10 classes), examples_per_class_per_batch,
# embedding_size, learning_rate (peak of the cosine schedule), steps_per_execution.
BATCH_CLASSES, BATCH_EXAMPLES, EMBEDDING_SIZE, LEARNING_RATE, STEPS_PER_EXECUTION = (
    10,
    8,
    256,
    0.002,
    10,
)


def notebook_01_model(embedding_size: int = EMBEDDING_SIZE):
    """Notebook 01's ``embedding_model`` (the reference CNN ending in TF Similarity's
    ``MetricEmbedding``); call after ``simhelpers.use_legacy_keras()``."""
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    namespace = {"keras": keras, "tfsim": tfsim}
    return notebook_definitions(NOTEBOOK_01, ["embedding_model"], namespace)["embedding_model"](
        embedding_size
    )


def notebook_01_training(
    x_train, y_train, steps: int, policy: str, seed: int, learning_rate: float, jit: bool = False
):
    """Notebook 01's batches (``simhelpers.multishot_dataset``), network, cosine-decayed Adam and
    ``MultiSimilarityLoss`` under dtype ``policy``; ``(model, batches, policy name)``."""
    import tensorflow_similarity as tfsim
    from tensorflow import keras

    import simhelpers as sh

    keras.mixed_precision.set_global_policy(sh.choose_policy(policy))
    batches = sh.multishot_dataset(x_train, y_train, BATCH_CLASSES, BATCH_EXAMPLES, seed=seed)
    model = notebook_01_model()
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        ),
        loss=tfsim.losses.MultiSimilarityLoss(),
        steps_per_execution=STEPS_PER_EXECUTION,
        jit_compile=jit,
    )
    return model, batches, keras.mixed_precision.global_policy().name


def notebook_04_training(
    x_train, y_train, steps: int, steps_per_epoch: int, policy: str, seed: int, jit: bool = False
):
    """Notebook 04's ``BalancedBatches``, ``embedding_model`` and ``MultiSimilarityLoss`` (Keras 3,
    any backend) with cosine-decayed Adam under dtype ``policy``; ``(model, batches, policy)``."""
    import keras
    import numpy as np
    from keras import ops

    import simhelpers as sh

    names = ("BalancedBatches", "embedding_model", "MultiSimilarityLoss")
    namespace = {"keras": keras, "ops": ops, "np": np, "sh": sh}
    lesson = notebook_definitions(NOTEBOOK_04, names, namespace)
    keras.config.set_dtype_policy(sh.choose_policy(policy))
    classes = [int(label) for label in np.unique(y_train)]
    batches = lesson["BalancedBatches"](
        x_train, y_train, classes, BATCH_CLASSES, BATCH_EXAMPLES, steps_per_epoch, seed
    )
    model = lesson["embedding_model"](EMBEDDING_SIZE)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps)
        ),
        loss=lesson["MultiSimilarityLoss"](),
        steps_per_execution=STEPS_PER_EXECUTION,
        jit_compile=True if jit else "auto",  # "auto": off on a CPU with TensorFlow, on with JAX
    )
    return model, batches, keras.config.dtype_policy().name


def retrieval_scores(model, x_gallery, y_gallery, x_queries, y_queries) -> dict[str, float]:
    """Precision@1 and MAP@R of the queries against the gallery, embedded as the notebooks embed
    (padded to 32x32x3, batches of 32)."""
    import simhelpers as sh

    def embed(images):
        return model.predict(sh.to_rgb32(images), batch_size=32, verbose=0)

    scores = sh.retrieval_metrics(embed(x_gallery), y_gallery, embed(x_queries), y_queries, ks=(1,))
    return {"precision@1": float(scores["precision@1"]), "map@r": float(scores["map@r"])}


def run_notebook(notebook: str | Path, output_dir: Path, parameters: dict):
    """Execute a whole notebook (by number, stem or path) headless with papermill into
    ``output_dir``; its ``simtools`` run result (metrics, executed copy, error)."""
    from simtools import run

    path = run.resolve_notebook(str(notebook))
    return run.execute(path, output_dir, parameters, progress_bar=False)
