"""The software stack: legacy Keras for TensorFlow Similarity, installed versions, numpy pin."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import sys
import types
from importlib import metadata

NUMPY_RANGE = ((2, 1), (2, 4))  # 2.1: Colab's numpy; match() breaks from numpy 2.4 on.


class KernelRestartRequired(RuntimeError):
    """TensorFlow was imported with Keras 3 before legacy Keras could be selected."""


def use_legacy_keras() -> None:
    """Make ``tf.keras`` the Keras 2 (``tf_keras``) that TensorFlow Similarity needs.

    Call it before TensorFlow is first imported. Raises ``KernelRestartRequired`` if this process
    already bound ``tf.keras`` to Keras 3, and checks the numpy pin.
    """
    check_numpy_pin()
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    if "tensorflow" in sys.modules:
        keras_module = sys.modules["tensorflow"].keras.__name__
        if not keras_module.startswith("tf_keras"):
            raise KernelRestartRequired(
                "TensorFlow was imported before TF_USE_LEGACY_KERAS=1 was set, so tf.keras is "
                f"Keras 3 ({keras_module}); TensorFlow Similarity needs tf_keras. "
                "Restart the kernel (Kernel > Restart) and run this cell first."
            )


def defer_umap_import() -> None:
    """Make ``import umap`` free until umap is used: TensorFlow Similarity imports umap-learn when
    it starts, for its projector alone, and that import costs tens of seconds (numba compiles)
    and about 250 MB. Puts a stand-in into ``sys.modules`` that loads umap on first use."""
    if "umap" in sys.modules:
        return
    spec = importlib.util.find_spec("umap")
    if spec is not None:
        placeholder = _DeferredModule("umap")
        placeholder.__spec__, placeholder.__file__ = spec, spec.origin
        sys.modules["umap"] = placeholder


class _DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is first read.

    Hand-written because ``importlib.util.LazyLoader`` loads the module as soon as another
    ``import`` statement checks its ``__spec__``, which is what TensorFlow Similarity does.
    """

    def __getattr__(self, attribute: str):  # only called for attributes not set yet
        sys.modules.pop(self.__name__, None)
        loaded = importlib.import_module(self.__name__)
        self.__dict__.update(loaded.__dict__)
        return getattr(loaded, attribute)


def versions() -> dict[str, str]:
    """Installed versions of Python and of the packages the notebooks rely on."""
    found = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "tf-keras", "tensorflow-similarity", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def check_numpy_pin(version: str | None = None) -> None:
    """Raise if numpy is outside the range where TensorFlow Similarity's ``match()`` works."""
    version = version or metadata.version("numpy")
    (low, high) = NUMPY_RANGE
    if not low <= tuple(int(part) for part in version.split(".")[:2]) < high:
        raise RuntimeError(
            f"numpy=={version} is outside >={low[0]}.{low[1]},<{high[0]}.{high[1]}: "
            "TensorFlow Similarity 0.17.1's match() fails from numpy 2.4 on. "
            "Run: pip install 'numpy>=2.1,<2.4'"
        )


@contextlib.contextmanager
def no_progress_bars():
    """Hide Keras progress bars inside the block (TensorFlow Similarity's ``index``, ``lookup``,
    ``calibrate``, ``match`` and ``evaluate_retrieval`` call ``predict`` with no ``verbose``)."""
    import tensorflow as tf

    tf.keras.utils.disable_interactive_logging()
    try:
        yield
    finally:
        tf.keras.utils.enable_interactive_logging()
