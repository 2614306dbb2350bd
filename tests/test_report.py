"""simhelpers.report: metrics recorded in a notebook are read back from its outputs."""

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from simhelpers.report import METRICS_MIME, read_metrics, record_metrics


def test_record_metrics_displays_text_and_json(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    record_metrics(test_auc=np.float32(0.5), epochs=np.int64(3), dataset="mnist")
    (bundle,) = shown
    payload = bundle[METRICS_MIME]
    assert payload["test_auc"] == 0.5 and payload["epochs"] == 3 and payload["dataset"] == "mnist"
    assert isinstance(payload["epochs"], int) and payload["peak_rss_mb"] > 10
    assert "test_auc" in bundle["text/plain"] and "0.5000" in bundle["text/plain"]


def test_record_metrics_refuses_nan(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: None)
    with pytest.raises(ValueError, match="not finite"):
        record_metrics(loss=float("nan"))


def test_read_metrics_from_executed_notebook(tmp_path):
    cells = [
        new_code_cell(
            "a", outputs=[new_output("display_data", data={METRICS_MIME: {"x": 1, "y": 0.5}})]
        ),
        new_code_cell("b", outputs=[new_output("stream", text="hello")]),
        new_code_cell("c", outputs=[new_output("display_data", data={METRICS_MIME: {"x": 2}})]),
    ]
    path = tmp_path / "run.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    assert read_metrics(path) == {"x": 2, "y": 0.5}
