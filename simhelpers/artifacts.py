"""Saving trained models so that a crash never leaves a half-written file or folder behind."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MANIFEST = "manifest.json"
REBUILD_HINT = (
    "make it by running notebook 01 first, at the same scale: open 01_metric_learning.ipynb in "
    "this Jupyter and run all its cells (Run > Run All Cells), or, in a terminal at the "
    "repository's root, python -m simtools run --profile quick 01"
)


class IncompleteArtifactError(FileNotFoundError):
    """An artifact folder exists but is damaged or was not saved completely."""


def save_keras_model(model, path: str | os.PathLike) -> Path:
    """Save a Keras model to ``path`` (``.keras``) atomically: temporary file, then rename."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"path={str(path)!r} is invalid; a Keras model file must end in .keras")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.tmp-{os.getpid()}.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def save_folder_atomically(
    folder: str | os.PathLike, write: Callable[[Path], None], manifest: dict
) -> Path:
    """Fill a temporary sibling of ``folder`` with ``write(temporary)``, add ``manifest.json``
    last, then rename it to ``folder`` (replacing an older one). A crash leaves no ``folder``
    that looks complete, only a hidden temporary one, removed when possible.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        write(temporary)
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if folder.exists():
            retired = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, retired)
            os.replace(temporary, folder)
            shutil.rmtree(retired)
        else:
            os.replace(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return folder


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a complete artifact folder; raises if the folder is missing or partial."""
    manifest = Path(folder) / MANIFEST
    if not Path(folder).is_dir():
        raise FileNotFoundError(f"no artifact folder at {folder}: {REBUILD_HINT}")
    try:
        return json.loads(manifest.read_text())
    except FileNotFoundError:
        message = f"{folder} has no {MANIFEST}, so it was not saved completely; {REBUILD_HINT}"
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        message = f"{manifest} is broken ({error}); {REBUILD_HINT}"
    raise IncompleteArtifactError(message)


def load_similarity_model(folder: str | os.PathLike):
    """Notebook 01's saved ``SimilarityModel`` with its index, and its manifest.

    A damaged folder (truncated weights or index, broken manifest) raises one error that names
    the folder and how to rebuild it, instead of TensorFlow's or nmslib's own.
    """
    import tensorflow as tf
    import tensorflow_similarity  # noqa: F401 (registers the losses and layers load_model needs)

    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        # load_index() prints three progress lines whatever its verbose argument says.
        with contextlib.redirect_stdout(io.StringIO()):
            model = tf.keras.models.load_model(folder / "model")
            model.load_index(str(folder / "model"))
    except Exception as error:  # TensorFlow, h5py, nmslib and numpy each raise their own kind
        raise IncompleteArtifactError(
            f"{folder} is broken ({type(error).__name__}: {str(error)[:200]}); {REBUILD_HINT}"
        ) from None
    return model, manifest
