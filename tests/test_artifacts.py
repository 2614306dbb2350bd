"""simhelpers.artifacts: atomic saves that load with safe_mode=True."""

import keras
import numpy as np
import pytest

from simhelpers.artifacts import (
    MANIFEST,
    IncompleteArtifactError,
    read_manifest,
    save_folder_atomically,
    save_keras_model,
)


def small_model():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def test_saved_model_loads_in_safe_mode(tmp_path):
    model = small_model()
    path = save_keras_model(model, tmp_path / "nested" / "model.keras")
    reloaded = keras.saving.load_model(path, safe_mode=True)
    probe = np.ones((3, 4), dtype="float32")
    np.testing.assert_allclose(reloaded.predict(probe, verbose=0), model.predict(probe, verbose=0))
    assert [p.name for p in path.parent.iterdir()] == ["model.keras"]


def test_failed_save_leaves_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = save_keras_model(small_model(), tmp_path / "model.keras")
    before = path.read_bytes()
    model = small_model()

    def crash(target):
        open(target, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(model, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_keras_model(model, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_wrong_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must end in .keras"):
        save_keras_model(small_model(), tmp_path / "model.h5")


def write_files(folder):
    (folder / "weights.bin").write_bytes(b"w" * 100)


def test_folder_is_saved_with_its_manifest_and_replaces_an_old_one(tmp_path):
    target = tmp_path / "runs" / "model"
    save_folder_atomically(target, write_files, {"version": 1})
    save_folder_atomically(target, write_files, {"version": 2})
    assert read_manifest(target) == {"version": 2}
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "weights.bin"]
    assert [p.name for p in target.parent.iterdir()] == ["model"]  # no temporary left


def test_interrupted_folder_save_leaves_nothing_that_looks_complete(tmp_path):
    target = tmp_path / "model"

    def crash(folder):
        write_files(folder)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_folder_atomically(target, crash, {"version": 1})
    assert list(tmp_path.iterdir()) == []
    save_folder_atomically(target, write_files, {"version": 1})
    with pytest.raises(OSError, match="disk full"):
        save_folder_atomically(target, crash, {"version": 2})
    assert read_manifest(target) == {"version": 1}  # the complete old one survives


def test_partial_or_missing_folders_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no artifact folder at") as caught:
        read_manifest(tmp_path / "nothing")
    # notebook 03 opened first: the one cell-run or command that makes the folder
    assert "run all its cells (Run > Run All Cells)" in str(caught.value)
    assert "python -m simtools run --profile quick 01" in str(caught.value)
    (tmp_path / "partial").mkdir()
    write_files(tmp_path / "partial")
    with pytest.raises(IncompleteArtifactError, match="has no manifest.json"):
        read_manifest(tmp_path / "partial")


def test_a_broken_manifest_names_the_folder_and_the_fix(tmp_path):
    folder = tmp_path / "01_metric_learning"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"dataset": "fashion_mn')
    with pytest.raises(IncompleteArtifactError) as caught:
        read_manifest(folder)
    assert str(folder / MANIFEST) in str(caught.value)
    assert "make it by running notebook 01 first, at the same scale" in str(caught.value)


@pytest.mark.parametrize(
    "damaged",
    ["model/index/index_metadata.json", "model/index/index.npz", "model/variables/variables.data"],
)
def test_a_truncated_saved_model_names_the_folder_and_the_fix(legacy_python, tmp_path, damaged):
    result = legacy_python(
        "import json, pathlib\n"
        "import numpy as np, tensorflow as tf, tensorflow_similarity as tfsim\n"
        "import simhelpers as sh\n"
        "inputs = tf.keras.layers.Input((3,))\n"
        "outputs = tfsim.layers.MetricEmbedding(4)(inputs)\n"
        "model = tfsim.models.SimilarityModel(inputs, outputs)\n"
        "model.compile(optimizer='adam', loss=tfsim.losses.MultiSimilarityLoss())\n"
        "x = np.random.default_rng(0).random((20, 3)).astype('float32')\n"
        "with sh.no_progress_bars():\n"
        "    model.index(x, np.arange(20) % 2, verbose=0)\n"
        f"folder = sh.save_folder_atomically({str(tmp_path / 'a')!r},\n"
        "    lambda tmp: model.save(str(tmp / 'model'), save_index=True), {'dataset': 'x'})\n"
        f"damaged = next(folder.glob({damaged + '*'!r}))\n"
        "damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])\n"
        "try:\n"
        "    sh.load_similarity_model(folder)\n"
        "    print(json.dumps({'error': None}))\n"
        "except sh.IncompleteArtifactError as error:\n"
        "    print(json.dumps({'error': str(error)}))\n"
    )
    assert result["error"] is not None, "a damaged model loaded without an error"
    assert result["error"].startswith(str(tmp_path / "a") + " is broken (")
    assert "make it by running notebook 01 first, at the same scale" in result["error"]
