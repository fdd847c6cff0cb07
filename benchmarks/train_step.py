"""Seconds per training step (D step + G step) of the full-size model, through the real Trainer.

    python benchmarks/train_step.py                 # CPU, model=vifs, batch 2 -> results/train_step_cpu.json
    python benchmarks/train_step.py --device cuda   # GPU, batch 16 and 64: fp32 eager vs bf16 vs bf16+compile
                                                    #   -> results/train_step_gpu.json

The data are synthetic noise clips dumped into a temporary folder; one batch is reused so that data
loading is not timed. Extra arguments after ``--`` are Hydra overrides (e.g. ``model=vits``).
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
from machine import describe_machine  # noqa: E402

from toolkit.config import compose_config  # noqa: E402
from toolkit.data.dump import dump_from_config  # noqa: E402
from toolkit.data.manifest import write_manifest  # noqa: E402
from toolkit.fileio import file_digest  # noqa: E402

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


def time_steps(overrides: list[str], batch_size: int, steps: int, warmup: int) -> dict:
    """Build a Trainer from the packaged config plus ``overrides`` and time ``steps`` steps on one batch."""
    from toolkit.train.trainer import Trainer

    cfg = compose_config(overrides + [f"train.batch_size={batch_size}", "train.num_workers=0"])
    trainer = Trainer(cfg)
    batch = next(trainer.train_loader.epoch(0))
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        trainer.train_step(batch)
    times = []
    for _ in range(steps):
        sync()
        start = time.perf_counter()
        trainer.train_step(batch)
        sync()
        times.append(time.perf_counter() - start)
    return {"batch_size": batch_size, "steps": steps, "warmup": warmup,
            "seconds_per_step": statistics.median(times), "all_seconds": times,
            "precision": trainer.precision.name, "compile": bool(cfg.train.compile), "device": str(trainer.device)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per setting (median reported)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None, help="torch threads on the CPU (default: torch's)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=vits")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        batches = (2,) if args.device == "cpu" else (16, 64)
        data = synthetic_data(Path(tmp), clips=max(batches))
        base = ["model=vifs", *data, f"exp_dir={tmp}/exp", f"train.device={args.device}", *args.overrides]
        dump_from_config(compose_config(base))
        if args.device == "cpu":
            runs = [time_steps(base + ["train.precision=fp32"], 2, args.steps, args.warmup)]
            summary = {"seconds_per_step_batch2": runs[0]["seconds_per_step"], "target_seconds": 5.0}
            target = RESULTS / "train_step_cpu.json"
        else:
            runs, summary = [], {}
            for batch in batches:
                eager = time_steps(base + ["train.precision=fp32"], batch, args.steps, args.warmup)
                bf16 = time_steps(base + ["train.precision=bf16"], batch, args.steps, args.warmup)
                fast = time_steps(base + ["train.precision=bf16", "train.compile=true"], batch, args.steps,
                                  args.warmup + 2)
                runs += [eager, bf16, fast]
                summary[f"speedup_bf16_compile_batch{batch}"] = eager["seconds_per_step"] / fast["seconds_per_step"]
                summary[f"speedup_bf16_batch{batch}"] = eager["seconds_per_step"] / bf16["seconds_per_step"]
            target = RESULTS / "train_step_gpu.json"
    result = {"benchmark": "train_step", "model": "vifs", "overrides": args.overrides, "summary": summary,
              "runs": runs, "machine": describe_machine()}
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
