"""Generation speed of the full-size generator: fp32 eager against bf16 and torch.compile, in one process.

    python benchmarks/inference.py                   # CPU, 1 and 2 threads -> results/inference_cpu.json
    python benchmarks/inference.py --path-clips 20   # the whole user path on 20 clips per category (140)
    python benchmarks/inference.py --device cuda     # GPU (+ the 700-clip batch) -> results/inference_gpu.json
    python benchmarks/inference.py -- model=vits     # another bundle (Hydra overrides after --)

Every variant (``--variants``; default fp32 eager, bf16 eager, fp32 compiled) is built from the same random
weights, warmed up (the first call of a compiled variant is its compile time), then timed one clip at a time
(batch 1), the variants alternating in rotating order for ``--repeats`` rounds, so that all of them see the
same load on a shared machine; the median counts. Ratios are fp32 eager's median over the variant's.

The whole user path (checkpoint load, generation, WAV writing, manifest) runs ``generate_clips`` on a
full-size checkpoint with random weights, fp32 then bf16, at every thread count, and is extrapolated to the
700-clip submission as ``T700 = T_fixed + (T_N - T_fixed) * 700 / N``: ``T_fixed`` (checkpoint load and
preparation, timed separately) is paid once, the rest grows with the number of clips.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine, load_condition  # noqa: E402

from toolkit.config import compose_config  # noqa: E402
from toolkit.generate import GenerateOptions, generate_clips  # noqa: E402
from toolkit.generate.fast import FastGenerator  # noqa: E402
from toolkit.models.builder import build_generator  # noqa: E402
from toolkit.numerics import cpu_bf16_flags  # noqa: E402
from toolkit.train.checkpoint import CheckpointManager, load_generator  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SUBMISSION_CLIPS = 700
CATEGORIES = 7
#: name -> (precision, compile)
VARIANTS = {"fp32": ("fp32", False), "bf16": ("bf16", False), "compiled": ("fp32", True),
            "bf16_compiled": ("bf16", True)}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds(fn, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def count_macs(model: nn.Module, run) -> int:
    """Multiply-adds of every Conv1d, ConvTranspose1d and Linear called during ``run()``, from their shapes."""
    total = 0

    def conv(module: nn.Conv1d, inputs, output):
        nonlocal total
        total += output.numel() * (module.in_channels // module.groups) * module.kernel_size[0]

    def transposed(module: nn.ConvTranspose1d, inputs, output):
        nonlocal total
        total += inputs[0].numel() * (module.out_channels // module.groups) * module.kernel_size[0]

    def linear(module: nn.Linear, inputs, output):
        nonlocal total
        total += output.numel() * module.in_features

    hooks = {nn.Conv1d: conv, nn.ConvTranspose1d: transposed, nn.Linear: linear}
    handles = [m.register_forward_hook(hooks[type(m)]) for m in model.modules() if type(m) in hooks]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return total


def snr_db(reference: torch.Tensor, other: torch.Tensor) -> float:
    """Signal-to-noise ratio of ``other`` against ``reference``, in dB."""
    return float(10 * torch.log10(reference.pow(2).sum() / (other - reference).pow(2).sum()))


def time_variants(make, names: list[str], device: torch.device, repeats: int) -> dict:
    """Warm every variant up, then time them alternately (rotating order) ``repeats`` times at batch 1."""
    generators, first_call = {}, {}
    for name in names:
        precision, compiled = VARIANTS[name]
        generators[name] = FastGenerator(make(), device, precision, compiled)
        first_call[name] = seconds(lambda: generators[name]([0], 0.667, [0]), device)
        generators[name]([1], 0.667, [1])  # a second warm-up call: caches, allocator, autotuning settled
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        order = names[round_ % len(names):] + names[: round_ % len(names)]
        for name in order:
            times[name].append(seconds(lambda: generators[name]([round_ % CATEGORIES], 0.667, [round_]), device))
    rows = {}
    baseline = statistics.median(times["fp32"])
    for name in names:
        median = statistics.median(times[name])
        rows[name] = {"seconds_per_clip_median": round(median, 3), "seconds_all": [round(t, 3) for t in times[name]],
                      "speedup_vs_fp32_eager": round(baseline / median, 2),
                      "first_call_seconds": round(first_call[name], 1)}
        if VARIANTS[name][1]:
            rows[name]["compile_seconds"] = round(first_call[name] - median, 1)
            saved = baseline - median
            rows[name]["break_even_clips"] = round(rows[name]["compile_seconds"] / saved) if saved > 0 else None
        print(f"  {name:>14}: {median:.3f} s/clip ({baseline / median:.2f}x fp32 eager)", flush=True)
    reference = generators["fp32"](list(range(CATEGORIES)), 0.667, list(range(CATEGORIES)))
    for name in names:
        if VARIANTS[name][0] != "fp32":
            rows[name]["snr_db_vs_fp32_random_weights"] = round(
                snr_db(reference, generators[name](list(range(CATEGORIES)), 0.667, list(range(CATEGORIES)))), 1)
    return rows


def whole_path(cfg, state: dict, device: torch.device, clips_per_category: int, threads: int) -> dict:
    """The user's path (``generate_clips``: load, generate, write WAVs and manifest) in fp32, then bf16,
    on a full-size checkpoint; extrapolated to 700 clips."""
    clips = clips_per_category * CATEGORIES
    torch.set_num_threads(threads)
    result: dict = {"clips": clips, "threads": threads,
                    "extrapolation": "T700 = T_fixed + (T_N - T_fixed) * 700 / N"}
    with tempfile.TemporaryDirectory() as tmp:
        manager = CheckpointManager(Path(tmp) / "exp")
        saved = OmegaConf.masked_copy(cfg, ["model", "data"])  # what a trained checkpoint records about them
        manager.save({"generator": state, "discriminator": {}, "step": 0,
                      "config": OmegaConf.to_yaml(saved, resolve=True)}, periodic=False)

        def fixed():
            model, _ = load_generator(manager.last)
            FastGenerator(model, device, "fp32")

        fixed()  # file cache warm for both
        result["fixed_seconds"] = round(seconds(fixed, device), 2)
        for precision in ("fp32", "bf16"):
            options = GenerateOptions(checkpoint=str(manager.last), clips_per_category=clips_per_category,
                                      precision=precision, device=str(device), threads=threads, batch_size=1,
                                      out_dir=str(Path(tmp) / f"gen_{precision}"))
            total = seconds(lambda: generate_clips(tmp, options, progress=False), device)
            per_clip = (total - result["fixed_seconds"]) / clips
            result[precision] = {"seconds": round(total, 1),
                                 "seconds_700_extrapolated": round(result["fixed_seconds"] + per_clip * SUBMISSION_CLIPS, 1)}
            print(f"  whole path {precision}: {total:.1f} s for {clips} clips", flush=True)
    result["speedup_bf16_vs_fp32"] = round(result["fp32"]["seconds"] / result["bf16"]["seconds"], 2)
    result["speedup_bf16_vs_fp32_700"] = round(
        result["fp32"]["seconds_700_extrapolated"] / result["bf16"]["seconds_700_extrapolated"], 2)
    return result


def gflop_per_clip(generator: FastGenerator) -> float:
    """Multiply-adds of one clip, as GFLOP (2 per MAC)."""
    return round(2 * count_macs(generator.model, lambda: generator([0], 0.667, [0])) / 1e9, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU thread counts (default: 1 2)")
    parser.add_argument("--variants", nargs="+", default=["fp32", "bf16", "compiled"], choices=list(VARIANTS),
                        help="what to time against fp32 eager (always included)")
    parser.add_argument("--repeats", type=int, default=5, help="alternating rounds per thread count (median)")
    parser.add_argument("--path-clips", type=int, default=20, help="clips per category of the whole path (0: skip)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (after --)")
    args = parser.parse_args(argv)
    names = ["fp32", *[name for name in args.variants if name != "fp32"]]

    device = torch.device(args.device)
    cfg = compose_config(["model=vifs", *args.overrides])
    torch.manual_seed(0)
    state = build_generator(cfg.model).state_dict()

    def fresh():
        model = build_generator(cfg.model)
        model.load_state_dict(state)
        return model.eval()

    result: dict = {"machine": {**describe_machine(), "cpu_bf16_flags": cpu_bf16_flags()},
                    "load_before": load_condition(), "model": cfg.model.prior_encoder.name,
                    "overrides": args.overrides, "device": str(device), "batch": 1, "repeats": args.repeats}
    result["gflop_per_clip"] = gflop_per_clip(FastGenerator(fresh(), device))
    thread_counts = args.threads if device.type == "cpu" else [torch.get_num_threads()]
    result["per_clip"] = {}
    for threads in thread_counts:
        torch.set_num_threads(threads)
        print(f"{threads} thread(s):", flush=True)
        result["per_clip"][f"threads_{threads}"] = time_variants(fresh, names, device, args.repeats)
    if args.path_clips > 0:
        result["whole_path"] = {f"threads_{threads}": whole_path(cfg, state, device, args.path_clips, threads)
                                for threads in thread_counts}
    if device.type == "cuda":
        batch = FastGenerator(fresh(), device, "bf16").auto_batch_size(None)
        result["submission_700"] = {}
        for precision in ("fp32", "bf16"):
            fast = FastGenerator(fresh(), device, precision)
            ids = [i % CATEGORIES for i in range(SUBMISSION_CLIPS)]
            run = lambda: [fast(ids[b:b + batch], 0.667, list(range(b, b + batch)))  # noqa: E731
                           for b in range(0, SUBMISSION_CLIPS, batch)]
            result["submission_700"][precision] = {"batch": batch, "seconds": round(seconds(run, device), 1)}
    result["load_after"] = load_condition()

    out = args.out or RESULTS / f"inference_{'gpu' if device.type == 'cuda' else 'cpu'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
