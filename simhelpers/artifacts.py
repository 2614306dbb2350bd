"""Saving trained models so that a crash never leaves a half-written file behind."""

from __future__ import annotations

import os
from pathlib import Path


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
