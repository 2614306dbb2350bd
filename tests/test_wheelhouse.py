"""An offline install: `make wheelhouse` collects every wheel and dataset `make setup` needs, and
`make setup WHEELHOUSE=...` installs a fresh environment from that folder alone, which then runs a
notebook. Slow (it downloads and installs the whole stack once): `pytest -m "not slow"` skips it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_fresh_environment_installs_from_the_wheelhouse_and_runs_a_notebook(tmp_path):
    wheelhouse, venv, keras_home = tmp_path / "wheelhouse", tmp_path / "venv", tmp_path / "keras"
    # The machine's pip configuration may name other wheel folders and indexes: none of them.
    environment = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "KERAS_HOME": str(keras_home)}
    environment.pop("SIMHELPERS_DATA_DIR", None)

    def make(*arguments):
        done = subprocess.run(
            ["make", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    python = f"PYTHON={sys.executable}"
    make("wheelhouse", f"WHEELHOUSE_DIR={wheelhouse}", python)
    assert any(path.name.startswith("tensorflow-") for path in wheelhouse.glob("*.whl"))
    assert {path.name for path in (wheelhouse / "data").iterdir()} == {
        "fashion-mnist",
        "mnist_10k.npz",
    }
    installed = make("setup", f"VENV={venv}", f"WHEELHOUSE={wheelhouse}", python)
    assert f"data from {wheelhouse}/data" in installed
    assert (keras_home / "datasets" / "mnist_10k.npz").is_file()

    build = tmp_path / "build"
    done = subprocess.run(
        [venv / "bin" / "python", "-m", "simtools", "run", "--profile", "smoke", "02"]
        + ["--build-dir", str(build)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "02_siamese_contrastive" in done.stdout and "ok" in done.stdout
    size_mb = sum(path.stat().st_size for path in wheelhouse.rglob("*") if path.is_file()) / 2**20
    print(f"wheelhouse: {size_mb:,.0f} MB")
