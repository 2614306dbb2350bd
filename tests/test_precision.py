"""The mixed-precision choice: CPU flags read from cpuinfo text, and the policy for each machine."""

import sys

import pytest

from simhelpers.precision import POLICIES, choose_policy, cpu_has_bfloat16

ZEN4 = """processor\t: 0
model name\t: AMD EPYC 9B14
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni
bogomips\t: 5200.00
"""
AVX2_ONLY = """processor\t: 0
model name\t: AMD EPYC 7B12
flags\t\t: fpu sse2 avx2 fma
"""
SAPPHIRE_RAPIDS = "processor\t: 0\nflags\t\t: avx512f amx_tile amx_bf16 amx_int8\n"


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [(ZEN4, True), (AVX2_ONLY, False), (SAPPHIRE_RAPIDS, True), ("", False)],
)
def test_cpu_has_bfloat16_reads_the_flags_line(cpuinfo, expected):
    assert cpu_has_bfloat16(cpuinfo) is expected


def test_a_flag_named_elsewhere_does_not_count():
    assert not cpu_has_bfloat16("model name\t: avx512_bf16 marketing name\nflags\t\t: avx2\n")


@pytest.mark.parametrize(
    ("has_gpu", "cpu_bfloat16", "expected"),
    [
        (True, False, "mixed_float16"),
        (True, True, "mixed_float16"),
        (False, True, "mixed_bfloat16"),
        (False, False, "float32"),
    ],
)
def test_auto_picks_the_policy_of_the_hardware(has_gpu, cpu_bfloat16, expected):
    assert choose_policy("auto", has_gpu=has_gpu, cpu_bfloat16=cpu_bfloat16) == expected


@pytest.mark.parametrize("policy", [p for p in POLICIES if p != "auto"])
def test_an_explicit_policy_is_kept(policy):
    assert choose_policy(policy, has_gpu=True, cpu_bfloat16=True) == policy


def test_an_unknown_policy_names_the_parameter():
    with pytest.raises(ValueError, match=r"^dtype_policy='bf16' is invalid; allowed: 'auto'"):
        choose_policy("bf16")


def test_the_gpu_check_asks_the_backend_keras_runs_on(monkeypatch):
    """On JAX (notebook 04 with KERAS_BACKEND=jax) JAX's devices count; TensorFlow is not needed."""
    from types import SimpleNamespace

    from simhelpers.precision import backend_sees_gpu

    keras_on_jax = SimpleNamespace(backend=SimpleNamespace(backend=lambda: "jax"))
    monkeypatch.setitem(sys.modules, "keras", keras_on_jax)
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # importing it would fail
    for platforms, expected in [(["cpu"], False), (["cpu", "gpu"], True)]:
        devices = [SimpleNamespace(platform=name) for name in platforms]
        monkeypatch.setitem(sys.modules, "jax", SimpleNamespace(devices=lambda d=devices: d))
        assert backend_sees_gpu() is expected
        assert choose_policy("auto", cpu_bfloat16=False) == (
            "mixed_float16" if expected else "float32"
        )
