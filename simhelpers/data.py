"""Offline-first loading of MNIST, Fashion-MNIST and CIFAR-10 as uint8 arrays.

Where the data comes from, in order: an explicit ``data_dir``, ``$SIMHELPERS_DATA_DIR``,
well-known local copies (the Keras cache, Debian's ``dataset-fashion-mnist``), then a
download through Keras. Each file is parsed by hand because Keras only reads its own cache
layout and raises bare zlib/pickle/numpy errors on a damaged file; ours name the file.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Split = tuple[np.ndarray, np.ndarray]

DATASETS = ("mnist", "fashion_mnist", "cifar10")
CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion_mnist": [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ],
    "cifar10": [
        "Airplane", "Automobile", "Bird", "Cat", "Deer",
        "Dog", "Frog", "Horse", "Ship", "Truck",
    ],
}  # fmt: skip
DEBIAN_DATASETS_DIR = Path("/usr/share/datasets")
ENV_DATA_DIR = "SIMHELPERS_DATA_DIR"

# Folder names under a data directory, per dataset: the Keras cache's and Debian's names.
_IDX_FOLDERS = {"mnist": ("mnist",), "fashion_mnist": ("fashion-mnist", "fashion_mnist")}
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# Keras 2 extracts to cifar-10-batches-py, Keras 3 into cifar-10-batches-py-target/.
_CIFAR_FOLDERS = ("cifar-10-batches-py", "cifar-10-batches-py-target/cifar-10-batches-py")
_CIFAR_ARCHIVES = ("cifar-10-python.tar.gz", "cifar-10-batches-py.tar.gz")
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = ("test_batch",)


class DatasetFileError(ValueError):
    """A dataset file exists but is truncated, corrupt or inconsistent."""


class DatasetNotFoundError(FileNotFoundError):
    """No local copy of a dataset was found and it could not be downloaded."""


class DatasetSplits(tuple):
    """``((x_train, y_train), (x_test, y_test))`` that also knows its name and source."""

    name: str
    source: str

    def __new__(cls, train: Split, test: Split, name: str, source: str) -> DatasetSplits:
        splits = super().__new__(cls, (train, test))
        splits.name, splits.source = name, source
        return splits

    @property
    def description(self) -> str:
        """One line for a notebook to print: which dataset, how big, from where."""
        (x_train, _), (x_test, _) = self
        shape = "x".join(str(d) for d in x_train.shape[1:])
        return (
            f"{self.name}: {len(x_train):,} train + {len(x_test):,} test images "
            f"of {shape}, from {self.source}"
        )


@dataclass(frozen=True)
class _Candidate:
    """One place a dataset may be stored: present when ``marker`` exists, read from ``location``."""

    marker: Path
    location: Path
    read: Callable[[Path], tuple[Split, Split]]


def load_dataset(
    name: str, data_dir: str | os.PathLike | None = None, download: bool = True
) -> DatasetSplits:
    """Load ``mnist``, ``fashion_mnist`` or ``cifar10`` as uint8 images and int64 labels.

    Looks in ``data_dir``, ``$SIMHELPERS_DATA_DIR``, the Keras cache and Debian's dataset
    folder before downloading through Keras (skipped when ``download`` is False).
    """
    if name not in DATASETS:
        raise ValueError(f"dataset={name!r} is unknown; known datasets: {', '.join(DATASETS)}")
    looked_in: list[Path] = []
    for root, explicit in _search_roots(data_dir):
        for candidate in _candidates(name, root, explicit):
            looked_in.append(candidate.location)
            if candidate.marker.exists():
                train, test = candidate.read(candidate.location)
                return DatasetSplits(train, test, name, _describe_source(candidate.location))
    if download:
        try:
            train, test = _download_with_keras(name)
        except Exception as error:  # Keras raises several types for a failed download.
            raise DatasetNotFoundError(_offline_message(name, looked_in, error)) from error
        return DatasetSplits(train, test, name, "a download through Keras (now cached)")
    raise DatasetNotFoundError(_offline_message(name, looked_in, None))


def to_rgb32(images: np.ndarray) -> np.ndarray:
    """Pad grayscale 28x28 images (one or a batch) to 32x32 on 3 channels, the CIFAR-10 shape.

    Images that already have that shape are returned unchanged.
    """
    images = np.asarray(images)
    if images.shape[-3:] == (32, 32, 3):
        return images
    if images.ndim not in (2, 3) or images.shape[-2:] != (28, 28):
        raise ValueError(f"images has shape {images.shape}; expected 28x28 grayscale or 32x32x3")
    padding = [(0, 0)] * (images.ndim - 2) + [(2, 2), (2, 2)]
    return np.repeat(np.pad(images, padding)[..., np.newaxis], 3, axis=-1)


def keras_cache_dir() -> Path:
    """The folder Keras downloads datasets into (``$KERAS_HOME/datasets``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _search_roots(data_dir: str | os.PathLike | None) -> list[tuple[Path, bool]]:
    roots: list[tuple[Path, bool]] = []
    if data_dir is not None:
        roots.append((Path(data_dir).expanduser(), True))
    if os.environ.get(ENV_DATA_DIR):
        roots.append((Path(os.environ[ENV_DATA_DIR]).expanduser(), False))
    roots += [(keras_cache_dir(), False), (DEBIAN_DATASETS_DIR, False)]
    return roots


def _candidates(name: str, root: Path, explicit: bool) -> list[_Candidate]:
    """Places under ``root`` where ``name`` may be stored; an explicit folder may hold it bare."""
    if name == "cifar10":
        folders = [root / f for f in _CIFAR_FOLDERS] + ([root] if explicit else [])
        archives = [_Candidate(root / a, root / a, _read_cifar_archive) for a in _CIFAR_ARCHIVES]
        return archives + [_Candidate(f / _CIFAR_TEST[0], f, _read_cifar_folder) for f in folders]
    folders = [root / f for f in _IDX_FOLDERS[name]] + ([root] if explicit else [])
    npz = root / f"{name}.npz"
    return [_Candidate(npz, npz, _read_npz)] + [
        _Candidate(f / (_IDX_FILES["train"][0] + suffix), f, _read_idx_folder)
        for f in folders
        for suffix in (".gz", "")
    ]


def _describe_source(location: Path) -> str:
    if location.is_relative_to(DEBIAN_DATASETS_DIR):
        return f"{location} (Debian package dataset-fashion-mnist)"
    if location.is_relative_to(keras_cache_dir()):
        return f"{location} (Keras cache)"
    return str(location)


def _offline_message(name: str, looked_in: list[Path], error: Exception | None) -> str:
    places = "\n".join(f"  - {p}" for p in dict.fromkeys(looked_in))
    failure = f"the download through Keras failed ({error})" if error else "download=False"
    return (
        f"dataset={name!r}: no local copy found and {failure}.\n"
        f"Looked in:\n{places}\n"
        "Fixes: (1) connect to the internet and run again (Keras caches the download); "
        f"(2) copy the dataset's files into a folder and pass data_dir=... or set {ENV_DATA_DIR}; "
        "(3) work offline on 'fashion_mnist' (apt-get install dataset-fashion-mnist)."
    )


def _download_with_keras(name: str) -> tuple[Split, Split]:
    import keras  # Keras 3 is installed beside tf-keras; its loaders download and cache.

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return _checked(x_train, y_train, "Keras train split"), _checked(
        x_test, y_test, "Keras test split"
    )


def _checked(images: np.ndarray, labels: np.ndarray, where: object) -> Split:
    """Images as uint8 and labels as a flat int64 vector, after checking that counts agree."""
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if len(images) != len(labels):
        raise DatasetFileError(f"{where}: {len(images)} images but {len(labels)} labels")
    return np.asarray(images, dtype=np.uint8), labels


# --- IDX (MNIST, Fashion-MNIST) ---------------------------------------------------------


def _read_idx_folder(folder: Path) -> tuple[Split, Split]:
    splits = []
    for images_stem, labels_stem in _IDX_FILES.values():
        images_path, labels_path = _find(folder, images_stem), _find(folder, labels_stem)
        images, labels = _read_idx(images_path, ndim=3), _read_idx(labels_path, ndim=1)
        splits.append(_checked(images, labels, f"{images_path} and {labels_path}"))
    return splits[0], splits[1]


def _find(folder: Path, stem: str) -> Path:
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.exists():
            return path
    raise DatasetFileError(f"{folder}: holds part of the dataset but no {stem}(.gz)")


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Parse one IDX file of unsigned bytes: 0x0000 08 NDIM, NDIM big-endian sizes, data."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] != ndim:
        magic = raw[:4].hex() if len(raw) >= 4 else f"{len(raw)} bytes"
        raise DatasetFileError(
            f"{path}: wrong IDX magic number {magic} (expected 0000080{ndim}: "
            f"uint8 data in {ndim} dimension{'s' if ndim > 1 else ''})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFileError(f"{path}: truncated inside its header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        state = "truncated" if len(raw) < expected else "longer than its header says"
        raise DatasetFileError(
            f"{path}: {state}: {len(raw):,} bytes, the header {dims} announces {expected:,}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_bytes(path: Path) -> bytes:
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path) as stream:
            return stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetFileError(f"{path}: corrupt or truncated gzip file ({error})") from error


# --- Keras .npz cache -------------------------------------------------------------------


def _read_npz(path: Path) -> tuple[Split, Split]:
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise DatasetFileError(f"{path}: lacks the arrays {', '.join(missing)}")
            arrays = {key: archive[key] for key in keys}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetFileError(f"{path}: corrupt or truncated .npz file ({error})") from error
    return (
        _checked(arrays["x_train"], arrays["y_train"], f"{path} (train)"),
        _checked(arrays["x_test"], arrays["y_test"], f"{path} (test)"),
    )


# --- CIFAR-10 python batches ------------------------------------------------------------


def _read_cifar_folder(folder: Path) -> tuple[Split, Split]:
    def batch(name: str) -> Split:
        path = folder / name
        if not path.exists():
            raise DatasetFileError(f"{folder}: holds part of CIFAR-10 but no {name}")
        return _parse_cifar_batch(path.read_bytes(), path)

    return _concat([batch(n) for n in _CIFAR_TRAIN]), _concat([batch(n) for n in _CIFAR_TEST])


def _read_cifar_archive(path: Path) -> tuple[Split, Split]:
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
            missing = [n for n in _CIFAR_TRAIN + _CIFAR_TEST if n not in members]
            if missing:
                raise DatasetFileError(f"{path}: archive lacks {', '.join(missing)}")
            raw = {n: archive.extractfile(members[n]).read() for n in _CIFAR_TRAIN + _CIFAR_TEST}
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise DatasetFileError(f"{path}: corrupt or truncated tar.gz archive ({error})") from error
    return (
        _concat([_parse_cifar_batch(raw[n], f"{path}:{n}") for n in _CIFAR_TRAIN]),
        _concat([_parse_cifar_batch(raw[n], f"{path}:{n}") for n in _CIFAR_TEST]),
    )


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """CIFAR-10 batches are pickles; allow only the numpy types they hold, never code."""

    _ALLOWED = {"_reconstruct", "ndarray", "dtype", "scalar"}

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):  # how protocol 2 stores bytes
            return super().find_class(module, name)
        if module.startswith("numpy") and name in self._ALLOWED:
            module = "numpy._core.multiarray" if name in ("_reconstruct", "scalar") else "numpy"
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _parse_cifar_batch(raw: bytes, where: object) -> Split:
    try:
        batch = _NumpyOnlyUnpickler(io.BytesIO(raw), encoding="bytes").load()
        data, labels = np.asarray(batch[b"data"], dtype=np.uint8), batch[b"labels"]
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, IndexError) as error:
        raise DatasetFileError(
            f"{where}: corrupt or truncated CIFAR-10 batch ({error!r})"
        ) from error
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DatasetFileError(f"{where}: data has shape {data.shape}; expected (N, 3072)")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return _checked(images, np.asarray(labels), where)


def _concat(splits: list[Split]) -> Split:
    return np.concatenate([s[0] for s in splits]), np.concatenate([s[1] for s in splits])
