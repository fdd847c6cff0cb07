"""A description of the machine a benchmark ran on, written next to every benchmark result."""
from __future__ import annotations

import os
import platform


def _proc_line(path: str, prefix: str) -> str | None:
    """The first line of a ``/proc`` file that starts with ``prefix`` (None where there is no such file)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return next((line for line in handle if line.startswith(prefix)), None)
    except OSError:
        return None


def _cpu_model() -> str:
    line = _proc_line("/proc/cpuinfo", "model name")
    return line.split(":", 1)[1].strip() if line else platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    line = _proc_line("/proc/meminfo", "MemTotal:")
    return round(int(line.split()[1]) / 2**20, 1) if line else None


def usable_cores() -> int:
    """CPU cores this process may run on (respects container/affinity limits)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def describe_machine() -> dict:
    """CPU model, cores, RAM, Python/torch versions, torch threads and GPU (if any), as plain JSON values."""
    import torch

    gpus = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            gpus.append({"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1)})
    return {
        "cpu_model": _cpu_model(),
        "cpu_cores_logical": os.cpu_count(),
        "cpu_cores_usable": usable_cores(),
        "ram_gib": _ram_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "gpus": gpus,
    }


def load_condition() -> dict:
    """The machine's load average (1, 5, 15 minutes) against its cores: how shared the run was."""
    one, five, fifteen = os.getloadavg()
    return {"loadavg_1_5_15": [round(one, 2), round(five, 2), round(fifteen, 2)], "cores": os.cpu_count()}


if __name__ == "__main__":
    import json

    print(json.dumps(describe_machine(), indent=2))
