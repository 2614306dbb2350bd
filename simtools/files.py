"""Atomic writes: every page, record, figure and notebook the tooling produces appears whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to a temporary file beside ``path``, then rename it
    into place, creating ``path``'s folder if needed; a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these are files to share
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path
