"""What every benchmark shares: runs in fresh processes, interleaved repeats and their summaries,
the machine description, and the JSON record each invocation leaves in ``bench/results/``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from simhelpers.precision import cpu_info
from simtools.files import write_atomically

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
SEED = 1337  # repeat r of every formulation uses seed SEED + r
# The CPU flags that decide how fast training can be: AVX2 and AVX-512 for float32, native
# bfloat16 dot products (AVX-512 BF16) and Intel AMX's matrix tiles for mixed bfloat16.
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
PACKAGES = ("tensorflow", "tf-keras", "keras", "tensorflow-similarity", "jax", "numpy")


def run(namespace: Mapping[str, object], main: Callable[[], None]) -> None:
    """A bench script's entry point: ``main()``, or with ``--worker FUNCTION JSON`` the script's
    ``FUNCTION(**JSON)``, whose result is printed as the last line of output, in JSON."""
    if sys.argv[1:2] != ["--worker"]:
        main()
        return
    function, arguments = sys.argv[2:4]
    print("\n" + json.dumps(namespace[function](**json.loads(arguments))), flush=True)


def in_fresh_process(
    script: str, function: str, arguments: dict, env: Mapping[str, str] | None = None
) -> dict:
    """``bench.<script>.<function>(**arguments)`` in a new Python process, so that its imports and
    its peak memory are its own; ``env`` adds environment variables. Returns its JSON result."""
    command = [sys.executable, "-m", f"bench.{script}", "--worker", function, json.dumps(arguments)]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(
            f"{shlex.join(command[1:])} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def interleave(
    formulations: Sequence[str], repeats: int, measure: Callable[[str, int], dict]
) -> list[dict]:
    """``measure(formulation, seed)`` for every formulation, ``repeats`` times: repeat r uses seed
    ``SEED + r`` for all of them and starts the order one formulation later. Returns the runs,
    each with its ``formulation`` and ``seed``."""
    runs = []
    for repeat in range(repeats):
        seed, shift = SEED + repeat, repeat % len(formulations)
        for name in [*formulations[shift:], *formulations[:shift]]:
            runs.append({"formulation": name, "seed": seed, **measure(name, seed)})
            print(f"repeat {repeat + 1} of {repeats} (seed {seed}): {name} done", flush=True)
    return runs


def summarize(values: Sequence[float]) -> dict[str, float]:
    """Mean, minimum, maximum and number of repeated measurements."""
    if not values:
        raise ValueError("values is empty; a summary needs at least one measurement")
    return {
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def spread(summary: Mapping[str, float], digits: int = 1) -> str:
    """``mean (min-max)``; the mean alone for one measurement; ``mean ± sd`` for a summary that
    gives the sample standard deviation instead of the range."""
    mean = f"{summary['mean']:,.{digits}f}"
    if "sd" in summary:
        return f"{mean} ± {summary['sd']:,.{digits}f}"
    if summary.get("n", 1) == 1:
        return mean
    return f"{mean} ({summary['min']:,.{digits}f}-{summary['max']:,.{digits}f})"


def summarize_runs(runs: Sequence[dict], metrics: Sequence[str]) -> dict[str, dict[str, dict]]:
    """Per formulation (in the order first run), the summary of each metric its runs all have."""
    grouped: dict[str, list[dict]] = {}
    for one in runs:
        grouped.setdefault(one["formulation"], []).append(one)
    return {
        name: {
            metric: summarize([one[metric] for one in group])
            for metric in metrics
            if all(one.get(metric) is not None for one in group)
        }
        for name, group in grouped.items()
    }


def paired_differences(
    runs: Sequence[dict], metric: str, baseline: str, ratio: bool = False
) -> dict[str, list[float]]:
    """Per formulation other than ``baseline``, its ``metric`` minus (or, with ``ratio``, divided
    by) the baseline's in the run with the same seed, for every seed both ran."""
    base = {one["seed"]: one[metric] for one in runs if one["formulation"] == baseline}
    paired: dict[str, list[float]] = {}
    for one in runs:
        if one["formulation"] != baseline and one["seed"] in base:
            value, reference = one[metric], base[one["seed"]]
            paired.setdefault(one["formulation"], []).append(
                value / reference if ratio else value - reference
            )
    return paired


