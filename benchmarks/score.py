"""Benchmark: seconds to embed and score 700 clips (100 per category) on CPU, cold embedding cache.

Runs VGGish (random weights: the timing does not depend on them) in dcase2023 mode (10 examples per
clip, 7,000 in all) and standard mode (4 per clip, 2,800), and SoundNet (conv5 frames). The 700 clips
are perturbed copies of ../shared/data/realclips when present (noise bursts otherwise), written to a
temporary folder. For each embedding:

* ``embed_seconds``: embedding the 700 files into a fresh cache (file reading, front end, network);
* ``score_seconds``: the full ``run_scoring`` afterwards (validation, hashing, cache reads, every
  scorer with the set as its own reference, the three reports).

Writes benchmarks/results/score_cpu.json with a machine description. Targets on 2 cores: VGGish
dcase2023 <= 150 s, SoundNet <= 60 s (embedding).

    python benchmarks/score.py [--per-category 100] [--embeddings vggish_dcase2023 vggish_standard soundnet]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

from toolkit.dcase import CATEGORIES, CLIP_SAMPLES, SAMPLE_RATE  # noqa: E402
from toolkit.fileio import atomic_write_text  # noqa: E402
from toolkit.score.cache import EmbeddingCache  # noqa: E402
from toolkit.score.inputs import find_audio_set  # noqa: E402
from toolkit.score.pipeline import ScoreOptions, build_embedding, embed_audio_set, run_scoring, use_all_cores  # noqa: E402
from toolkit.score.vggish import VGGish  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REALCLIPS = Path(os.environ.get("FOLEY_SHARED_DATA", REPO.parent / "shared" / "data")) / "realclips"
RUNS = {
    "vggish_dcase2023": ("vggish", "dcase2023"),
    "vggish_standard": ("vggish", "standard"),
    "soundnet": ("soundnet", "standard"),
}


def _sources(category: str, rng: np.random.Generator) -> list[np.ndarray]:
    folder = REALCLIPS / category
    if folder.is_dir():
        return [sf.read(path, dtype="float64")[0] for path in sorted(folder.glob("*.wav"))]
    envelope = np.exp(-np.linspace(0, 8, CLIP_SAMPLES))
    return [0.3 * envelope * rng.standard_normal(CLIP_SAMPLES) for _ in range(4)]


def write_clips(root: Path, per_category: int, seed: int = 0) -> Path:
    """``per_category`` perturbed clips per category (gain, shift and noise), PCM_16 22,050 Hz mono 4 s."""
    rng = np.random.default_rng(seed)
    for category in CATEGORIES:
        sources = _sources(category, rng)
        (root / category).mkdir(parents=True)
        for index in range(per_category):
            clip = np.roll(sources[index % len(sources)], int(rng.integers(0, 2000)))
            clip = clip * rng.uniform(0.5, 1.0) + 0.003 * rng.standard_normal(CLIP_SAMPLES)
            sf.write(root / category / f"{index + 1:04d}.wav", np.clip(clip, -1, 1), SAMPLE_RATE, subtype="PCM_16")
    return root


def bench(name: str, clips: Path, work: Path, weights: Path) -> dict:
    embedding_name, mode = RUNS[name]
    options = ScoreOptions(
        generated_dir=str(clips), reference_dir=str(clips), out_dir=str(work / f"out_{name}"),
        embedding=embedding_name, mode=mode, vggish_weights=str(weights), cache_dir=str(work / f"cache_{name}"),
    )
    embedding = build_embedding(options)
    audio = find_audio_set(clips, "generated")
    cache = EmbeddingCache(options.cache_dir, embedding.settings, embedding.dim)
    start = time.perf_counter()
    embedded = embed_audio_set(embedding, audio, cache, f"benchmark {name}")
    embed_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = run_scoring(options)
    score_seconds = time.perf_counter() - start
    rows = sum(e.examples.shape[0] for e in embedded.values())
    return {
        "embedding": embedding.settings,
        "clips": len(audio.all_files()),
        "rows": rows,
        "embed_seconds": round(embed_seconds, 2),
        "rows_per_second": round(rows / embed_seconds, 1),
        "score_seconds": round(score_seconds, 2),
        "metrics": list(result["metrics"]),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--embeddings", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "score_cpu.json"))
    args = parser.parse_args(argv)
    threads = use_all_cores(os.cpu_count())
    results = {"benchmark": "score", "threads": threads, "per_category": args.per_category,
               "source_clips": "realclips" if REALCLIPS.is_dir() else "synthetic noise bursts", "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench_score_") as tmp:
        work = Path(tmp)
        clips = write_clips(work / "clips", args.per_category)
        weights = work / "vggish-random.pth"
        torch.manual_seed(0)
        torch.save(VGGish().state_dict(), weights)
        for name in args.embeddings:
            results["runs"][name] = bench(name, clips, work, weights)
            print(name, json.dumps(results["runs"][name]), flush=True)
    results["machine"] = describe_machine()
    atomic_write_text(args.out, json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
