"""``toolkit listening-test SYSTEM...``: build a blind listening test (static page + key file)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit listening-test", __doc__)
    p.add_argument("systems", nargs="+", metavar="SYSTEM",
                   help="NAME=DIR or DIR: clips in DCASE layout (DogBark/ or dog_bark/, directly or under "
                        "audio/ or generated_audio/)")
    p.add_argument("--out", type=Path, required=True,
                   help="output folder: page/ (give this to listeners) and key.json (keep it)")
    p.add_argument("--real", type=Path, help="real clips in DCASE layout, included as a hidden reference system")
    p.add_argument("--clips", type=int, default=4, help="clips per system and category (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the clip selection (default 0)")
    p.add_argument("--title", default="Foley sound listening test", help="page title")
    p.add_argument("--played-share", type=float, default=1.0,
                   help="share of a clip a listener must hear before rating it (default 1: to its end)")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    from toolkit.report.listening_test import REFERENCE_NAME, System, build_listening_test, parse_system

    args = parser().parse_args(argv)
    systems = [parse_system(text) for text in args.systems]
    if args.real is not None:
        systems.append(System(REFERENCE_NAME, args.real, is_reference=True))
    build_listening_test(systems, args.out, args.clips, args.seed, args.title, args.played_share)
    print(args.out / "page" / "index.html")
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