def train_with_checkpoints(
    model, batches, steps: int, every: int, evaluate: Callable[[], dict]
) -> tuple[float, list[dict]]:
    """``model.fit`` for ``steps`` steps, paused every ``every`` steps (not timed) for
    ``evaluate()``; returns the training seconds and the checkpoints (steps, seconds, scores)."""
    seconds, checkpoints = 0.0, []
    for epoch in range(steps // every):
        start = time.perf_counter()
        model.fit(batches, steps_per_epoch=every, initial_epoch=epoch, epochs=epoch + 1, verbose=0)
        seconds += time.perf_counter() - start
        checkpoints.append({"steps": (epoch + 1) * every, "seconds": seconds, **evaluate()})
    return seconds, checkpoints


def machine() -> dict:
    """CPU model and its relevant flags, cores, memory, load, Python and package versions."""
    info = cpu_info()
    flags = set(info.get("flags", "").split())
    return {
        "cpu": info.get("model name") or platform.processor() or "unknown",
        "architecture": platform.machine(),
        "cpu_flags": [flag for flag in CPU_FLAGS if flag in flags],
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def describe(machine: Mapping) -> str:
    """One line about a machine description (``machine()``'s, or a transcribed one)."""
    parts = [machine.get("cpu") or "a CPU not recorded"]
    if "cpu_flags" in machine:
        parts[0] += f" ({', '.join(machine['cpu_flags']) or 'none of ' + '/'.join(CPU_FLAGS)})"
    for key, unit in (("cores", "cores"), ("memory_gib", "GiB")):
        if machine.get(key):
            parts.append(f"{machine[key]} {unit}")
    if machine.get("load_average"):
        parts.append(f"load {machine['load_average'][0]:.1f} at the start")
    versions = [f"Python {machine['python']}"] if machine.get("python") else []
    versions += [f"{name} {v}" for name, v in (machine.get("packages") or {}).items() if v]
    return ", ".join(parts) + ("; " + ", ".join(versions) if versions else "")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def add_record_options(parser: argparse.ArgumentParser, repeats: int | None = None) -> None:
    """``--results-dir``, and ``--repeats`` (default ``repeats``) for interleaved benchmarks."""
    if repeats is not None:
        parser.add_argument(
            "--repeats", type=int, default=repeats, help=f"runs of each formulation ({repeats})"
        )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON record goes"
    )


def check_at_least_one(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse any integer option below 1 (counts of steps, epochs, repeats, timings...)."""
    for name, value in vars(args).items():
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            parser.error(f"--{name.replace('_', '-')} {value} is invalid; expected at least 1")


def choices(parser: argparse.ArgumentParser, option: str, text: str, allowed: Sequence[str]):
    """The comma-separated values of ``option``, each checked against ``allowed``."""
    values = text.split(",")
    for value in values:
        if value not in allowed:
            parser.error(f"{option} {value!r} is invalid; expected some of {', '.join(allowed)}")
    return values


def start_record(benchmark: str, variant: str | None, parameters: dict) -> dict:
    """A record opened before the first measurement: what ran (command, commit), when, where."""
    python, *arguments = sys.orig_argv
    if Path(python).is_absolute() and Path(python).is_relative_to(REPO):
        python = str(Path(python).relative_to(REPO))
    return {
        "benchmark": benchmark,
        "variant": variant,
        "command": shlex.join([python, *arguments]),
        "commit": _git("rev-parse", "--short=12", "HEAD") or None,
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": parameters,
    }


def finish_record(record: dict, figures: dict, results_dir: Path) -> Path:
    """Add the end time and ``figures`` to ``record`` and write it, atomically, as
    ``<benchmark>[-<variant>].json`` in ``results_dir`` (replacing the previous one)."""
    record.update(finished=datetime.now(UTC).isoformat(timespec="seconds"), figures=figures)
    name = "-".join(part for part in (record["benchmark"], record["variant"]) if part)
    text = json.dumps(record, indent=1, default=str)  # paths and the like as text
    return write_atomically(results_dir / f"{name}.json", text + "\n")


def _git(*arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""
