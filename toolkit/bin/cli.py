"""The ``toolkit`` console script: dispatches ``toolkit <command> ...`` to ``toolkit.bin.<module>.main``."""
from __future__ import annotations

import importlib
import os
import sys

from toolkit.log import setup_logging
from toolkit.registry import TOOLKIT_DISTRIBUTION, distribution_version

#: command -> (module under toolkit.bin, one-line help)
COMMANDS = {
    "list": ("list_components", "list every component by kind with its distribution and load status"),
    "summary": ("summary", "compose the config, build the model and print parameter counts"),
    "obtain": ("obtain", "obtain a dataset: link/download DCASE 2023 Task 7 or synthesise the demo set"),
    "prepare": ("prepare", "validate and convert a dataset folder into manifests (Hydra app)"),
    "dump": ("dump", "cache linear spectrograms of a manifest (Hydra app)"),
    "train": ("train", "train a model (Hydra app; torchrun for several GPUs)"),
    "generate": ("generate", "generate clips per category from a checkpoint (Hydra app)"),
    "score": ("score", "score generated audio against a reference (FAD, KAD, fit, PRDC)"),
    "compare": ("compare", "the scores of every generated set of an experiment side by side"),
    "quality": ("quality", "audibility and variety of a generated set against real clips, with the demo targets"),
    "pack": ("pack", "pack a checkpoint or an ensemble of an experiment as a model package"),
    "synth": ("synth", "generate clips of some categories from a model package into a folder"),
    "audition": ("audition", "a web page on this machine to hear and download variations of a model package"),
    "select": ("select", "grid-search checkpoints x noise scales per category (Hydra app)"),
    "report": ("report", "write the static HTML report of an experiment"),
    "listening-test": ("listening_test", "build a blind listening-test page"),
    "listening-results": ("listening_results", "merge listening-test answers into MOS tables"),
    "completion": ("completion", "print a bash/zsh completion script: eval \"$(toolkit completion bash)\""),
}


def usage() -> str:
    lines = ["usage: toolkit <command> [args...]", "       toolkit --version", "", "commands:"]
    lines += [f"  {name:<18} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "`toolkit <command> --help` describes a command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # no command: the help, but as a failure (a script that forgot its command should notice)
        print(usage(), file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] in ("-V", "--version"):
        print(f"toolkit ({TOOLKIT_DISTRIBUTION}) {distribution_version(TOOLKIT_DISTRIBUTION)}")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"error: unknown command '{command}'; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    setup_logging()
    module = importlib.import_module(f"toolkit.bin.{COMMANDS[command][0]}")
    try:
        return int(module.main(rest) or 0)
    except BrokenPipeError:  # the output went into a pipe that closed early (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
