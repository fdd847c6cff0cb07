"""Side-by-side scores of an experiment's generated sets (``<exp>/gen_*/score_<hash>/score.json``).

Rows are generated sets (checkpoint, noise scale); columns are the metrics' averages, then the per-category
values of FAD and category fit. Used to show learning (``initial`` = the untrained model vs ``last``) and
to compare checkpoints or ensembles. Sets scored with different embeddings or modes go into separate tables.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from toolkit.fileio import atomic_write_text
from toolkit.score.layout import score_files
from toolkit.score.set_names import read_options, set_names

PER_CATEGORY_METRICS = ("fad", "fit_accuracy")


def collect(exp_dir: str | Path, keep: Callable[[dict], bool] | None = None) -> dict[str, dict[str, dict]]:
    """``{embedding (mode): {name: score.json contents}}`` for every scored set of the experiment
    (``gen_*/score_*/``), oldest first, under unique set names (:func:`set_names`); with ``keep``, only the
    sets whose generation options (``generate.yaml``, as a dict) it accepts. Two scorings of one set in one
    table are told apart by their folders."""
    found = sorted((path for gen in Path(exp_dir).glob("gen_*") for path in score_files(gen)),
                   key=lambda p: p.stat().st_mtime)
    if keep is not None:
        found = [path for path in found if keep(read_options(path.parent.parent))]
    names = set_names([path.parent.parent for path in found])
    entries = [(names[path.parent.parent], path, json.loads(path.read_text(encoding="utf-8"))) for path in found]
    keys = [(label, _scoring(result)) for label, _, result in entries]
    groups: dict[str, dict[str, dict]] = {}
    for (label, scoring), (_, path, result) in zip(keys, entries):
        if keys.count((label, scoring)) > 1:
            label = f"{label} ({path.parent.parent.name}/{path.parent.name})"
        groups.setdefault(scoring, {})[label] = result
    return groups


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _scoring(result: dict) -> str:
    return f"{result['embedding']['name']} ({result['mode']})"


def comparison_markdown(groups: dict[str, dict[str, dict]]) -> str:
    """One section per embedding and mode (their values are not comparable), each with the averages and
    the per-category values of FAD and category fit."""
    lines = ["# Scores side by side", ""]
    lines.append("Values are comparable only within one table: each embedding and mode has its own.")
    for scoring, results in groups.items():
        lines += ["", *_group_markdown(scoring, results)]
    return "\n".join(lines) + "\n"


def _group_markdown(scoring: str, results: dict[str, dict]) -> list[str]:
    metrics = list(dict.fromkeys(name for r in results.values() for name in r["metrics"]))
    arrows = {name: "↑" if r["metrics"][name]["higher_is_better"] else "↓"
              for r in results.values() for name in r["metrics"]}
    lines = [f"## Embedding {scoring}", "",
             "| generated set | " + " | ".join(f"{m} {arrows[m]}" for m in metrics) + " |",
             "|---|" + "---|" * len(metrics)]
    for label, result in results.items():
        lines.append(f"| {label} | " + " | ".join(_cell(result["metrics"].get(m, {}).get("average")) for m in metrics) + " |")
    for metric in (m for m in PER_CATEGORY_METRICS if m in metrics):
        categories = list(dict.fromkeys(c for r in results.values() for c in r["categories"]))
        lines += ["", f"### {metric} {arrows[metric]} per category ({scoring})", "",
                  "| generated set | " + " | ".join(categories) + " |", "|---|" + "---|" * len(categories)]
        for label, result in results.items():
            values = result["metrics"].get(metric, {}).get("per_category", {})
            lines.append(f"| {label} | " + " | ".join(_cell(values.get(c)) for c in categories) + " |")
    return lines


def write_comparison(exp_dir: str | Path) -> str | None:
    """Write ``<exp>/scores.md`` and ``scores.json`` (``{embedding (mode): {set: {metric: average}}}``);
    returns the Markdown (None when nothing is scored)."""
    groups = collect(exp_dir)
    if not groups:
        return None
    text = comparison_markdown(groups)
    summary = {scoring: {label: {name: m["average"] for name, m in result["metrics"].items()}
                         for label, result in results.items()}
               for scoring, results in groups.items()}
    atomic_write_text(Path(exp_dir) / "scores.md", text)
    atomic_write_text(Path(exp_dir) / "scores.json", json.dumps(summary, indent=2) + "\n")
    return text
