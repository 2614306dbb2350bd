"""Shared fixtures: the real Fashion-MNIST files from Debian, and small generated datasets."""

import os
from pathlib import Path

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
def isolated_data_dirs(tmp_path, monkeypatch):
    """No Keras cache, $SIMHELPERS_DATA_DIR, Debian copy or download: only what a test writes."""
    import simhelpers.data as data

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    monkeypatch.setattr(data, "DEBIAN_DATASETS_DIR", tmp_path / "debian-datasets")

    def offline(name):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(data, "_download_with_keras", offline)
    return tmp_path


os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
