"""Number formats for generation and training: the ``precision`` names, native bf16 detection and the
resolution of ``auto``, shared by ``generate.precision`` and ``train.precision``.

fp32 is the default everywhere. bf16 runs the model under autocast on the CPU or a GPU; fp16 is for GPUs
only (CPUs have no fast fp16 path for these convolutions, and fp16 training needs a GradScaler tuned for
GPUs). ``auto`` picks bf16 where the device computes bf16 natively and fp32 elsewhere.
"""
from __future__ import annotations

import contextlib
import functools
import platform

import torch

from toolkit.errors import ConfigError

#: Autocast dtype of every precision name (None: plain fp32, no autocast).
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
CHOICES = (*DTYPES, "auto")


def _cpu_flags() -> set[str]:
    """The CPU feature flags of /proc/cpuinfo (``flags`` on x86, ``Features`` on ARM); empty elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


@functools.lru_cache(maxsize=None)
def cpu_bf16_flags() -> dict[str, bool]:
    """Which native bf16 instructions this CPU has: AVX512-BF16 and AMX (x86), the ARM ``bf16`` extension.

    mkldnn's own bf16 check is deliberately not used: it is also true where bf16 is only emulated (slower
    than fp32).
    """
    flags = _cpu_flags()
    return {
        "avx512_bf16": bool(torch.cpu._is_avx512_bf16_supported()) or "avx512_bf16" in flags,
        "amx_bf16": bool(torch.cpu._is_amx_tile_supported()) or "amx_bf16" in flags,
        "arm_bf16": platform.machine().lower() in ("aarch64", "arm64") and "bf16" in flags,
    }


def native_bf16(device: torch.device) -> bool:
    """True where ``device`` computes bf16 natively (a GPU that supports it, or a CPU with bf16 instructions)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return any(cpu_bf16_flags().values())
    return False


def resolve_precision(name: str, device: torch.device, key: str) -> str:
    """``name`` checked for ``device`` (``key`` names the option in errors), with ``auto`` resolved to bf16
    where the device has native bf16 and fp32 elsewhere."""
    if name not in CHOICES:
        raise ConfigError(f"{key} '{name}' is unknown; use one of {', '.join(CHOICES)}")
    if name == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if name == "fp16" and device.type != "cuda":
        raise ConfigError(f"{key}=fp16 needs a GPU; on the CPU use bf16, auto or fp32")
    return name


def autocast(device: torch.device, name: str):
    """The autocast region of a resolved precision (a no-op for fp32)."""
    dtype = DTYPES[name]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)
