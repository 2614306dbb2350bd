"""simhelpers.artifacts: atomic saves that load with safe_mode=True."""

import keras
import numpy as np
import pytest

from simhelpers.artifacts import save_keras_model


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
