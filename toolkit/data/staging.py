"""Build a folder out of sight and move it into place only when it is complete."""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator


def replace_path(source: Path, target: Path) -> None:
    """Move ``source`` onto ``target``, removing whatever ``target`` was (folder, file or link)."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    os.replace(source, target)


@contextlib.contextmanager
def staged_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary sibling of ``target``; on success it replaces ``target``, on error it is removed.

    An interrupted writer therefore never leaves a folder at ``target`` that looks complete.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        yield staging
        replace_path(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
