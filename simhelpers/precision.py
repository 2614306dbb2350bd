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


def cpu_info(cpuinfo: str | None = None) -> dict[str, str]:
    """The first processor's fields (``model name``, ``flags``, ...) of ``/proc/cpuinfo``, or of
    ``cpuinfo`` when given; empty where there is no such file."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text() if path.exists() else ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_has_bfloat16(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags (``/proc/cpuinfo`` unless ``cpuinfo`` is given) include bfloat16."""
    return bool(set(cpu_info(cpuinfo).get("flags", "").split()) & CPU_BFLOAT16_FLAGS)


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
    if has_gpu is None:
        has_gpu = backend_sees_gpu()
    if has_gpu:
        return "mixed_float16"
    if cpu_bfloat16 is None:
        cpu_bfloat16 = cpu_has_bfloat16()
    return "mixed_bfloat16" if cpu_bfloat16 else "float32"


def backend_sees_gpu() -> bool:
    """Whether the Keras backend in use sees a GPU: JAX's devices when Keras 3 runs on JAX
    (``KERAS_BACKEND=jax``, notebook 04), TensorFlow's otherwise."""
    keras = sys.modules.get("keras")
    if keras is not None and getattr(keras, "backend", None) and keras.backend.backend() == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


if __name__ == "__main__":
    gpu = "a GPU" if backend_sees_gpu() else "no GPU"
    print(f"{gpu}; dtype_policy='auto' picks {choose_policy('auto')} here")
