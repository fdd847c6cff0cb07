"""``toolkit list [KIND]``: every component with its class, distribution, version and load status."""
from __future__ import annotations

import argparse
import sys

from toolkit.bin.app import user_errors
from toolkit.plugins import plugin_failures
from toolkit.registry import KINDS, get_registry


@user_errors
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="toolkit list", description=__doc__)
    parser.add_argument("kind", nargs="?", choices=list(KINDS), help="one kind, in the singular")
    args = parser.parse_args(argv)
    rows = [("kind", "name", "class", "distribution", "version", "status")]
    for info in get_registry().infos(args.kind):
        rows.append((info.kind, info.name, info.value, info.distribution, info.version, info.status))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5])
    if args.kind is None:
        for failure in plugin_failures():
            print(f"hook plugin {failure.name} ({failure.distribution}): error: {failure.error}", file=sys.stderr)
    return 0
