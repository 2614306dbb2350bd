"""simhelpers.report: metrics recorded in a notebook are read back from its outputs."""

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from simhelpers.report import METRICS_MIME, peak_rss_mb, record_metrics
from simtools.records import read_metrics


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


@pytest.mark.parametrize(
    "platform, maxrss, expected", [("linux", 2 * 1024**2, 2048), ("darwin", 3 * 1024**3, 3072)]
)
def test_peak_rss_reads_ru_maxrss_in_the_platform_unit(monkeypatch, platform, maxrss, expected):
    import resource

    usage = type("Usage", (), {"ru_maxrss": maxrss})
    monkeypatch.setattr(resource, "getrusage", lambda who: usage)
    assert peak_rss_mb(platform) == expected


def test_peak_rss_on_windows_uses_psutil(monkeypatch):
    import psutil

    info = type("Info", (), {"peak_wset": 5 * 2**20})
    monkeypatch.setattr(psutil.Process, "memory_info", lambda self: info)
    assert peak_rss_mb("win32") == 5


def test_flat_metrics_names_groups_and_metrics_as_record_keywords():
    from simhelpers.report import flat_metrics

    by_group = {
        "all": {"precision@1": 0.8, "map@r": 0.6},
        "unseen": {"precision@1": 0.7, "map@r": 0.3},
    }
    assert flat_metrics(by_group) == {
        "precision_at_1": 0.8, "map_at_r": 0.6, "unseen_precision_at_1": 0.7, "unseen_map_at_r": 0.3
    }  # fmt: skip
    assert flat_metrics(by_group, "pixels_", ["map@r"]) == {
        "pixels_map_at_r": 0.6,
        "pixels_unseen_map_at_r": 0.3,
    }
