"""The software stack: legacy Keras for TensorFlow Similarity, version report, numpy pin."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"
NUMPY_RANGE = ((2, 2), (2, 4))  # SimilarityModel.match() breaks from numpy 2.4 on.
_REPORTED = ("tensorflow", "keras", "tf-keras", "tensorflow-similarity", "numpy")


class KernelRestartRequired(RuntimeError):
    """TensorFlow was imported with Keras 3 before legacy Keras could be selected."""


def use_legacy_keras() -> None:
    """Make ``tf.keras`` the Keras 2 (``tf_keras``) that TensorFlow Similarity needs.

    Must run before TensorFlow is first imported; raises ``KernelRestartRequired`` if the
    running process already bound ``tf.keras`` to Keras 3.
    """
    os.environ[LEGACY_KERAS_VARIABLE] = "1"
    if "tensorflow" not in sys.modules:
        return
    keras_module = sys.modules["tensorflow"].keras.__name__
    if not keras_module.startswith("tf_keras"):
        raise KernelRestartRequired(
            f"TensorFlow was imported before {LEGACY_KERAS_VARIABLE}=1 was set, so tf.keras is "
            f"Keras 3 ({keras_module}); TensorFlow Similarity needs tf_keras. "
            "Restart the kernel (Kernel > Restart) and run this cell first."
        )


def versions() -> dict[str, str]:
    """Installed versions of Python and of the packages the notebooks rely on."""
    found = {"python": platform.python_version()}
    for package in _REPORTED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def version_report() -> str:
    """One line per component, plus the GPUs TensorFlow sees, for a notebook's setup cell."""
    import tensorflow as tf

    lines = [f"{name:<22}{version}" for name, version in versions().items()]
    gpus = tf.config.list_physical_devices("GPU")
    lines.append(f"{'GPUs':<22}{', '.join(g.name for g in gpus) if gpus else 'none (CPU only)'}")
    return "\n".join(lines)


def check_numpy_pin(version: str | None = None) -> None:
    """Raise if numpy is outside the range where TensorFlow Similarity's ``match()`` works."""
    version = version or metadata.version("numpy")
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    (low, high) = NUMPY_RANGE
    if not low <= major_minor < high:
        raise RuntimeError(
            f"numpy=={version} is outside >={low[0]}.{low[1]},<{high[0]}.{high[1]}: "
            "TensorFlow Similarity 0.17.1's match() fails from numpy 2.4 on. "
            "Run: pip install 'numpy>=2.2,<2.4'"
        )
