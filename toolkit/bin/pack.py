"""``toolkit pack EXP_DIR``: one checkpoint or an ensemble of an experiment as a model package (config.json,
safetensors weights, README.md model card), loadable with ``FoleyModel.from_pretrained`` or ``toolkit synth``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit pack", __doc__)
    p.add_argument("exp_dir", type=Path, help="experiment folder exp/<tag>")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--checkpoint", default="last", help="last, initial, step_N or a checkpoint file [last]")
    which.add_argument("--ensemble", type=Path, help="an ensemble spec, e.g. EXP_DIR/select/ensemble.yaml")
    p.add_argument("--out", type=Path, help="package folder [EXP_DIR/pack/<tag>-<checkpoint>]")
    p.add_argument("--license", default="unknown", help="licence field of the model card [unknown]")
    p.add_argument("--archive", choices=["tar.gz", "zip"], help="also write the folder as one archive beside it")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    from toolkit.pretrained import pack_experiment

    args = parser().parse_args(argv)
    result = pack_experiment(args.exp_dir, args.out, args.checkpoint, args.ensemble, args.license, args.archive)
    print(result)
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
