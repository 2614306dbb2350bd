"""Packaging: the wheel holds the learner library alone, with no command, and the metadata
declares every package that simhelpers, the tooling and the tests import."""

import ast
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import simhelpers

ROOT = Path(__file__).resolve().parents[1]
DIST_INFO = f"simhelpers-{simhelpers.__version__}.dist-info"
# Imported only where the learner already chose it: jax when Keras 3 runs on JAX (notebook 04).
CHOSEN_BY_THE_LEARNER = {"jax"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel pip builds from a copy of the sources (a checkout's build/ may hold stale files
    that setuptools would pack), the tooling included to show that it stays out."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("simhelpers", "simtools"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__py*"))
    output = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(output), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = output.glob("simhelpers-*.whl")
    return zipfile.ZipFile(built)


def requirements(wheel: zipfile.ZipFile) -> list[Requirement]:
    metadata = Parser().parsestr(wheel.read(f"{DIST_INFO}/METADATA").decode())
    return [Requirement(line) for line in metadata.get_all("Requires-Dist")]


def declared(wheel: zipfile.ZipFile, extra: str = "") -> set[str]:
    """The distributions the wheel requires on any platform, with ``extra`` and the extras it
    names in turn (``simhelpers[tools]``)."""
    found = set()
    for requirement in requirements(wheel):
        environment = {"extra": extra, "sys_platform": "win32"}
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        if requirement.name == "simhelpers":
            found |= set().union(*(declared(wheel, named) for named in requirement.extras))
        else:
            found.add(canonicalize_name(requirement.name))
    return found


def imported(folder: Path) -> set[str]:
    """The distributions whose modules the ``.py`` files in ``folder`` import (not the standard
    library, not this repository's own modules)."""
    local = {path.stem for path in ROOT.glob("*/*.py")} | {path.name for path in ROOT.iterdir()}
    modules = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - local - {"__future__"}
    owners = packages_distributions()  # a module no distribution installs stays by its name
    chosen = third_party - CHOSEN_BY_THE_LEARNER
    return {canonicalize_name(owners.get(module, [module])[0]) for module in chosen}


def test_wheel_installs_simhelpers_alone_and_no_command(wheel):
    names = wheel.namelist()
    assert {name.split("/")[0] for name in names} == {"simhelpers", DIST_INFO}
    assert {f"simhelpers/{path.name}" for path in (ROOT / "simhelpers").glob("*.py")} <= set(names)
    assert f"{DIST_INFO}/entry_points.txt" not in names


def test_wheel_version_is_simhelpers_version(wheel):
    metadata = Parser().parsestr(wheel.read(f"{DIST_INFO}/METADATA").decode())
    assert metadata["Name"] == "simhelpers" and metadata["Version"] == simhelpers.__version__


def test_runtime_requirements_are_what_simhelpers_imports(wheel):
    assert declared(wheel) == imported(ROOT / "simhelpers") | {"tf-keras"}  # tf.keras, legacy
    others = [r for r in requirements(wheel) if r.name != "simhelpers"]
    assert all(r.specifier and "==" not in str(r.specifier) for r in others), "ranges, no pins"


def test_tooling_and_tests_import_only_declared_packages(wheel):
    assert imported(ROOT / "simtools") <= declared(wheel, "tools")
    assert imported(ROOT / "tests") <= declared(wheel, "test")
