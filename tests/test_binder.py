"""Binder: binder/ is self-contained, so repo2docker installs it before copying the repository."""

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from repo2docker.utils import is_local_pip_requirement

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
# requirements.txt's pins that Binder does not install: tests, linters, hooks, docs, browsers,
# sweeps on a Dask cluster. A new pin fails the test below until it is listed here or in binder/.
NOT_ON_BINDER = {
    "beautifulsoup4",
    "dask",
    "distributed",
    "jupyter-repo2docker",
    "myst-nb",
    "nbstripout",
    "nbval",
    "packaging",
    "playwright",
    "pre-commit",
    "pytest",
    "ruff",
    "sphinx",
    "sphinx-book-theme",
}


def pins(path: Path) -> dict[str, str]:
    """``{name: specifier}`` of each requirement line of ``path``."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = str(requirement.specifier)
    return found


def test_binder_requirements_are_the_runtime_pins_of_requirements_txt():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    assert not [line for line in lines if is_local_pip_requirement(line)]
    required = pins(ROOT / "requirements.txt")
    runtime = {name: pin for name, pin in required.items() if name not in NOT_ON_BINDER}
    assert pins(BINDER / "requirements.txt") == runtime
    assert {"tensorflow", "tensorflow-similarity", "numpy", "papermill", "pyyaml"} <= set(runtime)


def test_binder_apt_runtime_and_post_build():
    assert (BINDER / "apt.txt").read_text().split() == ["dataset-fashion-mnist"]
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    lines = post_build.read_text().splitlines()
    assert lines[0] == "#!/bin/bash" and "set -euo pipefail" in lines  # a failing step fails


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """The build file repo2docker generates for this repository (no Docker needed)."""
    repo2docker = Path(sys.executable).with_name("repo2docker")
    result = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "python=3.11" in result.stdout + result.stderr
    return result.stdout.splitlines()


def line_of(dockerfile: list[str], text: str) -> int:
    """Index of the only line of ``dockerfile`` that contains ``text``."""
    found = [i for i, line in enumerate(dockerfile) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def test_repo2docker_installs_apt_and_pip_packages_before_copying_the_repository(dockerfile):
    apt = line_of(dockerfile, "apt-get install --yes --no-install-recommends dataset-fashion-mnist")
    pip = line_of(dockerfile, 'pip install --no-cache-dir -r "binder/requirements.txt"')
    copy_repository = line_of(dockerfile, "COPY --chown=0:0 src/ ${REPO_DIR}/")
    post_build = line_of(dockerfile, "RUN ./binder/postBuild")
    assert apt < pip < copy_repository < post_build
    copied_before = [line for line in dockerfile[:copy_repository] if line.startswith("COPY")]
    assert [line for line in copied_before if "src/" in line] == [
        "COPY --chown=0:0 src/binder/requirements.txt ${REPO_DIR}/binder/requirements.txt"
    ]
