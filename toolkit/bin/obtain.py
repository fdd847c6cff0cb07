"""``toolkit obtain``: put a dataset at ``--out`` (stage 0 of the recipe).

  --dataset demo        synthesise the demo set (``--clips-per-category``, ``--seed``)
  --dataset dcase23     link the development set at ``--root``, else download ``--url`` into
                        ``--download-dir``, unpack and verify it, then link it
  --dataset esc50       the same for ESC-50 (``--any-size`` accepts a smaller copy in its layout)
  --dataset FOLDER      link a folder of category folders (``<Category>/<clip>.wav``) or one holding a
                        metadata table (``data.table.path`` of the prepare stage)
"""
from __future__ import annotations

import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors
from toolkit.categories import scan_category_folders
from toolkit.data import dcase23, esc50
from toolkit.data.demo import DEFAULT_CLIPS_PER_CATEGORY, synthesise_dataset
from toolkit.data.fetch import link
from toolkit.data.table import TSV_SUFFIXES
from toolkit.errors import DataError
from toolkit.log import stage_log_file

CORPORA = {"dcase23": dcase23, "esc50": esc50}


def parse_args(argv):
    parser = command_parser("toolkit obtain", __doc__)
    parser.add_argument("--dataset", default="dcase23", help="dcase23, esc50, demo or a folder")
    parser.add_argument("--out", required=True, type=Path, help="where the dataset appears (a folder or a link)")
    parser.add_argument("--seed", type=int, default=0, help="demo: seed of the synthesiser")
    parser.add_argument("--clips-per-category", type=int, default=DEFAULT_CLIPS_PER_CATEGORY,
                        help=f"demo: clips per category [{DEFAULT_CLIPS_PER_CATEGORY}]")
    parser.add_argument("--root", default="", help="dcase23, esc50: an unpacked copy of the corpus")
    parser.add_argument("--url", default="", help="dcase23, esc50: archive to download when --root is not given")
    parser.add_argument("--download-dir", type=Path, default=Path("downloads"), help="dcase23, esc50: archive folder")
    parser.add_argument("--checksum", default="", help="dcase23, esc50: md5:<hex> or sha256:<hex> of the archive")
    parser.add_argument("--no-verify", action="store_true",
                        help="dcase23, esc50: skip the check of the corpus's files, counts and clip formats")
    parser.add_argument("--any-size", action="store_true",
                        help="esc50: accept a copy of another size in its layout (every other check still runs)")
    return parser.parse_args(argv)


def has_table(folder: Path) -> bool:
    """Whether ``folder`` directly holds a CSV or TSV file (a metadata table)."""
    return any(path.is_file() and path.suffix.lower() in (".csv", *TSV_SUFFIXES) for path in folder.iterdir())


@user_errors
def main(argv=None) -> int:
    args = parse_args(argv)
    with stage_log_file("obtain", args.out.parent / "logs"):
        obtain(args)
    return 0


def obtain(args: argparse.Namespace) -> None:
    if args.dataset == "demo":
        synthesise_dataset(args.out, args.clips_per_category, args.seed)
    elif args.dataset in CORPORA:
        size = {"full_size": not args.any_size} if args.dataset == "esc50" else {}
        CORPORA[args.dataset].obtain(args.out, root=args.root or None, url=args.url, download_dir=args.download_dir,
                                     checksum=args.checksum, verify_clips=not args.no_verify, **size)
    else:
        folder = Path(args.dataset)
        if not folder.is_dir():
            raise DataError(f"--dataset {args.dataset}: not {', '.join(CORPORA)}, demo or an existing folder")
        if not scan_category_folders(folder) and not has_table(folder):
            raise DataError(f"{folder} has no category folder and no metadata table; expected one folder per "
                            "category (<Category>/<clip>.wav) or a CSV/TSV table naming each clip's file and category")
        link(folder, args.out)


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
