"""Seconds per training step (D step + G step) of the full-size model, through the real Trainer: fp32 eager
against bf16 and torch.compile, in one process.

    python benchmarks/train_step.py                 # CPU, batch 2, 1 and 2 threads -> results/train_step_cpu.json
    python benchmarks/train_step.py --device cuda   # GPU, batch 16 and 64 -> results/train_step_gpu.json

Every variant (``--variants``; default fp32 eager, bf16 eager, fp32 compiled) gets its own Trainer from the
same seed, two warm-up steps (the first step of a compiled variant is its compile time), then one step of
each in rotating order, ``--steps`` times; the median counts and ratios are fp32 eager's over the variant's.
The data are synthetic noise clips dumped into a temporary folder; one batch is reused so that data
loading is not timed. Extra arguments after ``--`` are Hydra overrides (e.g. ``model=vits``).

Each run also reports the discriminator snapshot that every step takes before the discriminator's update
(to undo it when the generator's loss is not finite): its seconds, its share of a step and its memory.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine, load_condition  # noqa: E402

from toolkit.config import compose_config  # noqa: E402
from toolkit.data.dump import dump_from_config  # noqa: E402
from toolkit.data.manifest import write_manifest  # noqa: E402
from toolkit.fileio import file_digest  # noqa: E402
from toolkit.numerics import cpu_bf16_flags  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_data(root: Path, clips: int, sample_rate: int = 22050, samples: int = 88200) -> list[str]:
    """Noise clips, their manifest and dump under ``root``; returns the data overrides."""
    rng = np.random.default_rng(0)
    entries = []
    for index in range(clips):
        path = root / "wav" / f"{index:03d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, (0.3 * rng.standard_normal(samples)).astype(np.float32), sample_rate, subtype="PCM_16")
        entries.append({"path": str(path), "category": f"noise{index % 7}", "category_id": index % 7,
                        "duration": 4.0, "sample_rate": sample_rate, "sha256": file_digest(path)})
    write_manifest(root / "train.jsonl", entries)
    categories = ",".join(f"noise{i}" for i in range(7))
    return [f"data.train_manifest={root / 'train.jsonl'}", "data.valid_manifest=null", f"data.dump_dir={root / 'dump'}",
            f"data.categories=[{categories}]"]


#: name -> the train overrides of the variant
VARIANTS = {"fp32": ["train.precision=fp32"], "bf16": ["train.precision=bf16"],
            "compiled": ["train.precision=fp32", "train.compile=true"],
            "bf16_compiled": ["train.precision=bf16", "train.compile=true"]}


def build(overrides: list[str], batch_size: int):
    """A Trainer from the packaged config plus ``overrides``, and one batch of its data (reused every step,
    so that data loading is not timed)."""
    from toolkit.train.trainer import Trainer

    trainer = Trainer(compose_config(overrides + [f"train.batch_size={batch_size}", "train.num_workers=0"]))
    return trainer, next(trainer.train_loader.epoch(0))


def seconds(trainer, batch) -> float:
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    trainer.train_step(batch)
    sync()
    return time.perf_counter() - start


def snapshot_seconds(trainer) -> float:
    """One discriminator snapshot, as every step takes before the discriminator's update (to undo it when the
    generator's loss is not finite)."""
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    trainer.d_snapshot.take()
    sync()
    return time.perf_counter() - start


def time_variants(base: list[str], names: list[str], batch_size: int, steps: int) -> dict:
    """Warm every variant up (its first step: the compile time of a compiled one), then time one step of each
    alternately, in rotating order, ``steps`` times; medians and ratios to fp32 eager."""
    runs, first = {}, {}
    for name in names:
        runs[name] = build(base + VARIANTS[name], batch_size)
        first[name] = seconds(*runs[name])
        seconds(*runs[name])  # second warm-up step
    times: dict[str, list[float]] = {name: [] for name in names}
    for step in range(steps):
        for name in names[step % len(names):] + names[: step % len(names)]:
            times[name].append(seconds(*runs[name]))
    baseline = statistics.median(times["fp32"])
    rows = {}
    for name in names:
        trainer = runs[name][0]
        median = statistics.median(times[name])
        rows[name] = {"seconds_per_step_median": round(median, 3), "seconds_all": [round(t, 3) for t in times[name]],
                      "speedup_vs_fp32_eager": round(baseline / median, 2), "first_step_seconds": round(first[name], 1),
                      "precision": trainer.precision.name, "compile": bool(trainer.cfg.train.compile)}
        if rows[name]["compile"]:
            rows[name]["compile_seconds"] = round(first[name] - median, 1)
        snapshot = statistics.median(snapshot_seconds(trainer) for _ in range(5))
        rows[name].update(snapshot_seconds=round(snapshot, 4), snapshot_share_of_step=round(snapshot / median, 4),
                          snapshot_mib=round(trainer.d_snapshot.nbytes / 2**20, 1))
        print(f"  {name:>14}: {median:.3f} s/step ({baseline / median:.2f}x fp32 eager)", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--steps", type=int, default=5, help="alternating timed steps per variant (median)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU thread counts (default: 1 2)")
    parser.add_argument("--batch-size", type=int, nargs="+", default=None,
                        help="default: 2 on the CPU, 16 and 64 on a GPU")
    parser.add_argument("--variants", nargs="+", default=["fp32", "bf16", "compiled"], choices=list(VARIANTS),
                        help="what to time against fp32 eager (always included)")
    parser.add_argument("--out", type=Path, default=None, help="default: results/train_step_{cpu,gpu}.json")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=vits")
    args = parser.parse_args(argv)
    names = ["fp32", *[name for name in args.variants if name != "fp32"]]
    batches = args.batch_size or ([2] if args.device == "cpu" else [16, 64])
    thread_counts = args.threads if args.device == "cpu" else [torch.get_num_threads()]

    target = args.out or RESULTS / f"train_step_{'cpu' if args.device == 'cpu' else 'gpu'}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": "train_step", "model": "vifs", "overrides": args.overrides, "device": args.device,
              "machine": {**describe_machine(), "cpu_bf16_flags": cpu_bf16_flags()}, "load_before": load_condition(),
              "steps": args.steps, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_data(Path(tmp), clips=max(batches))
        base = ["model=vifs", *data, f"exp_dir={tmp}/exp", f"train.device={args.device}", *args.overrides]
        dump_from_config(compose_config(base))
        for threads in thread_counts:
            torch.set_num_threads(threads)
            for batch in batches:
                print(f"{threads} thread(s), batch {batch}:", flush=True)
                result["runs"][f"threads_{threads}_batch_{batch}"] = time_variants(base, names, batch, args.steps)
                result["load_after"] = load_condition()
                target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")  # kept if a later one fails
    print(json.dumps(result["runs"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
