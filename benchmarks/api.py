"""Using a trained model through the Python API against the recipe's generation, in the same run.

    python benchmarks/api.py                          # full-size VIFS, CPU, 2 threads -> results/api_cpu.json
    python benchmarks/api.py --device cuda            # GPU -> results/api_gpu.json
    python benchmarks/api.py -- model.inter_channels=32 ...   # Hydra overrides for another model

A checkpoint of the model (random weights) is written to a temporary experiment, packed, and then:
- load: ``FoleyModel.from_pretrained(package)`` against the recipe's checkpoint load (``load_generator`` and
  the fast generator), each timed in the same process;
- first clip: the first ``generate(category, n=1)`` after loading;
- throughput: N clips per category through ``generate`` (and ``generate`` + ``save``) against the recipe's
  ``generate_clips`` writing the same clips; the clips are checked to be the recipe's, byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

from toolkit.config import compose_config  # noqa: E402
from toolkit.fileio import atomic_write_text  # noqa: E402
from toolkit.generate import FastGenerator, GenerateOptions, generate_clips  # noqa: E402
from toolkit.models.builder import build_generator  # noqa: E402
from toolkit.pretrained import FoleyModel, pack_experiment  # noqa: E402
from toolkit.train.checkpoint import CheckpointManager, load_generator  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def seconds(fn):
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: 2)")
    parser.add_argument("--clips-per-category", type=int, default=2, help="clips per category per path (default: 2)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (after --)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = args.clips_per_category
    load_before = round(os.getloadavg()[0], 1)  # other processes on a shared machine slow every path alike
    options = GenerateOptions(clips_per_category=n, seed=0, device=args.device)

    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "exp" / "bench"
        cfg = compose_config(["model=vifs", f"exp_dir={exp}", *args.overrides])
        torch.manual_seed(0)
        state = {"generator": build_generator(cfg.model).state_dict(), "discriminator": {}, "step": 0,
                 "config": OmegaConf.to_yaml(cfg)}
        manager = CheckpointManager(exp)
        manager.save(state, periodic=False)
        package, pack_seconds = seconds(lambda: pack_experiment(exp, Path(tmp) / "package"))
        print(f"pack: {pack_seconds:.2f} s", flush=True)

        # Each load is timed twice, alternately; the faster counts (the least disturbed on a shared machine).
        loads = {"api": [], "recipe": []}
        for _ in range(2):
            model, took = seconds(lambda: FoleyModel.from_pretrained(package, device=args.device))
            loads["api"].append(took)
            _, took = seconds(lambda: FastGenerator(load_generator(manager.last)[0], args.device))
            loads["recipe"].append(took)
        print(f"load: api {min(loads['api']):.2f} s, recipe {min(loads['recipe']):.2f} s", flush=True)
        _, first_clip = seconds(lambda: model.generate(model.categories[0], n=1, seed=0))
        print(f"first clip: {first_clip:.2f} s", flush=True)

        recipe_dir, recipe_seconds = seconds(lambda: generate_clips(
            exp, GenerateOptions(**{**options.__dict__, "checkpoint": str(manager.last), "out_dir": f"{tmp}/recipe"}),
            progress=False))
        print(f"recipe: {7 * n} clips in {recipe_seconds:.1f} s", flush=True)
        api_seconds = save_seconds = 0.0
        for category in model.categories:
            audio, took = seconds(lambda: model.generate(category, n=n, seed=options.seed,
                                                         noise_scale=options.noise_scale))
            api_seconds += took
            _, took = seconds(lambda: model.save(audio, f"{tmp}/api", category, seed=options.seed,
                                                 noise_scale=options.noise_scale))
            save_seconds += took
        print(f"api: {7 * n} clips in {api_seconds:.1f} s (+{save_seconds:.1f} s saving)", flush=True)
        identical = all((Path(tmp) / "api" / p.relative_to(recipe_dir)).read_bytes() == p.read_bytes()
                        for p in sorted(recipe_dir.glob("audio/*/*.wav")))

    clips = 7 * n
    result = {
        "machine": describe_machine(), "load_average_1min_before": load_before, "device": str(model.device), "threads": args.threads,
        "model": cfg.model.prior_encoder.name, "overrides": args.overrides, "precision": model.precision,
        "pack_seconds": round(pack_seconds, 2),
        "load_seconds": {"api_from_pretrained": round(min(loads["api"]), 2),
                         "recipe_checkpoint": round(min(loads["recipe"]), 2)},
        "first_clip_seconds": round(first_clip, 3),
        "clips": clips,
        "clips_per_second": {"api_generate": round(clips / api_seconds, 3),
                             "api_generate_and_save": round(clips / (api_seconds + save_seconds), 3),
                             "recipe_generate_clips": round(clips / recipe_seconds, 3)},
        "recipe_seconds_over_api_seconds": round(recipe_seconds / (min(loads["api"]) + api_seconds + save_seconds), 2),
        "files_identical_to_recipe": identical,
        "note": "recipe_generate_clips includes loading its checkpoint and writing; the ratio compares it with "
                "the API's load + generate + save of the same clips",
    }
    out = args.out or RESULTS / f"api_{'gpu' if model.device.type == 'cuda' else 'cpu'}.json"
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
