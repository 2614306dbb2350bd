"""The software stack: legacy Keras for TensorFlow Similarity, installed versions, numpy pin."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import sys
import types
from importlib import metadata

LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"
NUMPY_RANGE = ((2, 1), (2, 4))  # 2.1: Colab's numpy; match() breaks from numpy 2.4 on.
_REPORTED = ("tensorflow", "keras", "tf-keras", "tensorflow-similarity", "numpy")
# TensorFlow Similarity imports umap-learn (with numba, scipy and pynndescent) at start-up for its
# projector alone. Deferring it, importing TensorFlow Similarity took 680 MB and 4.6 s instead of
# 886 MB and 6.8 s (measured on 2 CPU cores); notebook 01 never needs umap.
DEFERRED_MODULES = ("umap",)


class KernelRestartRequired(RuntimeError):
    """TensorFlow was imported with Keras 3 before legacy Keras could be selected."""


def use_legacy_keras() -> None:
    """Make ``tf.keras`` the Keras 2 (``tf_keras``) that TensorFlow Similarity needs.

    Must run before TensorFlow is first imported; raises ``KernelRestartRequired`` if the
    running process already bound ``tf.keras`` to Keras 3, or if numpy is outside the range
    TensorFlow Similarity works with. Also defers ``DEFERRED_MODULES``.
    """
    check_numpy_pin()
    os.environ[LEGACY_KERAS_VARIABLE] = "1"
    defer_imports(DEFERRED_MODULES)
    if "tensorflow" not in sys.modules:
        return
    keras_module = sys.modules["tensorflow"].keras.__name__
    if not keras_module.startswith("tf_keras"):
        raise KernelRestartRequired(
            f"TensorFlow was imported before {LEGACY_KERAS_VARIABLE}=1 was set, so tf.keras is "
            f"Keras 3 ({keras_module}); TensorFlow Similarity needs tf_keras. "
            "Restart the kernel (Kernel > Restart) and run this cell first."
        )


class _DeferredModule(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until one of its attributes is first read.

    Hand-written because ``importlib.util.LazyLoader`` loads the module as soon as another
    ``import`` statement checks its ``__spec__``, which is what TensorFlow Similarity does.
    """

    def __getattr__(self, attribute: str):  # only called for attributes not set yet
        sys.modules.pop(self.__name__, None)
        loaded = importlib.import_module(self.__name__)
        self.__dict__.update(loaded.__dict__)
        return getattr(loaded, attribute)


def defer_imports(names: tuple[str, ...]) -> None:
    """Make ``import name`` cheap: the module loads when one of its attributes is first read.

    Modules that are already imported or not installed are left alone.
    """
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        placeholder = _DeferredModule(name)
        placeholder.__spec__ = spec
        placeholder.__file__ = spec.origin  # inspect.getmodule reads it from every module
        sys.modules[name] = placeholder


def versions() -> dict[str, str]:
    """Installed versions of Python and of the packages the notebooks rely on."""
    found = {"python": platform.python_version()}
    for package in _REPORTED:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def check_numpy_pin(version: str | None = None) -> None:
    """Raise if numpy is outside the range where TensorFlow Similarity's ``match()`` works."""
    version = version or metadata.version("numpy")
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    (low, high) = NUMPY_RANGE
    if not low <= major_minor < high:
        raise RuntimeError(
            f"numpy=={version} is outside >={low[0]}.{low[1]},<{high[0]}.{high[1]}: "
            "TensorFlow Similarity 0.17.1's match() fails from numpy 2.4 on. "
            "Run: pip install 'numpy>=2.1,<2.4'"
        )


@contextlib.contextmanager
def no_progress_bars():
    """Hide Keras progress bars inside the block: TensorFlow Similarity's ``index``, ``lookup``,
    ``calibrate``, ``match`` and ``evaluate_retrieval`` call ``predict`` with no ``verbose``.
    """
    import tensorflow as tf

    tf.keras.utils.disable_interactive_logging()
    try:
        yield
    finally:
        tf.keras.utils.enable_interactive_logging()
