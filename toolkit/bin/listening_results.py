"""``toolkit listening-results FILES... --key key.json``: merge listening-test answers into MOS tables."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit listening-results", __doc__)
    p.add_argument("files", nargs="+", type=Path, help="answers files exported from the test page")
    p.add_argument("--key", type=Path, required=True, help="key.json written by toolkit listening-test")
    p.add_argument("--out", type=Path, help="output folder for results.{md,json,png,html} (default: KEY's folder/results)")
    p.add_argument("--exclude-unplayed", action="store_true",
                   help="leave out ratings of clips the listener never played (they are flagged either way)")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    from toolkit.report.listening_results import listening_results, results_markdown

    args = parser().parse_args(argv)
    results = listening_results(args.files, args.key, args.out or args.key.parent / "results", args.exclude_unplayed)
    print(results_markdown(results), end="")
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
