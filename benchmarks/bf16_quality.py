"""Quality guard for CPU bf16 generation, on a trained checkpoint: bf16 against fp32 and against the seed spread.

    python benchmarks/bf16_quality.py --checkpoint recipes/dcase23_task7/exp/demo/checkpoints/last.pt \
        --reference recipes/dcase23_task7/data/demo/valid/manifest.jsonl      # -> results/bf16_quality.json

Generates the same clips three times through ``generate_clips``: fp32 with seed A, bf16 with seed A and
fp32 with seed B. Reports the waveform SNR of bf16 against fp32 (same seeds: pooled over all clips, and the
median and worst clip), and, scored with SoundNet against the reference, |FAD(bf16) - FAD(fp32)| and the
category-fit difference next to the seed spread |FAD(fp32, A) - FAD(fp32, B)| (and the fit's), which is how
much the scores move for reasons that do not matter. bf16 passes when its differences stay within the
seed spread and the SNR is at least 30 dB.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine, load_condition  # noqa: E402

from toolkit.audio import read_audio  # noqa: E402
from toolkit.generate import GenerateOptions, generate_clips  # noqa: E402
from toolkit.generate.writer import MANIFEST  # noqa: E402
from toolkit.numerics import cpu_bf16_flags  # noqa: E402
from toolkit.score.pipeline import ScoreOptions, run_scoring  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MIN_SNR_DB = 30.0


def clips(folder: Path) -> dict[str, np.ndarray]:
    """Every clip of a generation folder by its manifest path."""
    records = [json.loads(line) for line in (folder / MANIFEST).read_text().splitlines()]
    return {r["path"]: read_audio(folder / r["path"])[0] for r in records}


def snr(reference: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> dict:
    per_clip = []
    signal = noise = 0.0
    for path, ref in reference.items():
        diff = other[path].astype(np.float64) - ref
        s, n = float(np.sum(ref.astype(np.float64) ** 2)), float(np.sum(diff**2))
        signal, noise = signal + s, noise + n
        per_clip.append(10 * np.log10(s / n) if n > 0 else float("inf"))
    return {"pooled_db": round(10 * np.log10(signal / noise), 1), "median_clip_db": round(float(np.median(per_clip)), 1),
            "worst_clip_db": round(float(np.min(per_clip)), 1)}


def score(folder: Path, reference: str, out: Path, threads: int | None) -> dict:
    options = ScoreOptions(generated_dir=str(folder / "audio"), reference_dir=reference, out_dir=str(out),
                           embedding="soundnet", scorers=["fad", "fit"], cache_dir=None)
    if threads:
        torch.set_num_threads(threads)
    metrics = run_scoring(options)["metrics"]
    return {"fad": metrics["fad"]["average"], "fit_accuracy": metrics["fit_accuracy"]["average"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, type=Path)
    parser.add_argument("--reference", required=True, help="real clips: an audio folder or a prepared manifest")
    parser.add_argument("--clips-per-category", type=int, default=100)
    parser.add_argument("--noise-scale", type=float, default=0.667)
    parser.add_argument("--seeds", type=int, nargs=2, default=[1234, 4321], metavar=("A", "B"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS / "bf16_quality.json")
    args = parser.parse_args()

    result: dict = {"machine": {**describe_machine(), "cpu_bf16_flags": cpu_bf16_flags()},
                    "load_before": load_condition(), "checkpoint": str(args.checkpoint),
                    "reference": args.reference, "clips_per_category": args.clips_per_category,
                    "noise_scale": args.noise_scale, "seeds": args.seeds, "embedding": "soundnet"}
    runs = {"fp32_seed_a": ("fp32", args.seeds[0]), "bf16_seed_a": ("bf16", args.seeds[0]),
            "fp32_seed_b": ("fp32", args.seeds[1])}
    with tempfile.TemporaryDirectory() as tmp:
        folders, scores = {}, {}
        for name, (precision, seed) in runs.items():
            options = GenerateOptions(checkpoint=str(args.checkpoint), clips_per_category=args.clips_per_category,
                                      noise_scale=args.noise_scale, seed=seed, precision=precision, device="cpu",
                                      threads=args.threads, out_dir=str(Path(tmp) / name))
            folders[name] = generate_clips(tmp, options)
            scores[name] = score(folders[name], args.reference, Path(tmp) / f"score_{name}", args.threads)
            print(name, scores[name], flush=True)
        result["snr_bf16_vs_fp32"] = snr(clips(folders["fp32_seed_a"]), clips(folders["bf16_seed_a"]))
    result["scores"] = scores
    a, b, half = scores["fp32_seed_a"], scores["fp32_seed_b"], scores["bf16_seed_a"]
    result["fad_difference_bf16"] = abs(half["fad"] - a["fad"])
    result["fad_seed_spread"] = abs(a["fad"] - b["fad"])
    result["fit_difference_bf16"] = abs(half["fit_accuracy"] - a["fit_accuracy"])
    result["fit_seed_spread"] = abs(a["fit_accuracy"] - b["fit_accuracy"])
    result["passes"] = bool(result["snr_bf16_vs_fp32"]["pooled_db"] >= MIN_SNR_DB
                            and result["fad_difference_bf16"] <= result["fad_seed_spread"]
                            and result["fit_difference_bf16"] <= result["fit_seed_spread"])
    result["load_after"] = load_condition()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
