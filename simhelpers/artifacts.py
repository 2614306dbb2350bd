"""Saving trained models so that a crash never leaves a half-written file or folder behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MANIFEST = "manifest.json"


class IncompleteArtifactError(FileNotFoundError):
    """An artifact folder exists but was not completed by ``save_folder_atomically``."""


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


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these are pages to share
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def save_folder_atomically(
    folder: str | os.PathLike, write: Callable[[Path], None], manifest: dict
) -> Path:
    """Fill a temporary sibling of ``folder`` with ``write(temporary)``, add ``manifest.json``
    last, then rename it to ``folder`` (replacing an older one). A crash leaves no ``folder``
    that looks complete: only a hidden temporary one, which is removed when possible.
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
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no artifact folder at {folder}")
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise IncompleteArtifactError(
            f"{folder} has no {MANIFEST}, so it was not saved completely; save it again"
        )
    return json.loads(manifest.read_text())
