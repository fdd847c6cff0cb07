"""``toolkit report EXP_DIR``: write the static HTML report (scores, curves, clip gallery) of an experiment."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors
from toolkit.log import stage_log_file


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit report", __doc__)
    p.add_argument("exp_dir", type=Path, help="experiment folder exp/<tag>")
    p.add_argument("--out", type=Path, help="output folder (default EXP_DIR/report)")
    p.add_argument("--real", type=Path, help="real clips in DCASE layout (default: the config's data.valid_manifest)")
    p.add_argument("--clips", type=int, default=3, help="clips per category and column (default 3)")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    from toolkit.report.gallery import write_report

    args = parser().parse_args(argv)
    # no log folder conjured into a mistyped experiment path: write_report then names the missing folder
    with stage_log_file("report", args.exp_dir / "logs" if args.exp_dir.is_dir() else None):
        index = write_report(args.exp_dir, args.out, args.real, args.clips)
    print(index)
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
