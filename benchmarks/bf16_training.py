"""Does bf16 training learn like fp32? The demo recipe trained twice from the same seed, fp32 and bf16.

    python benchmarks/bf16_training.py [--steps 300] [--window 250 300] [--work DIR] [--out FILE.json]
                                       [-- recipe options and overrides...]

Both runs go through the recipe (recipes/dcase23_task7/run.sh, stages 0-3, ``--dataset demo --config
conf/demo.sh``: the demo set and the demo-size model) with ``train.log_interval=1``, so the generator's mel
loss is in TensorBoard at every step. The check (stated in the JSON): the mean mel loss over the steps of
``--window`` differs from fp32's by at most ``--tolerance`` (5 %). The JSON also gives each run's training
wall time per step, fp32's over bf16's, and the machine (CPU model, bf16 flags, load before and after).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import describe_machine, load_condition  # noqa: E402
from toolkit.numerics import cpu_bf16_flags  # noqa: E402

RECIPE = REPO / "recipes" / "dcase23_task7"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "bf16_training_cpu.json"
MEL = "loss/g/mel"


def train(precision: str, steps: int, work: Path, recipe_args: list[str]) -> float:
    """Stages 0-3 of the demo recipe at ``precision`` into ``work``; the training stage's wall seconds."""
    common = ["./run.sh", "--dataset", "demo", "--config", "conf/demo.sh",
              "--datadir", str(work / "data"), "--dumpdir", str(work / "dump"), "--expdir", str(work / "exp"),
              "--tag", precision]
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run([*common, "--stop-stage", "2", *recipe_args], cwd=RECIPE, env=env, check=True)
    start = time.perf_counter()
    subprocess.run([*common, "--stage", "3", "--stop-stage", "3", *recipe_args,
                    f"train.precision={precision}", f"train.max_steps={steps}", "train.log_interval=1",
                    "train.valid_interval=null", f"train.checkpoint_interval={steps}"],
                   cwd=RECIPE, env=env, check=True)
    return time.perf_counter() - start


def mel_losses(exp_dir: Path) -> dict[int, float]:
    """The generator's mel loss per step, from the run's TensorBoard event files."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    losses: dict[int, float] = {}
    for events in sorted(exp_dir.rglob("events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events.parent), size_guidance={"scalars": 0})
        accumulator.Reload()
        if MEL in accumulator.Tags()["scalars"]:
            losses.update({event.step: event.value for event in accumulator.Scalars(MEL)})
    if not losses:
        raise SystemExit(f"no '{MEL}' scalars under {exp_dir}: did training log to TensorBoard?")
    return losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--window", type=int, nargs=2, default=[250, 300], metavar=("FIRST", "LAST"),
                        help="steps whose mel loss is averaged (inclusive)")
    parser.add_argument("--tolerance", type=float, default=0.05, help="allowed relative difference of the means")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("recipe_args", nargs="*", help="recipe options and overrides for both runs (after --)")
    args = parser.parse_args(argv)
    first, last = args.window

    result: dict = {"machine": {**describe_machine(), "cpu_bf16_flags": cpu_bf16_flags()},
                    "load_before": load_condition(), "recipe": "dcase23_task7 --dataset demo --config conf/demo.sh",
                    "recipe_args": args.recipe_args, "steps": args.steps, "window": [first, last], "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        for precision in ("fp32", "bf16"):
            seconds = train(precision, args.steps, work, args.recipe_args)
            window = [value for step, value in mel_losses(work / "exp" / precision).items() if first <= step <= last]
            result["runs"][precision] = {"train_seconds": round(seconds, 1),
                                         "seconds_per_step": round(seconds / args.steps, 3),
                                         "mel_loss_window_mean": round(sum(window) / len(window), 4),
                                         "window_steps_logged": len(window)}
    fp32, bf16 = result["runs"]["fp32"], result["runs"]["bf16"]
    difference = abs(bf16["mel_loss_window_mean"] - fp32["mel_loss_window_mean"]) / fp32["mel_loss_window_mean"]
    result["relative_difference"] = round(difference, 4)
    result["pass"] = difference <= args.tolerance
    result["speedup_bf16_vs_fp32"] = round(fp32["seconds_per_step"] / bf16["seconds_per_step"], 2)
    result["load_after"] = load_condition()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
