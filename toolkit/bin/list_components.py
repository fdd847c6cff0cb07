"""``toolkit list [KIND] [--json]``: every component with its class, distribution, version and load status."""
from __future__ import annotations

import json
import sys

from toolkit.bin.app import command_parser, user_errors
from toolkit.plugins import plugin_failures
from toolkit.registry import KINDS, get_registry

COLUMNS = ("kind", "name", "class", "distribution", "version", "status")


@user_errors
def main(argv=None) -> int:
    parser = command_parser("toolkit list", __doc__)
    parser.add_argument("kind", nargs="?", choices=list(KINDS), help="one kind, in the singular")
    parser.add_argument("--json", action="store_true", help="one JSON object per component, in a list")
    args = parser.parse_args(argv)
    rows = [(info.kind, info.name, info.value, info.distribution, info.version, info.status)
            for info in get_registry().infos(args.kind)]
    if args.json:
        print(json.dumps([dict(zip(COLUMNS, row)) for row in rows], indent=2))
    else:
        rows.insert(0, COLUMNS)
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5])
    if args.kind is None:
        for failure in plugin_failures():
            print(f"hook plugin {failure.name} ({failure.distribution}): error: {failure.error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
