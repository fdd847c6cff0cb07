"""Writing scoring results: ``score.json`` (everything), ``score.md`` (per-category table), ``score.png``
(one bar chart per metric). Every file is written atomically."""
from __future__ import annotations

import io
import json
import math
from pathlib import Path

from toolkit.fileio import atomic_write_bytes, atomic_write_text

JSON_NAME, MARKDOWN_NAME, PNG_NAME = "score.json", "score.md", "score.png"


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}".replace("-0.0000", "0.0000")


def _embedding_line(result: dict) -> str:
    settings = ", ".join(f"{k} {v}" for k, v in result["embedding"].items() if k not in ("name", "mode", "weights_sha256"))
    return f"Embedding **{result['embedding']['name']}** ({settings}); mode `{result['mode']}`; reference: {result['reference_kind']}."


def markdown(result: dict) -> str:
    """The per-category table with averages, notes, skipped scorers and classifier quality."""
    metrics = result["metrics"]
    lines = [f"# Scores of `{result['generated_dir']}` against `{result['reference_dir']}`", "", _embedding_line(result), ""]
    lines += [f"> {note}" for note in result["notes"]]
    header = ["category", "clips"] + [f"{name} {'↑' if m['higher_is_better'] else '↓'}" for name, m in metrics.items()]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for category in result["categories"]:
        row = [category, str(result["clips"][category]["generated"])]
        row += [_cell(m["per_category"].get(category)) for m in metrics.values()]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("| **average** | | " + " | ".join(f"**{_cell(m['average'])}**" for m in metrics.values()) + " |")
    fit = metrics.get("fit_accuracy")
    if fit is not None:
        cv = fit["details"].get("classifier_cv_balanced_accuracy")
        lines += ["", f"Category-fit classifier: cross-validated balanced accuracy on real clips "
                      f"{_cell(cv)} ({fit['details'].get('classifier_cv_folds')} folds)."]
    for name, reason in result["skipped"].items():
        lines += ["", f"Skipped `{name}`: {reason}"]
    return "\n".join(lines) + "\n"


def bar_chart(result: dict):
    """One bar chart per metric (categories on the x axis, the average as a dashed line).

    The average is named in the panel's title (a legend would cover bars); a panel whose values are all
    zero or missing gets a 0..1 axis instead of matplotlib's symmetric one around zero."""
    from matplotlib.figure import Figure

    metrics = result["metrics"]
    columns = min(3, max(1, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / columns))
    figure = Figure(figsize=(4.5 * columns, 3.4 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    categories = result["categories"]
    for axis, (name, metric) in zip(axes, metrics.items()):
        values = [metric["per_category"].get(c) for c in categories]
        axis.bar(range(len(categories)), [0.0 if v is None else v for v in values], color="tab:blue")
        title = f"{name} ({'higher' if metric['higher_is_better'] else 'lower'} is better)"
        if metric["average"] is not None:
            axis.axhline(metric["average"], color="tab:red", linestyle="--")
            title += f"\naverage {metric['average']:.3g} (dashed)"
        if not any(v for v in values):
            axis.set_ylim(0, 1)
        axis.set_title(title, fontsize="medium")
        axis.set_xticks(range(len(categories)), categories, rotation=45, ha="right", fontsize="small")
    for axis in axes[len(metrics):]:
        axis.set_visible(False)
    figure.suptitle(f"{result['embedding']['name']} / {result['mode']}")
    return figure


def bar_chart_png(result: dict) -> bytes:
    """PNG bytes of :func:`bar_chart`."""
    buffer = io.BytesIO()
    bar_chart(result).savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def write_reports(result: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write the three outputs into ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    paths = {"json": out_dir / JSON_NAME, "markdown": out_dir / MARKDOWN_NAME, "png": out_dir / PNG_NAME}
    atomic_write_bytes(paths["png"], bar_chart_png(result))
    atomic_write_text(paths["markdown"], markdown(result))
    atomic_write_text(paths["json"], json.dumps(result, indent=2, sort_keys=False) + "\n")
    return paths
