"""simhelpers.data: every format, every resolution step and every error path."""

import gzip
import io
import pickle
import struct
import tarfile

import numpy as np
import pytest

import simhelpers.data as data
from simhelpers import load_dataset, to_rgb32

RNG = np.random.default_rng(0)


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_split(n: int, shape=(28, 28)) -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(0, 256, (n, *shape), dtype=np.uint8), np.arange(n) % 10


def write_idx_folder(folder, train, test, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    for (images, labels), prefix in ((train, "train"), (test, "t10k")):
        for array, kind in ((images, "images-idx3"), (labels, "labels-idx1")):
            raw = idx_bytes(array)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return folder


def cifar_batch(images: np.ndarray, labels: np.ndarray) -> bytes:
    flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return pickle.dumps({b"data": flat, b"labels": list(labels)}, protocol=2)


def cifar_batches(n_per_batch=4):
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return {name: small_split(n_per_batch, (32, 32, 3)) for name in names}


def write_cifar_folder(folder, batches):
    folder.mkdir(parents=True)
    for name, (images, labels) in batches.items():
        (folder / name).write_bytes(cifar_batch(images, labels))
    return folder


def write_cifar_archive(path, batches):
    with tarfile.open(path, "w:gz") as archive:
        for name, (images, labels) in batches.items():
            raw = cifar_batch(images, labels)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def assert_splits_equal(loaded, train, test):
    (x_train, y_train), (x_test, y_test) = loaded
    np.testing.assert_array_equal(x_train, train[0])
    np.testing.assert_array_equal(y_train, train[1])
    np.testing.assert_array_equal(x_test, test[0])
    np.testing.assert_array_equal(y_test, test[1])
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64


# --- the real data ---------------------------------------------------------------------


def test_real_fashion_mnist_from_debian(fashion_mnist_dir):
    splits = load_dataset("fashion_mnist", data_dir=fashion_mnist_dir)
    (x_train, y_train), (x_test, y_test) = splits
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert 0 < x_train.mean() < 255
    assert str(fashion_mnist_dir) in splits.description
    assert "60,000 train + 10,000 test images of 28x28" in splits.description


def test_fashion_mnist_found_in_debian_folder_without_arguments(
    fashion_mnist_dir, monkeypatch, tmp_path
):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    splits = load_dataset("fashion_mnist", download=False)
    assert "Debian package dataset-fashion-mnist" in splits.source


# --- formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_gzipped_or_raw(isolated_data_dirs, gz):
    train, test = small_split(12), small_split(5)
    folder = write_idx_folder(isolated_data_dirs / "mine", train, test, gz=gz)
    assert_splits_equal(load_dataset("mnist", data_dir=folder), train, test)


def test_keras_npz_cache(isolated_data_dirs):
    train, test = small_split(7), small_split(3)
    cache = isolated_data_dirs / "keras-home" / "datasets"
    cache.mkdir(parents=True)
    np.savez(
        cache / "mnist.npz", x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1]
    )
    splits = load_dataset("mnist")
    assert_splits_equal(splits, train, test)
    assert "Keras cache" in splits.source


def test_cifar_batches_folder(isolated_data_dirs):
    batches = cifar_batches()
    write_cifar_folder(isolated_data_dirs / "cifar-10-batches-py", batches)
    loaded = load_dataset("cifar10", data_dir=isolated_data_dirs)
    train = tuple(
        np.concatenate([batches[f"data_batch_{i}"][k] for i in range(1, 6)]) for k in (0, 1)
    )
    assert_splits_equal(loaded, train, batches["test_batch"])
    assert loaded[0][0].shape == (20, 32, 32, 3)


@pytest.mark.parametrize("name", ["cifar-10-python.tar.gz", "cifar-10-batches-py.tar.gz"])
def test_cifar_tar_gz(isolated_data_dirs, name):
    batches = cifar_batches()
    write_cifar_archive(isolated_data_dirs / name, batches)
    (x_train, y_train), (x_test, y_test) = load_dataset("cifar10", data_dir=isolated_data_dirs)
    np.testing.assert_array_equal(x_test, batches["test_batch"][0])
    assert x_train.shape == (20, 32, 32, 3) and len(y_train) == 20


def test_keras3_cifar_cache_layout(isolated_data_dirs):
    cache = isolated_data_dirs / "keras-home" / "datasets" / "cifar-10-batches-py-target"
    write_cifar_folder(cache / "cifar-10-batches-py", cifar_batches())
    assert "Keras cache" in load_dataset("cifar10").source


# --- resolution order ------------------------------------------------------------------


def test_explicit_dir_beats_environment_beats_cache(isolated_data_dirs, monkeypatch):
    explicit = write_idx_folder(isolated_data_dirs / "explicit", small_split(3), small_split(2))
    env_root = isolated_data_dirs / "env"
    write_idx_folder(env_root / "fashion-mnist", small_split(4), small_split(2))
    cache = isolated_data_dirs / "keras-home" / "datasets" / "fashion-mnist"
    write_idx_folder(cache, small_split(5), small_split(2))
    monkeypatch.setenv(data.ENV_DATA_DIR, str(env_root))
    assert len(load_dataset("fashion_mnist", data_dir=explicit)[0][0]) == 3
    assert len(load_dataset("fashion_mnist")[0][0]) == 4
    monkeypatch.delenv(data.ENV_DATA_DIR)
    assert len(load_dataset("fashion_mnist")[0][0]) == 5


def test_download_used_last_and_described(isolated_data_dirs, monkeypatch):
    train, test = small_split(6), small_split(2)
    monkeypatch.setattr(data, "_download_with_keras", lambda name: (train, test))
    splits = load_dataset("mnist")
    assert_splits_equal(splits, train, test)
    assert "download" in splits.description


