"""``toolkit compare EXP_DIR``: the scores of every generated set of an experiment side by side."""
from __future__ import annotations

import sys

from toolkit.bin.app import command_parser, user_errors
from toolkit.errors import DataError
from toolkit.score.compare import write_comparison


@user_errors
def main(argv=None) -> int:
    parser = command_parser("toolkit compare", __doc__)
    parser.add_argument("exp_dir", help="experiment folder holding gen_*/score_<hash>/score.json")
    args = parser.parse_args(argv)
    text = write_comparison(args.exp_dir)
    if text is None:
        raise DataError(f"no scored sets in {args.exp_dir} (gen_*/score_<hash>/score.json); run the score stage first")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
