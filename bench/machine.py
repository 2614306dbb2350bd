"""What the benchmarks print about the machine, and how they summarize repeated runs."""

from __future__ import annotations

import os
import platform
import statistics
from importlib import metadata
from pathlib import Path

# The CPU flags that decide how fast mixed bfloat16 can be: native bfloat16 dot products
# (AVX-512 BF16) and the matrix tiles of Intel AMX; AVX-512 itself for float32.
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
PACKAGES = ("tensorflow", "tf-keras", "keras", "tensorflow-similarity", "numpy")


def describe(cpuinfo: str | None = None) -> str:
    """CPU model and its relevant flags, cores, memory, load, Python and package versions."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in cpuinfo.splitlines())
        if key.strip() in ("model name", "flags")
    )
    flags = set(fields.get("flags", "").split())
    present = [flag for flag in CPU_FLAGS if flag in flags] or ["none of " + ", ".join(CPU_FLAGS)]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    return (
        f"CPU: {fields.get('model name', platform.processor() or 'unknown')} "
        f"({platform.machine()}), flags: {' '.join(present)}\n"
        f"{os.cpu_count()} cores, {memory:.0f} GiB, load average {load} (1, 5, 15 min)\n"
        f"Python {platform.python_version()}, {versions}"
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def spread(values: list[float], digits: int = 1) -> str:
    """``mean (min-max)`` of repeated measurements; the value alone when there is one."""
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
