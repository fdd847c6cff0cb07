"""Does the toolkit learn real recordings? Train on 75 % of a dataset, score against the 25 % held out.

    python benchmarks/learning.py DATASET_DIR [--steps 600] [--clips-per-category 20] [--seeds 1234 4321]
                                             [--work DIR] [--out FILE.json] [hydra overrides...]

DATASET_DIR is any folder the recipe prepares (``<Category>/<clip>.wav``, any format the prepare stage
converts). The recipe (recipes/dcase23_task7/run.sh, stages 0-3) splits it with a stratified 25 % hold-out
per category fixed by ``--split-seed`` and trains the demo-size model (``--experiment``, default
``vifs_demo``) for ``--steps`` steps on the CPU. Then, for each generation seed, the untrained and the
trained model generate ``--clips-per-category`` clips per category, and every set is scored against the
hold-out with the scoring embedding (SoundNet):

- pooled FAD and KAD (all categories' embedding rows together);
- category fit: the share of clips a classifier trained on the hold-out puts in their own category, per
  category, against chance (1 / categories);
- level, quiet share and within-category correlation (:mod:`toolkit.score.quality`).

It also writes the run's report page (``WORK/exp/learning/report/index.html``): the generated clips next
to the hold-out's.

The **floor** is the training clips scored the same way against the hold-out: what real clips of this
dataset score. **Pass** (stated in the JSON): on FAD and on KAD, trained is closer to the floor than
untrained by more than the spread over the generation seeds (the larger of the two models' max - min).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import describe_machine  # noqa: E402
from toolkit.generate.pipeline import GenerateOptions, generate_clips  # noqa: E402
from toolkit.report.gallery import write_report  # noqa: E402
from toolkit.score.cache import EmbeddingCache  # noqa: E402
from toolkit.score.fit import CategoryClassifier  # noqa: E402
from toolkit.score.frechet import frechet_distance  # noqa: E402
from toolkit.score.inputs import AudioSet, find_audio_set  # noqa: E402
from toolkit.score.kernel import kernel_distance  # noqa: E402
from toolkit.score.pipeline import ScoreOptions, build_embedding, embed_audio_set  # noqa: E402
from toolkit.score.quality import set_quality  # noqa: E402
from toolkit.score.stats import Gaussian  # noqa: E402

RECIPE = REPO / "recipes" / "dcase23_task7"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "learning_cpu.json"
METRICS = ("fad", "kad")


def _run_recipe(args: argparse.Namespace, work: Path) -> float:
    """Stages 0-3 of the recipe into ``work``; returns the wall-clock seconds of the whole call."""
    command = [
        "./run.sh", "--dataset", str(Path(args.dataset_dir).resolve()), "--tag", "learning",
        "--experiment", args.experiment, "--stop-stage", "3",
        "--datadir", str(work / "data"), "--dumpdir", str(work / "dump"), "--expdir", str(work / "exp"),
        "data.valid_fraction=0.25", f"data.split_seed={args.split_seed}", f"train.max_steps={args.steps}",
        "train.valid_interval=null", f"train.checkpoint_interval={args.steps}", *args.overrides,
    ]
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    start = time.perf_counter()
    subprocess.run(command, cwd=RECIPE, env=env, check=True)
    return time.perf_counter() - start


def _embed(embedding, cache, audio: AudioSet, what: str) -> dict:
    return embed_audio_set(embedding, audio, cache, what)


def score_set(embedded: dict, reference: dict, classifier: CategoryClassifier, audio: AudioSet) -> dict:
    """Pooled FAD and KAD against the hold-out, category fit, and the signal measures of one set."""
    rows = np.concatenate([embedded[name].examples for name in embedded])
    reference_rows = np.concatenate([reference[name].examples for name in reference])
    real = Gaussian.of(reference_rows)
    mine = Gaussian.of(rows)
    fit = {name: classifier.accuracy(name, embedded[name].clips) for name in embedded}
    chance = 1.0 / len(classifier.labels)
    quality = set_quality(audio)
    return {
        "fad": frechet_distance(real.mu, real.sigma, mine.mu, mine.sigma),
        "kad": kernel_distance(reference_rows, rows),
        "fit_per_category": fit,
        "fit_above_chance": sum(value > chance for value in fit.values()),
        "quality": quality,
    }


def spread(values: list[float]) -> float:
    return float(max(values) - min(values)) if len(values) > 1 else 0.0


def verdict(floor: dict, untrained: list[dict], trained: list[dict]) -> dict:
    """Per metric: distances to the floor, the seed spread, and whether trained beats untrained by more."""
    result = {}
    for metric in METRICS:
        u = [s[metric] for s in untrained]
        t = [s[metric] for s in trained]
        gap_untrained = float(np.mean(u) - floor[metric])
        gap_trained = float(np.mean(t) - floor[metric])
        noise = max(spread(u), spread(t))
        result[metric] = {
            "floor": floor[metric], "untrained": u, "trained": t,
            "untrained_to_floor": gap_untrained, "trained_to_floor": gap_trained,
            "improvement": gap_untrained - gap_trained, "seed_spread": noise,
            "passed": gap_untrained - gap_trained > noise,
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset_dir", help="dataset folder in the DCASE layout (<Category>/<clip>.wav)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the recipe (e.g. model.* sizes)")
    parser.add_argument("--steps", type=int, default=600, help="training steps (the CPU budget)")
    parser.add_argument("--experiment", default="vifs_demo", help="recipe preset conf/experiment/NAME.yaml (recipes/TEMPLATE/conf)")
    parser.add_argument("--clips-per-category", type=int, default=20, help="generated clips per category and seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1234, 4321], help="generation seeds")
    parser.add_argument("--noise-scale", type=float, default=None, help="generation noise scale [the experiment's generate.noise_scale]")
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the stratified 25 %% hold-out")
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "work" / "learning",
                        help="folder for the data, features, checkpoints and generated sets")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_intermixed_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    cpu_start = resource.getrusage(resource.RUSAGE_CHILDREN)
    train_seconds = _run_recipe(args, work)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    dataset_name = next(p.name for p in (work / "data").iterdir() if (p / "train" / "manifest.jsonl").is_file())
    data_dir = work / "data" / dataset_name
    exp = work / "exp" / "learning"

    embedding = build_embedding(ScoreOptions(generated_dir="", reference_dir="", out_dir=""))
    cache = EmbeddingCache(work / "embedding_cache", embedding.settings, embedding.dim)
    holdout_audio = find_audio_set(data_dir / "valid" / "manifest.jsonl", "hold-out")
    train_audio = find_audio_set(data_dir / "train" / "manifest.jsonl", "training clips")
    holdout = _embed(embedding, cache, holdout_audio, "hold-out")
    classifier = CategoryClassifier.train({name: e.clips for name, e in holdout.items()})
    floor = score_set(_embed(embedding, cache, train_audio, "training clips"), holdout, classifier, train_audio)

    if args.noise_scale is None:  # the experiment's own generation setting (e.g. the demo preset's)
        args.noise_scale = float(OmegaConf.load(exp / "config.yaml").generate.noise_scale)
    sets: dict[str, list[dict]] = {"untrained": [], "trained": []}
    for seed in args.seeds:
        for label, checkpoint in (("untrained", "initial"), ("trained", "last")):
            options = GenerateOptions(checkpoint=str(exp / "checkpoints" / f"{checkpoint}.pt"),
                                      clips_per_category=args.clips_per_category, seed=seed,
                                      out_dir=str(exp / f"gen_{checkpoint}_seed{seed}"))
            options.noise_scale = args.noise_scale
            gen_dir = generate_clips(exp, options)
            audio = find_audio_set(gen_dir / "audio", label)
            scored = score_set(_embed(embedding, cache, audio, f"{label} seed {seed}"), holdout, classifier, audio)
            sets[label].append({"seed": seed, "audio": str(gen_dir / "audio"), **scored})

    result = {
        "benchmark": "learning: trained vs untrained vs floor on a stratified 25 % hold-out",
        "dataset": str(Path(args.dataset_dir).resolve()),
        "clips": {"train": {n: len(p) for n, p in train_audio.files.items()},
                  "hold_out": {n: len(p) for n, p in holdout_audio.files.items()}},
        "settings": {"experiment": args.experiment, "steps": args.steps, "overrides": args.overrides,
                     "clips_per_category": args.clips_per_category, "seeds": args.seeds,
                     "noise_scale": args.noise_scale, "split_seed": args.split_seed,
                     "embedding": embedding.settings, "chance": 1.0 / len(classifier.labels),
                     "classifier_cv_balanced_accuracy": classifier.cv_balanced_accuracy},
        "cpu_budget": {"recipe_wall_s": round(train_seconds, 1),
                       "recipe_cpu_s": round((cpu.ru_utime + cpu.ru_stime)
                                             - (cpu_start.ru_utime + cpu_start.ru_stime), 1)},
        "machine": describe_machine(),
        "pass_criterion": "on FAD and on KAD: (untrained - floor) - (trained - floor) > the seed spread "
                          "(max - min over generation seeds, the larger of untrained and trained)",
        "floor": floor,
        "untrained": sets["untrained"],
        "trained": sets["trained"],
        "verdict": verdict(floor, sets["untrained"], sets["trained"]),
    }
    result["passed"] = all(v["passed"] for v in result["verdict"].values())
    # the run's report page: its generated clips next to the hold-out's, under the work folder (never
    # committed: it copies clips of the dataset)
    result["report"] = str(write_report(exp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for metric, v in result["verdict"].items():
        print(f"{metric.upper()}: floor {v['floor']:.3f}, untrained {np.mean(v['untrained']):.3f}, trained "
              f"{np.mean(v['trained']):.3f}, seed spread {v['seed_spread']:.3f} -> {'PASS' if v['passed'] else 'FAIL'}")
    fit = {label: [s["fit_above_chance"] for s in sets[label]] for label in sets}
    print(f"category fit above chance (of {len(result['clips']['hold_out'])}): floor {floor['fit_above_chance']}, "
          f"untrained {fit['untrained']}, trained {fit['trained']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
