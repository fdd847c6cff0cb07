"""``toolkit obtain``: put a dataset in the DCASE layout at ``--out`` (stage 0 of the recipe).

  --dataset demo        synthesise the demo set (``--clips-per-category``, ``--seed``)
  --dataset dcase23     link the development set at ``--root``, else download ``--url`` into
                        ``--download-dir``, unpack and verify it, then link it
  --dataset FOLDER      link a folder of category folders (``<Category>/<clip>.wav``)
"""
from __future__ import annotations

import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors
from toolkit.categories import scan_category_folders
from toolkit.data import dcase23
from toolkit.errors import DataError


def parse_args(argv):
    parser = command_parser("toolkit obtain", __doc__)
    parser.add_argument("--dataset", default="dcase23", help="dcase23, demo or a folder of category folders")
    parser.add_argument("--out", required=True, type=Path, help="where the dataset appears (a folder or a link)")
    parser.add_argument("--seed", type=int, default=0, help="demo: seed of the synthesiser")
    parser.add_argument("--clips-per-category", type=int, default=24, help="demo: clips per category")
    parser.add_argument("--root", default="", help="dcase23: an unpacked copy of the development set")
    parser.add_argument("--url", default="", help="dcase23: archive to download when --root is not given")
    parser.add_argument("--download-dir", type=Path, default=Path("downloads"), help="dcase23: archive folder")
    parser.add_argument("--checksum", default="", help="dcase23: md5:<hex> or sha256:<hex> of the archive")
    parser.add_argument("--no-verify", action="store_true",
                        help="dcase23: skip the check of class folders, clip counts and formats")
    return parser.parse_args(argv)


@user_errors
def main(argv=None) -> int:
    args = parse_args(argv)
    if args.dataset == "demo":
        from toolkit.data.demo import synthesise_dataset

        synthesise_dataset(args.out, args.clips_per_category, args.seed)
    elif args.dataset == "dcase23":
        dcase23.obtain(args.out, root=args.root or None, url=args.url, download_dir=args.download_dir,
                       checksum=args.checksum, verify_clips=not args.no_verify)
    else:
        folder = Path(args.dataset)
        if not folder.is_dir():
            raise DataError(f"--dataset {args.dataset}: not dcase23, demo or an existing folder")
        if not scan_category_folders(folder):
            raise DataError(f"{folder} has no category folder; expected one folder per category, "
                            "<Category>/<clip>.wav")
        dcase23.link(folder, args.out)
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
