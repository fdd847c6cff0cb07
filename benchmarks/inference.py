"""Inference speed of the full-size generator: plain eval-mode ``infer`` vs the fast path.

    python benchmarks/inference.py                  # CPU, 2 threads -> results/inference_cpu.json
    python benchmarks/inference.py --device cuda    # GPU (+ the 700-clip submission) -> results/inference_gpu.json
    python benchmarks/inference.py --precision bf16 --device cuda   # reduced precision (changes the audio)

Reports seconds per 4-s clip at batch 1, batch 7 and the batch size the generator picks from its memory
budget, the peak memory, the analytic GFLOP per clip (conv/linear multiply-adds counted from the module
shapes of one forward), the achieved GFLOP/s and, in the same run, the machine's fp32 matmul GFLOP/s.
Random weights; extra arguments after ``--`` are Hydra overrides (e.g. ``model=vits``).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

from toolkit.config import compose_config  # noqa: E402
from toolkit.generate.fast import FastGenerator  # noqa: E402
from toolkit.models.builder import build_generator  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SUBMISSION_CLIPS = 700
CATEGORIES = 7


def matmul_gflops(device: torch.device, size: int = 2048, repeats: int = 10) -> float:
    """Sustained fp32 GFLOP/s of a large square matmul on ``device``."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    seconds = timed(lambda: a @ b, device, repeats)
    return 2 * size**3 / seconds / 1e9


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device, repeats: int) -> float:
    """Fastest of ``repeats`` runs of ``fn`` after one warm-up run, in seconds (the minimum is the least
    disturbed by other processes on a shared machine)."""
    fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


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


def batch_args(batch: int) -> tuple[list[int], list[float], list[int]]:
    return [i % CATEGORIES for i in range(batch)], [0.667] * batch, list(range(batch))


def compare_plain(plain: nn.Module, fast: FastGenerator, batch: int, device: torch.device, repeats: int) -> dict:
    """Seconds per clip of the plain eval-mode ``infer`` (weight norm unfolded) and of the fast path,
    timed alternately; the fastest run of each counts."""
    ids, scales, seeds = batch_args(batch)
    ids_t = torch.tensor(ids, device=device)
    runs = {"plain": lambda: plain.infer(ids_t, torch.tensor(scales), seeds), "fast": lambda: fast(ids, scales, seeds)}
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            best[name] = min(best[name], timed(fn, device, 1) / batch)
    print(f"plain batch {batch:>3}: {best['plain']:.3f} s/clip, fast {best['fast']:.3f} s/clip interleaved "
          f"({best['plain'] / best['fast']:.2f}x)", flush=True)
    return {"batch": batch, "seconds_per_clip": round(best["plain"], 3), "fast_seconds_per_clip": round(best["fast"], 3),
            "fast_speedup": round(best["plain"] / best["fast"], 2)}


def peak_memory_mib(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: 2)")
    parser.add_argument("--memory-budget-gb", type=float, default=None,
                        help="budget for the automatic batch size (default: 2 on CPU, half the free GPU memory)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--compile", action="store_true", help="torch.compile the fast path")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per setting (the fastest is reported)")
    parser.add_argument("--skip-plain", action="store_true", help="do not time the plain (unfolded) path")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (after --)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    budget = args.memory_budget_gb if args.memory_budget_gb is not None else (2.0 if device.type == "cpu" else None)
    cfg = compose_config(["model=vifs", *args.overrides])
    torch.manual_seed(0)
    state = build_generator(cfg.model).state_dict()

    def fresh():
        model = build_generator(cfg.model)
        model.load_state_dict(state)
        return model.eval()

    result: dict = {"machine": describe_machine(), "model": cfg.model.prior_encoder.name,
                    "overrides": args.overrides, "device": str(device), "threads": args.threads,
                    "precision": args.precision, "compile": args.compile}
    result["matmul_gflops"] = round(matmul_gflops(device), 1)

    fast = FastGenerator(fresh(), device, args.precision, args.compile)
    gflop_per_clip = 2 * count_macs(fast.model, lambda: fast(*batch_args(1))) / 1e9
    result["gflop_per_clip"] = round(gflop_per_clip, 1)
    auto = fast.auto_batch_size(budget)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    plain = None  # built after the auto row, so that its peak memory is the fast path's alone
    fast_rows, plain_rows = {}, {}
    for label, batch in (("auto", auto), ("1", 1), ("7", 7)):
        if label != "auto" and batch == auto:
            fast_rows[label] = dict(fast_rows["auto"])
        else:
            seconds = timed(lambda: fast(*batch_args(batch)), device, args.repeats) / batch
            fast_rows[label] = {"batch": batch, "seconds_per_clip": round(seconds, 3),
                                "gflops": round(gflop_per_clip / seconds, 1),
                                "fraction_of_matmul": round(gflop_per_clip / seconds / result["matmul_gflops"], 3)}
            print(f"fast  batch {batch:>3}: {seconds:.3f} s/clip", flush=True)
        if label == "auto":
            fast_rows[label]["peak_memory_mib"] = round(peak_memory_mib(device), 1)
        elif not args.skip_plain:
            plain = plain or fresh().to(device)
            # Interleaved with the fast runs of the same batch: on a shared machine both see the same load.
            plain_rows[label] = compare_plain(plain, fast, batch, device, args.repeats)
            fast_rows[label]["seconds_per_clip_interleaved"] = plain_rows[label].pop("fast_seconds_per_clip")
    result["fast"] = fast_rows
    if plain is not None:
        result["plain"] = plain_rows
        ids, scales, seeds = batch_args(2)
        with torch.no_grad():
            reference = plain.infer(torch.tensor(ids, device=device), torch.tensor(scales), seeds).squeeze(1).cpu()
        result["max_abs_difference_fast_vs_plain"] = float((fast(ids, scales, seeds) - reference).abs().max())
    result["peak_memory_mib"] = round(peak_memory_mib(device), 1)

    if device.type == "cuda":
        jobs = batch_args(SUBMISSION_CLIPS)
        start = time.perf_counter()
        for begin in range(0, SUBMISSION_CLIPS, auto):
            fast(*(part[begin : begin + auto] for part in jobs))
        synchronize(device)
        result["submission_seconds"] = round(time.perf_counter() - start, 1)
        print(f"700-clip submission: {result['submission_seconds']} s", flush=True)

    out = args.out or RESULTS / f"inference_{'gpu' if device.type == 'cuda' else 'cpu'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
