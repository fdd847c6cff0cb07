"""Checkpoint x noise-scale selection per category (the VIFS report's procedure, automated).

Every grid point (a checkpoint and a noise scale) generates a set and scores it against the reference;
per category the point with the best selection metric wins. The winners form an ensemble spec
(``{categories: {<Category>: {checkpoint, noise_scale}}}``) that the generate stage accepts as
``generate.ensemble``. Grid points already generated and scored are reused, so an interrupted selection
resumes where it stopped. Scores are kept per scoring settings (``grid/<point>/score_<hash>/``): other
settings score the grid point's clips again, without generating them again.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import yaml
from tqdm import tqdm

from toolkit.errors import ConfigError, DataError
from toolkit.fileio import atomic_write_text
from toolkit.generate import GenerateOptions, generate_clips
from toolkit.score.inputs import generated_record
from toolkit.score.layout import score_dir_for
from toolkit.score.pipeline import ScoreOptions, run_scoring
from toolkit.score.report import JSON_NAME
from toolkit.train.checkpoint import CheckpointManager

logger = logging.getLogger(__name__)

ENSEMBLE_NAME, SELECTION_JSON, SELECTION_MD = "ensemble.yaml", "selection.json", "selection.md"


@dataclass(frozen=True)
class GridPoint:
    checkpoint: Path
    noise_scale: float

    @property
    def name(self) -> str:
        return f"{self.checkpoint.stem}_ns{self.noise_scale:g}"


def grid_checkpoints(exp_dir: str | Path, checkpoints: Sequence[str] | None, last: int) -> list[Path]:
    """The named checkpoints (files, or names under ``<exp_dir>/checkpoints``), else the ``last`` newest step files."""
    manager = CheckpointManager(exp_dir)
    if checkpoints:
        paths = []
        for name in checkpoints:
            path = Path(name)
            if not path.is_file():
                path = manager.directory / (name if name.endswith(".pt") else f"{name}.pt")
            if not path.is_file():
                raise ConfigError(f"select.checkpoints: no checkpoint {name} (looked in {manager.directory})")
            paths.append(path)
        return paths
    steps = manager.step_checkpoints()
    if not steps:
        raise DataError(f"no step checkpoints in {manager.directory}; train first (stage 3)")
    return steps[-last:]


def select_ensemble(
    exp_dir: str | Path,
    out_dir: str | Path,
    checkpoints: Sequence[Path],
    noise_scales: Sequence[float],
    generate: GenerateOptions,
    score: ScoreOptions,
    metric: str = "fad",
) -> dict:
    """Generate and score every grid point, choose per category, write the ensemble spec and the tables."""
    if not noise_scales:
        raise ConfigError("select.noise_scales is empty; give at least one noise scale")
    out_dir = Path(out_dir)
    grid = [GridPoint(Path(c).resolve(), float(s)) for c in checkpoints for s in noise_scales]
    results = {}
    with tqdm(grid, desc="select", unit="point", dynamic_ncols=True) as bar:  # one bar; the points' own stay hidden
        for point in bar:
            bar.set_postfix_str(point.name)
            results[point.name] = _score_point(exp_dir, out_dir / "grid" / point.name, point, generate, score)

    first = next(iter(results.values()))
    if metric not in first["metrics"]:
        raise ConfigError(f"select.metric '{metric}' was not computed; computed: {', '.join(first['metrics'])}")
    higher_is_better = first["metrics"][metric]["higher_is_better"]
    chosen = {}
    for category in first["categories"]:
        values = {name: r["metrics"][metric]["per_category"].get(category) for name, r in results.items()}
        values = {name: v for name, v in values.items() if v is not None}
        best = (max if higher_is_better else min)(values, key=values.get)
        point = next(p for p in grid if p.name == best)
        chosen[category] = {"checkpoint": str(point.checkpoint), "noise_scale": point.noise_scale, metric: values[best]}
    generated = generated_record(out_dir / "grid" / grid[0].name / "gen").get("categories") or first["categories"]
    missing = [c for c in generated if c not in chosen]
    if missing:
        raise DataError(f"selection scored no clips of {', '.join(missing)}; an ensemble needs every category it generates")

    ensemble = {"categories": {c: {"checkpoint": v["checkpoint"], "noise_scale": v["noise_scale"]} for c, v in chosen.items()}}
    selection = {
        "metric": metric,
        "higher_is_better": higher_is_better,
        "embedding": first["embedding"],
        "grid": {name: r["metrics"][metric]["per_category"] for name, r in results.items()},
        "chosen": chosen,
    }
    atomic_write_text(out_dir / SELECTION_JSON, json.dumps(selection, indent=2) + "\n")
    atomic_write_text(out_dir / SELECTION_MD, selection_markdown(selection))
    atomic_write_text(out_dir / ENSEMBLE_NAME, yaml.safe_dump(ensemble, sort_keys=False))
    logger.info("wrote %s (%d grid points)", out_dir / ENSEMBLE_NAME, len(grid))
    return selection


def _score_point(exp_dir, point_dir: Path, point: GridPoint, generate: GenerateOptions, score: ScoreOptions) -> dict:
    score_dir = score_dir_for(point_dir, score)
    if (score_dir / JSON_NAME).is_file():
        logger.info("grid point %s already scored with these settings (%s)", point.name, score_dir / JSON_NAME)
        return json.loads((score_dir / JSON_NAME).read_text(encoding="utf-8"))
    logger.info("grid point %s: generating (unless generated before) and scoring", point.name)
    gen_dir = generate_clips(exp_dir, replace(generate, checkpoint=str(point.checkpoint), noise_scale=point.noise_scale,
                                              ensemble=None, out_dir=str(point_dir / "gen")), progress=False)
    return run_scoring(replace(score, generated_dir=str(gen_dir / "audio"), out_dir=str(score_dir)), progress=False)


def selection_markdown(selection: dict) -> str:
    """The grid (rows: grid points, columns: categories) and the choice per category."""
    metric, arrow = selection["metric"], "↑" if selection["higher_is_better"] else "↓"
    categories = list(selection["chosen"])
    lines = [f"# Selection by {metric} {arrow} ({selection['embedding']['name']})", "",
             "| grid point | " + " | ".join(categories) + " |", "|---|" + "---|" * len(categories)]
    for name, values in selection["grid"].items():
        lines.append(f"| {name} | " + " | ".join(f"{values.get(c, float('nan')):.4f}" for c in categories) + " |")
    lines += ["", "| category | checkpoint | noise scale | " + metric + " |", "|---|---|---|---|"]
    for category, choice in selection["chosen"].items():
        lines.append(f"| {category} | {Path(choice['checkpoint']).name} | {choice['noise_scale']:g} | {choice[metric]:.4f} |")
    return "\n".join(lines) + "\n"
