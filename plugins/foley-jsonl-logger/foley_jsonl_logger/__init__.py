"""A logger plugin for foley-toolkit: every training run appends its scalars to ``<exp_dir>/metrics.jsonl``.

One JSON object per line, flushed as written (``tail -f`` follows it; a crash loses nothing):

    {"event": "start", "time": ..., "step": 0, "rank": 0, "world_size": 1, "config": {...}}
    {"event": "scalars", "time": ..., "step": 25, "scalars": {"loss/g/mel": 1.93, ...}}
    {"event": "close", "time": ..., "step": 600, "status": "finished"}

A non-finite value is written as null (JSON has no NaN). A resumed run repeats the steps after its last
checkpoint, so on start the lines of those steps are dropped from the file. Read it with
``pandas.read_json(path, lines=True)`` or :func:`read_metrics`.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pluggy

hookimpl = pluggy.HookimplMarker("foley_toolkit")

FILE_NAME = "metrics.jsonl"


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def read_metrics(path: str | Path) -> list[dict]:
    """Every record of a ``metrics.jsonl`` file, in order."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _drop_later_steps(path: Path, step: int) -> None:
    """Rewrite ``path`` without the records of steps after ``step`` (atomically: temporary file, rename)."""
    kept = [record for record in read_metrics(path) if record.get("step", 0) <= step]
    partial = path.with_name(path.name + ".tmp")
    partial.write_text("".join(json.dumps(record) + "\n" for record in kept), encoding="utf-8")
    os.replace(partial, path)


class JsonLinesLogger:
    """The toolkit's logger hooks writing ``<exp_dir>/metrics.jsonl``; one instance serves the process."""

    def __init__(self):
        self.handle = None

    def _write(self, **record) -> None:
        if self.handle is not None:
            self.handle.write(json.dumps({"time": round(time.time(), 3), **record}, allow_nan=False) + "\n")
            self.handle.flush()

    @hookimpl
    def toolkit_log_start(self, exp_dir, config, rank, world_size, step):
        path = Path(exp_dir) / FILE_NAME
        if path.is_file():
            _drop_later_steps(path, step)
        self.handle = open(path, "a", encoding="utf-8")
        self._write(event="start", step=step, rank=rank, world_size=world_size, config=config)

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        self._write(event="scalars", step=step, scalars={tag: _finite(value) for tag, value in scalars.items()})

    @hookimpl
    def toolkit_log_close(self, step, status):
        if self.handle is not None:
            self._write(event="close", step=step, status=status)
            self.handle.close()
            self.handle = None


#: the object the ``foley_toolkit.plugins`` entry point names
PLUGIN = JsonLinesLogger()
