"""Manifests: one JSON object per line.

The prepare stage writes ``{path, category, category_id, duration, sample_rate, sha256}`` with absolute
paths; the dump stage writes its own manifest that adds ``feature_path``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from toolkit.errors import DataError
from toolkit.fileio import atomic_open

REQUIRED_KEYS = ("path", "category", "category_id", "duration", "sample_rate", "sha256")


def read_manifest(path: str | Path, required: Iterable[str] = REQUIRED_KEYS) -> list[dict]:
    """All entries of a manifest; a missing file, bad JSON or a missing key is one clear error."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"manifest {path} does not exist; run the prepare stage first")
    entries = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            missing = [key for key in required if key not in entry]
            if missing:
                raise DataError(f"{path}:{number}: missing key(s) {', '.join(missing)}")
            entries.append(entry)
    return entries


def write_manifest(path: str | Path, entries: Iterable[dict]) -> None:
    """Write entries atomically (a reader never sees a half-written manifest)."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
