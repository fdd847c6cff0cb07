"""``toolkit train`` whose first checkpoint write dies half-way, launched by the fault test.

Usage: ``python killed_writer.py HYDRA_OVERRIDES...``. The injected writer writes half of its temporary file,
syncs it and ends the process at once (``os._exit``), as a SIGKILL or a power cut would.
"""
import os
import sys

from toolkit.bin import train
from toolkit.fileio import atomic_open
from toolkit.train import checkpoint

EXIT_CODE = 97


def write_half_then_die(path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        os.fsync(handle.fileno())
        os._exit(EXIT_CODE)


if __name__ == "__main__":
    checkpoint.atomic_write_bytes = write_half_then_die
    sys.exit(train.main(sys.argv[1:]))