# --- errors ----------------------------------------------------------------------------


def test_unknown_name_lists_known_ones():
    with pytest.raises(
        ValueError, match="dataset='nope' is unknown; known datasets: mnist, fashion_mnist, cifar10"
    ):
        load_dataset("nope")


def test_offline_without_copy_names_places_and_fixes(isolated_data_dirs):
    with pytest.raises(data.DatasetNotFoundError) as caught:
        load_dataset("cifar10", data_dir=isolated_data_dirs / "nowhere")
    message = str(caught.value)
    assert "dataset='cifar10'" in message and "network unreachable" in message
    assert str(isolated_data_dirs / "nowhere" / "cifar-10-batches-py") in message
    assert str(isolated_data_dirs / "keras-home" / "datasets") in message
    assert "debian-datasets" in message
    assert (
        "(1)" in message
        and "(2)" in message
        and "(3)" in message
        and "SIMHELPERS_DATA_DIR" in message
    )


def test_download_false_never_downloads(isolated_data_dirs, monkeypatch):
    monkeypatch.setattr(data, "_download_with_keras", lambda name: pytest.fail("downloaded"))
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_dataset("mnist", download=False)


def corrupt_env_folder(isolated_data_dirs, monkeypatch):
    folder = write_idx_folder(isolated_data_dirs / "env" / "mnist", small_split(4), small_split(2))
    monkeypatch.setenv(data.ENV_DATA_DIR, str(folder.parent))
    return folder


def test_truncated_gzip_names_file(isolated_data_dirs, monkeypatch):
    folder = corrupt_env_folder(isolated_data_dirs, monkeypatch)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(data.DatasetFileError, match=f"{path}: corrupt or truncated gzip"):
        load_dataset("mnist")


def test_wrong_idx_magic_names_file(isolated_data_dirs, monkeypatch):
    folder = corrupt_env_folder(isolated_data_dirs, monkeypatch)
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"\x00\x01"))
    with pytest.raises(data.DatasetFileError, match=f"{path}: wrong IDX magic number 00000d01"):
        load_dataset("mnist")


def test_truncated_idx_data_names_file(isolated_data_dirs, monkeypatch):
    folder = corrupt_env_folder(isolated_data_dirs, monkeypatch)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-100]))
    with pytest.raises(data.DatasetFileError, match=f"{path}: truncated"):
        load_dataset("mnist")


def test_mismatched_counts_name_files(isolated_data_dirs, monkeypatch):
    folder = corrupt_env_folder(isolated_data_dirs, monkeypatch)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(3))))
    with pytest.raises(data.DatasetFileError, match="4 images but 3 labels"):
        load_dataset("mnist")


def test_missing_part_of_idx_folder(isolated_data_dirs, monkeypatch):
    folder = corrupt_env_folder(isolated_data_dirs, monkeypatch)
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(data.DatasetFileError, match="no t10k-images-idx3-ubyte"):
        load_dataset("mnist")


def test_corrupt_npz_names_file(isolated_data_dirs):
    path = isolated_data_dirs / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(data.DatasetFileError, match=f"{path}: corrupt or truncated .npz"):
        load_dataset("mnist", data_dir=isolated_data_dirs)


def test_npz_missing_array(isolated_data_dirs):
    np.savez(isolated_data_dirs / "mnist.npz", x_train=np.zeros((1, 28, 28)))
    with pytest.raises(data.DatasetFileError, match="lacks the arrays y_train, x_test, y_test"):
        load_dataset("mnist", data_dir=isolated_data_dirs)


def test_truncated_cifar_archive(isolated_data_dirs):
    path = write_cifar_archive(isolated_data_dirs / "cifar-10-python.tar.gz", cifar_batches())
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(data.DatasetFileError, match=f"{path}: corrupt or truncated tar.gz"):
        load_dataset("cifar10", data_dir=isolated_data_dirs)


def test_truncated_cifar_batch(isolated_data_dirs):
    folder = write_cifar_folder(isolated_data_dirs / "cifar-10-batches-py", cifar_batches())
    batch = folder / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:50])
    with pytest.raises(
        data.DatasetFileError, match="data_batch_3: corrupt or truncated CIFAR-10 batch"
    ):
        load_dataset("cifar10", data_dir=isolated_data_dirs)


def test_cifar_pickle_with_code_is_refused(isolated_data_dirs):
    folder = write_cifar_folder(isolated_data_dirs / "cifar-10-batches-py", cifar_batches())
    (folder / "test_batch").write_bytes(pickle.dumps(print))
    with pytest.raises(data.DatasetFileError, match="refusing to load builtins.print"):
        load_dataset("cifar10", data_dir=isolated_data_dirs)


# --- the stand-in ----------------------------------------------------------------------


def test_to_rgb32_pads_and_repeats():
    images = RNG.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    rgb = to_rgb32(images)
    assert rgb.shape == (3, 32, 32, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[:, 2:30, 2:30, 1], images)
    assert rgb[:, :2].max() == 0 and rgb[:, :, 30:].max() == 0


def test_to_rgb32_takes_one_image_and_leaves_rgb32_alone():
    image = RNG.integers(0, 256, (28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(to_rgb32(image), to_rgb32(image[np.newaxis])[0])
    rgb = RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    assert to_rgb32(rgb) is rgb


def test_to_rgb32_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"images has shape \(2, 30, 30\)"):
        to_rgb32(np.zeros((2, 30, 30), np.uint8))


def test_class_names_cover_every_dataset():
    assert set(data.CLASS_NAMES) == set(data.DATASETS)
    assert all(len(names) == len(set(names)) == 10 for names in data.CLASS_NAMES.values())
