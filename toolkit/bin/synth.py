"""``toolkit synth MODEL --category DogBark -n 10 --seed 0 --out DIR``: clips from a model package (or an
experiment folder), written in the recipe's layout with manifest.jsonl, like ``FoleyModel.save``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toolkit.bin.app import command_parser, user_errors


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """The model to load and how: shared by the commands that take a package (synth, audition)."""
    p.add_argument("model", type=Path, help="a package folder (toolkit pack), an experiment folder or a checkpoint")
    p.add_argument("--checkpoint", default="last", help="for an experiment folder: last, initial or step_N [last]")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:N] [auto]")
    p.add_argument("--precision", help="fp32, bf16 or auto (bf16 where native), as generate.precision [fp32]")


def load_model(args: argparse.Namespace):
    """The :class:`FoleyModel` that :func:`add_model_arguments` describes."""
    from toolkit.pretrained import FoleyModel

    return FoleyModel.from_pretrained(args.model, checkpoint=args.checkpoint, device=args.device,
                                      precision=args.precision)


def parser() -> argparse.ArgumentParser:
    p = command_parser("toolkit synth", __doc__)
    add_model_arguments(p)
    p.add_argument("--category", action="append", help="a category (repeat for several) [every category]")
    p.add_argument("-n", type=int, default=1, help="clips per category [1]")
    p.add_argument("--seed", type=int, default=0, help="base seed; clip i uses the recipe's seed for (seed, category, i) [0]")
    p.add_argument("--noise-scale", type=float, help="noise scale [the model's own, per category]")
    p.add_argument("--start", type=int, default=1, help="index of the first clip [1]")
    p.add_argument("--out", type=Path, required=True, help="output folder (clips already there are kept)")
    return p


@user_errors
def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    model = load_model(args)
    categories = [model.category(name) for name in args.category] if args.category else list(model.categories)
    for category in categories:
        audio = model.generate(category, n=args.n, seed=args.seed, noise_scale=args.noise_scale, start=args.start,
                               progress=True)
        out = model.save(audio, args.out, category=category, seed=args.seed, noise_scale=args.noise_scale,
                         start=args.start)
    print(out)
    return 0


if __name__ == "__main__":
    from toolkit.log import setup_logging

    setup_logging()
    sys.exit(main())
