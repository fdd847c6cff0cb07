"""``toolkit summary [--config-dir DIR] [OVERRIDES...] [--json]``: the composed model: the component chosen
for each slot, the loss weights and the parameter counts.

A recipe's experiment presets compose as in its stages, e.g. the presets every recipe shares (recipes/TEMPLATE):
    toolkit summary --config-dir recipes/TEMPLATE/conf +experiment=vifs_demo
"""
from __future__ import annotations

import json
import sys

from omegaconf import DictConfig, OmegaConf
from torch import nn

from toolkit.bin.app import command_parser, user_errors
from toolkit.config import compose_config
from toolkit.models.builder import build_discriminator, build_generator
from toolkit.registry import MODEL_SLOTS, get_registry


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


def slot_components(model: DictConfig) -> dict[str, dict[str, str]]:
    """Per model slot: the chosen component's name, its class and the distribution that provides it."""
    registry = get_registry()
    chosen = {}
    for slot in MODEL_SLOTS:
        info = registry.info(slot, model[slot].name)
        chosen[slot] = {"name": info.name, "class": info.value, "distribution": info.distribution}
    return chosen


def print_summary(summary: dict) -> None:
    print("components:")
    for slot, chosen in summary["components"].items():
        print(f"  {slot:<18} {chosen['name']:<22} {chosen['class']}  ({chosen['distribution']})")
    print("loss weights: " + ", ".join(f"{key} {value}" for key, value in summary["loss"].items()))
    print("parameters:")
    counts = summary["parameters"]
    width = max(map(len, counts))
    for key, value in counts.items():
        indent = "  " * (key.count(".") - 1 if not key.endswith(".total") else 0)
        print(f"  {indent}{key:<{width}}  {value:>12,}")


@user_errors
def main(argv=None) -> int:
    parser = command_parser("toolkit summary", __doc__)
    parser.add_argument("overrides", nargs="*",
                        help="Hydra overrides, e.g. model=vits model/decoder=alias_free +experiment=vifs_demo")
    parser.add_argument("--config-dir", metavar="DIR",
                        help="a recipe's conf folder, whose experiment presets +experiment=NAME selects")
    parser.add_argument("--json", action="store_true", help="print components, loss weights and counts as JSON")
    args = parser.parse_args(argv)
    cfg = compose_config(args.overrides, config_dir=args.config_dir)
    summary = {
        "components": slot_components(cfg.model),
        "loss": OmegaConf.to_container(cfg.model.loss, resolve=True),
        "parameters": parameter_counts(build_generator(cfg.model), build_discriminator(cfg.model)),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
