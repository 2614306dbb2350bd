"""Which Keras mixed-precision policy suits this machine: bfloat16 on CPUs with native bfloat16
instructions, float16 on GPUs, float32 elsewhere.

TensorFlow cannot say whether the CPU computes bfloat16 natively (without it, oneDNN emulates
bfloat16 and training gets slower), so the flags are read from ``/proc/cpuinfo`` (Linux only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from simhelpers.checks import check_parameters

POLICIES = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
CPU_BFLOAT16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_has_bfloat16(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags (``/proc/cpuinfo`` unless ``cpuinfo`` is given) include bfloat16."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    flag_lines = [line for line in cpuinfo.splitlines() if line.split(":")[0].strip() == "flags"]
    return any(CPU_BFLOAT16_FLAGS & set(line.split(":", 1)[1].split()) for line in flag_lines)


def choose_policy(
    requested: str = "auto", has_gpu: bool | None = None, cpu_bfloat16: bool | None = None
) -> str:
    """Resolve ``requested`` (one of ``POLICIES``) to a Keras policy name: ``"auto"`` gives
    ``"mixed_float16"`` on a GPU, ``"mixed_bfloat16"`` on a CPU with native bfloat16 and
    ``"float32"`` otherwise; any other value is returned as it is.
    """
    check_parameters({"dtype_policy": requested}, {"dtype_policy": POLICIES})
    if requested != "auto":
        return requested
    if has_gpu if has_gpu is not None else backend_sees_gpu():
        return "mixed_float16"
    native = cpu_bfloat16 if cpu_bfloat16 is not None else cpu_has_bfloat16()
    return "mixed_bfloat16" if native else "float32"


def backend_sees_gpu() -> bool:
    """Whether the Keras backend in use sees a GPU: JAX's devices when Keras 3 runs on JAX
    (``KERAS_BACKEND=jax``, notebook 04), TensorFlow's otherwise."""
    keras = sys.modules.get("keras")
    if keras is not None and getattr(keras, "backend", None) and keras.backend.backend() == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))
