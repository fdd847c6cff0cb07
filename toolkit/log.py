"""One log format for every command, console lines that keep clear of progress bars, and per-stage log files.

Library code only calls ``logging.getLogger(__name__)``. A stage (``prepare``, ``dump``, ``train``, ...)
appends its log to ``<dir>/<stage>.log``, where ``<dir>`` is ``$TOOLKIT_LOG_DIR`` (the recipe exports it:
``exp/<tag>/logs`` or ``data/<dataset>/logs``) or else the stage's own default next to its output.
"""
from __future__ import annotations

import logging
import os
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from toolkit.errors import ToolkitError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
#: The folder of the stage log files; the recipe exports it before each stage.
LOG_DIR_ENV = "TOOLKIT_LOG_DIR"


class ConsoleHandler(logging.StreamHandler):
    """A console handler that clears the progress bars on its stream before a line and redraws them after,
    so that a log line never ends up glued onto a bar (tqdm's ``external_write_mode``, as ``tqdm.write``)."""

    def emit(self, record: logging.LogRecord) -> None:
        with tqdm.external_write_mode(file=self.stream):
            super().emit(record)


def setup_logging(level: int = logging.INFO) -> None:
    """Configure the root logger for a console command (Hydra apps use conf/hydra/job_logging/toolkit.yaml)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = ConsoleHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)


def stage_log_path(stage: str | None, default_dir: str | Path | None) -> Path | None:
    """``<$TOOLKIT_LOG_DIR or default_dir>/<stage>.log`` (``<stage>.rank<r>.log`` on a torchrun process r > 0);
    None for no stage or when neither folder is given."""
    directory = os.environ.get(LOG_DIR_ENV) or default_dir
    if not stage or not directory:
        return None
    rank = int(os.environ.get("RANK", "0"))
    return Path(directory) / (f"{stage}.log" if rank == 0 else f"{stage}.rank{rank}.log")


@contextmanager
def stage_log_file(stage: str | None, default_dir: str | Path | None = None) -> Iterator[Path | None]:
    """Append the root logger's records to the stage's log file while the stage runs (see
    :func:`stage_log_path`). The file starts each run with the command line, and gets the traceback of a
    crash, which only the console shows otherwise; yields its path (None: no file)."""
    path = stage_log_path(stage, default_dir)
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    root = logging.getLogger()
    logger = logging.getLogger("toolkit.log")
    handler.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, "%s started: %s",
                                     (stage, shlex.join(sys.argv)), None))
    root.addHandler(handler)
    try:
        yield path
    except ToolkitError as exc:  # the user's mistake: the one line the console shows
        handler.handle(logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "%s", (exc,), None))
        raise
    except Exception:
        handler.handle(logger.makeRecord(logger.name, logging.ERROR, __file__, 0, "%s failed", (stage,), sys.exc_info()))
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
