"""Side-by-side scores of an experiment's generated sets (``<exp>/gen_*/score/score.json``).

Rows are generated sets (checkpoint, noise scale); columns are the metrics' averages, then the per-category
values of FAD and category fit. Used to show learning (``initial`` = the untrained model vs ``last``) and
to compare checkpoints or ensembles.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import yaml

from toolkit.fileio import atomic_write_text
from toolkit.score.report import JSON_NAME

PER_CATEGORY_METRICS = ("fad", "fit_accuracy")


def _options(gen_dir: Path) -> dict:
    options_file = gen_dir / "generate.yaml"
    if not options_file.is_file():
        return {}
    return yaml.safe_load(options_file.read_text(encoding="utf-8")) or {}


def _label(gen_dir: Path) -> str:
    options = _options(gen_dir)
    if not options:
        return gen_dir.name
    if options.get("ensemble"):
        return f"{gen_dir.name} (ensemble {Path(options['ensemble']).name})"
    checkpoints = set((options.get("checkpoints") or {}).values())
    scales = sorted(set((options.get("noise_scales") or {}).values()))
    checkpoint = Path(next(iter(checkpoints))).stem if len(checkpoints) == 1 else "several checkpoints"
    return f"{checkpoint}, noise {'/'.join(f'{s:g}' for s in scales)}"


def collect(exp_dir: str | Path, keep: Callable[[dict], bool] | None = None) -> dict[str, dict]:
    """``{label: score.json contents}`` for every scored set of the experiment, oldest first; with ``keep``,
    only the sets whose generation options (``generate.yaml``, as a dict) it accepts."""
    found = sorted(Path(exp_dir).glob(f"gen_*/score/{JSON_NAME}"), key=lambda p: p.stat().st_mtime)
    if keep is not None:
        found = [path for path in found if keep(_options(path.parent.parent))]
    return {_label(path.parent.parent): json.loads(path.read_text(encoding="utf-8")) for path in found}


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def comparison_markdown(results: dict[str, dict]) -> str:
    metrics = list(dict.fromkeys(name for r in results.values() for name in r["metrics"]))
    arrows = {name: "↑" if r["metrics"][name]["higher_is_better"] else "↓"
              for r in results.values() for name in r["metrics"]}
    embeddings = sorted({f"{r['embedding']['name']} ({r['mode']})" for r in results.values()})
    lines = [f"# Scores side by side (embedding {', '.join(embeddings)})", "",
             "| generated set | " + " | ".join(f"{m} {arrows[m]}" for m in metrics) + " |",
             "|---|" + "---|" * len(metrics)]
    for label, result in results.items():
        lines.append(f"| {label} | " + " | ".join(_cell(result["metrics"].get(m, {}).get("average")) for m in metrics) + " |")
    for metric in (m for m in PER_CATEGORY_METRICS if m in metrics):
        categories = list(dict.fromkeys(c for r in results.values() for c in r["categories"]))
        lines += ["", f"## {metric} {arrows[metric]} per category", "",
                  "| generated set | " + " | ".join(categories) + " |", "|---|" + "---|" * len(categories)]
        for label, result in results.items():
            values = result["metrics"].get(metric, {}).get("per_category", {})
            lines.append(f"| {label} | " + " | ".join(_cell(values.get(c)) for c in categories) + " |")
    return "\n".join(lines) + "\n"


def write_comparison(exp_dir: str | Path) -> str | None:
    """Write ``<exp>/scores.md`` and ``scores.json``; returns the Markdown (None when nothing is scored)."""
    results = collect(exp_dir)
    if not results:
        return None
    text = comparison_markdown(results)
    summary = {label: {name: m["average"] for name, m in r["metrics"].items()} for label, r in results.items()}
    atomic_write_text(Path(exp_dir) / "scores.md", text)
    atomic_write_text(Path(exp_dir) / "scores.json", json.dumps(summary, indent=2) + "\n")
    return text
