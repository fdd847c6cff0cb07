"""``toolkit summary [OVERRIDES...] [--json]``: build the composed model and count its parameters."""
from __future__ import annotations

import argparse
import json

from torch import nn

from toolkit.bin.app import user_errors
from toolkit.config import compose_config
from toolkit.models.builder import build_discriminator, build_generator


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def parameter_counts(generator: nn.Module, discriminator: nn.Module) -> dict[str, int]:
    """``<part>.total``, ``<part>.<child>`` and, for the generator's slots, ``generator.<slot>.<child>``."""
    counts = {"generator.total": count(generator)}
    for name, child in generator.named_children():
        counts[f"generator.{name}"] = count(child)
        for sub, grandchild in child.named_children():
            counts[f"generator.{name}.{sub}"] = count(grandchild)
    counts["discriminator.total"] = count(discriminator)
    for name, child in discriminator.named_children():
        counts[f"discriminator.{name}"] = count(child)
    return counts


@user_errors
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="toolkit summary", description=__doc__)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=vits model/decoder=alias_free")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    args = parser.parse_args(argv)
    cfg = compose_config(args.overrides)
    counts = parameter_counts(build_generator(cfg.model), build_discriminator(cfg.model))
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        width = max(map(len, counts))
        for key, value in counts.items():
            indent = "  " * (key.count(".") - 1 if not key.endswith(".total") else 0)
            print(f"{indent}{key:<{width}}  {value:>12,}")
    return 0
