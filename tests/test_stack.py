"""simhelpers.stack and the pinned stack: legacy Keras selection, numpy pin, pin files in sync."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simhelpers.stack import check_numpy_pin, versions

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_legacy_keras_selected_before_tensorflow_import():
    result = run_python(
        "from simhelpers.stack import use_legacy_keras\n"
        "use_legacy_keras()\n"
        "import tensorflow as tf\n"
        "print(tf.keras.__name__)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("tf_keras")


def test_legacy_keras_after_keras3_import_asks_for_restart():
    result = run_python(
        "import tensorflow as tf\n"
        "tf.keras.layers\n"
        "from simhelpers.stack import use_legacy_keras\n"
        "use_legacy_keras()"
    )
    assert result.returncode != 0
    assert "KernelRestartRequired" in result.stderr and "Restart the kernel" in result.stderr


def test_installed_numpy_is_inside_the_pin():
    check_numpy_pin()


@pytest.mark.parametrize("version", ["2.4.0", "2.0.2", "1.26.4"])
def test_numpy_outside_the_pin_is_refused(version):
    with pytest.raises(RuntimeError, match=f"numpy=={version} is outside >=2.1,<2.4"):
        check_numpy_pin(version)


def test_versions_lists_the_stack():
    found = versions()
    assert set(found) == {
        "python",
        "tensorflow",
        "keras",
        "tf-keras",
        "tensorflow-similarity",
        "numpy",
    }
    assert found["tensorflow-similarity"] == "0.17.1"


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def test_environment_yml_pins_match_requirements():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pins(pip_section) == requirements
    assert "-e .[tools]" in pip_section
    assert len(requirements) >= 15


def test_pre_commit_pins_match_requirements():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines())
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    revs = {repo["repo"].rsplit("/", 1)[-1]: repo.get("rev") for repo in config["repos"]}
    assert revs["nbstripout"] == requirements["nbstripout"]
    assert revs["ruff-pre-commit"] == "v" + requirements["ruff"]


def test_tensorflow_similarity_imports_without_loading_umap_until_used():
    result = run_python(
        "import sys\n"
        "from simhelpers.stack import defer_umap_import, use_legacy_keras\n"
        "use_legacy_keras()\n"
        "defer_umap_import()\n"
        "import tensorflow_similarity\n"
        "import inspect\n"
        "inspect.getmodule((lambda: 0).__code__)  # reads __file__ of every module, as autograph\n"
        "before = 'numba' in sys.modules\n"
        "stand_in = type(sys.modules['umap']).__name__\n"
        "import umap\n"
        "print(before, stand_in, 'numba' in sys.modules, umap.UMAP.__name__, "
        "'numba' in sys.modules, type(sys.modules['umap']).__name__)"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "_DeferredModule", "False", "UMAP", "True", "module"]


def test_no_progress_bars_hides_keras_progress_only_inside_the_block(legacy_python):
    result = legacy_python(
        "import contextlib, io, json\n"
        "import numpy as np, tensorflow as tf\n"
        "import simhelpers as sh\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])\n"
        "inside, after = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(inside), sh.no_progress_bars():\n"
        "    model.predict(np.zeros((64, 3)))\n"
        "with contextlib.redirect_stdout(after):\n"
        "    model.predict(np.zeros((64, 3)))\n"
        "print(json.dumps({'inside': inside.getvalue(), 'after': after.getvalue()}))\n"
    )
    assert result["inside"] == ""
    assert "2/2 [====" in result["after"]
