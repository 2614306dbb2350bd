"""Install what a Colab runtime lacks to run these notebooks, without touching its TensorFlow.

The first code cell of every notebook runs this file on Colab only, with ``runpy`` inside the
notebook's own kernel, so that it can tell whether a package the kernel has already imported
changed on disk (then the runtime must be restarted). It uses the standard library alone: it
runs before anything of ours is installed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

# What the notebooks need beyond Colab's own packages (see ../shared/DESIGN.md, "The verified
# stack"): TensorFlow Similarity, numpy below 2.4 (its match() breaks from 2.4 on) and bokeh
# below 3.9 (its projector). tf-keras is added to match the preinstalled TensorFlow.
REQUIREMENTS = ("tensorflow-similarity==0.17.1", "numpy>=2.2,<2.4", "bokeh<3.9")
STAMP = ".colab-installed"  # in the checkout; holds the TensorFlow version it was made for


class RestartRequired(RuntimeError):
    """A package this kernel already imported was replaced on disk."""


def tf_keras_requirement(tensorflow_version: str) -> str:
    """The tf-keras release series that matches a TensorFlow version (2.19.1 -> 2.19.*)."""
    parts = tensorflow_version.split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        raise ValueError(f"tensorflow_version={tensorflow_version!r} is not like '2.19.0'")
    return f"tf-keras=={parts[0]}.{parts[1]}.*"


def installed() -> dict[str, str]:
    """Installed distributions, by normalized name, with their versions."""
    found = {}
    for dist in metadata.distributions():
        if dist.metadata["Name"]:  # a broken install can leave a nameless record
            found[_normalize(dist.metadata["Name"])] = dist.version
    return found


def changed_in_memory(before: dict[str, str], after: dict[str, str], loaded: set[str]) -> list[str]:
    """``name old -> new`` for each distribution that changed version and that provides a
    module in ``loaded`` (the kernel's ``sys.modules``)."""
    providers = metadata.packages_distributions()
    in_memory = {
        _normalize(dist) for module in loaded for dist in providers.get(module.split(".")[0], [])
    }
    return [
        f"{name} {version} -> {after[name]}"
        for name, version in sorted(before.items())
        if name in in_memory and after.get(name, version) != version
    ]


def install(checkout: Path) -> None:
    """pip-install ``checkout`` (simhelpers and its dependencies) and ``REQUIREMENTS``, with
    TensorFlow held at its installed version; raise ``RestartRequired`` when needed."""
    before = installed()
    tensorflow = before.get("tensorflow")
    if tensorflow is None:
        raise SystemExit(
            "No TensorFlow in this runtime. This installer is for Colab, which ships it; "
            "elsewhere follow the README's setup (make setup)."
        )
    stamp = checkout / STAMP
    if stamp.exists() and stamp.read_text() == tensorflow:
        print(f"Colab setup: already done for TensorFlow {tensorflow}.")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as constraints:
        constraints.write(f"tensorflow=={tensorflow}\n")
        constraints.flush()
        command = [sys.executable, "-m", "pip", "install", "-q", "-c", constraints.name]
        command += [tf_keras_requirement(tensorflow), *REQUIREMENTS, str(checkout)]
        print("Colab setup:", " ".join(command[3:]), flush=True)
        subprocess.run(command, check=True)
    after = installed()
    added = len(after.keys() - before.keys())
    print(f"Colab setup: TensorFlow {tensorflow} kept; added {added} packages.")
    stamp.write_text(tensorflow)
    replaced = changed_in_memory(before, after, set(sys.modules))
    if replaced:
        raise RestartRequired(
            "RESTART THE RUNTIME NOW (Runtime > Restart session), then run all cells again; "
            "this cell will skip the install. Already imported and replaced: " + ", ".join(replaced)
        )
    print("Colab setup: done, no restart needed.")


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


if __name__ == "__main__":
    install(Path(__file__).resolve().parents[1])
