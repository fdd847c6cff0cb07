"""The experiment report: one static page with scores, training curves and a per-category clip gallery.

Written under ``out`` (default ``exp/<tag>/report``): ``index.html`` plus ``clips/``, ``mels/``,
``curves/`` and ``scores/`` with relative links, so the folder can be zipped and opened from disk.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from matplotlib.figure import Figure
from tqdm import tqdm

from toolkit.categories import category_label, merged_names
from toolkit.errors import DataError
from toolkit.report.experiment import Experiment, Generation, Scalars, read_experiment
from toolkit.report.html import page, relative_url, safe_name, save_figure, table, write_page
from toolkit.report.media import copy_file, write_mel_png

logger = logging.getLogger(__name__)

REAL = "real"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def curve_groups(scalars: Scalars) -> dict[str, list[str]]:
    """Tags grouped by their first path part (``loss/g/mel`` -> ``loss``); tags without one go to ``scalars``."""
    groups: dict[str, list[str]] = {}
    for tag in sorted(scalars):
        groups.setdefault(tag.split("/", 1)[0] if "/" in tag else "scalars", []).append(tag)
    return groups


def write_curves(scalars: Scalars, folder: Path) -> list[tuple[str, Path]]:
    """One PNG per tag group (steps on x); returns ``[(group, png), ...]``."""
    written = []
    for group, tags in curve_groups(scalars).items():
        figure = Figure(figsize=(7, 3.2))
        axes = figure.add_subplot()
        for tag in tags:
            steps, values = zip(*scalars[tag]) if scalars[tag] else ((), ())
            axes.plot(steps, values, label=tag, linewidth=1)
        axes.set_xlabel("step")
        axes.set_title(group)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7, loc="best")
        target = folder / f"{safe_name(group)}.png"
        save_figure(figure, target)
        written.append((group, target))
    return written


def score_tables(generations: list[Generation]) -> str:
    """Per metric a table (categories x generations), then the non-category numbers; generations side by side."""
    scored = [g for g in generations if g.metrics or g.summary]
    if not scored:
        return "<p>No scores found.</p>\n"
    names = [g.name for g in scored]
    categories = merged_names(g.metrics for g in scored)
    metrics = list(dict.fromkeys(m for g in scored for cat in categories for m in g.metrics.get(cat, {})))
    html = []
    for metric in metrics:
        rows = [
            [category_label(cat)] + [_number(g.metrics.get(cat, {}).get(metric)) for g in scored]
            for cat in categories if any(metric in g.metrics.get(cat, {}) for g in scored)
        ]
        html.append(table(["Category", *names], rows, caption=f"{metric} per category"))
    summary_names = list(dict.fromkeys(m for g in scored for m in g.summary))
    if summary_names:
        rows = [[name] + [_number(g.summary.get(name)) for g in scored] for name in summary_names]
        html.append(table(["Value", *names], rows, caption="Other values in score.json"))
    return "".join(html)


class ReportWriter:
    """Copies media next to the page and renders its sections."""

    def __init__(self, exp: Experiment, out: Path):
        self.exp, self.out = exp, out

    def url(self, path: Path) -> str:
        return escape(relative_url(path, self.out))

    def clip_figure(self, source: Path, column: str, category: str, caption: str) -> str:
        clip = self.out / "clips" / safe_name(column) / category / source.name
        mel = self.out / "mels" / safe_name(column) / category / f"{source.stem}.png"
        copy_file(source, clip)
        write_mel_png(source, mel)
        label = f"{category_label(category)}, {column}, {source.name}"
        return (
            f"<figure class=\"clip\"><audio controls preload=\"none\" src=\"{self.url(clip)}\" "
            f"aria-label=\"Play {escape(label)}\"></audio>\n"
            f"<img src=\"{self.url(mel)}\" alt=\"Mel spectrogram of {escape(label)}\" width=\"256\" height=\"128\">\n"
            f"<figcaption>{escape(caption)}</figcaption></figure>\n"
        )

    def gallery(self, count: int) -> str:
        columns: list[tuple[str, dict[str, list[Path]], Generation | None]] = []
        if self.exp.real:
            columns.append((REAL, self.exp.real, None))
        columns += [(g.name, g.clips, g) for g in self.exp.generations]
        categories = merged_names(clips for _, clips, _ in columns)
        jobs = [(name, cat, clip, gen) for name, clips, gen in columns for cat in categories
                for clip in clips.get(cat, [])[:count]]
        figures: dict[tuple[str, str], list[str]] = {}
        for name, category, clip, gen in tqdm(jobs, desc="report clips", unit="clip"):
            row = gen.describe(clip) if gen else {}
            details = [clip.name] + [f"{k} {row[k]}" for k in ("seed", "noise_scale", "checkpoint") if k in row]
            figures.setdefault((name, category), []).append(self.clip_figure(clip, name, category, ", ".join(details)))
        html = []
        for category in categories:
            if not any((name, category) in figures for name, _, _ in columns):
                continue
            html.append(f"<section aria-labelledby=\"g-{category}\"><h3 id=\"g-{category}\">"
                        f"{escape(category_label(category))}</h3>\n<div class=\"row\">\n")
            for name, _, _ in columns:
                heading = "Real clips" if name == REAL else f"Generated: {name}"
                body = "".join(figures.get((name, category), [])) or "<p class=\"muted\">No clips.</p>"
                html.append(f"<div class=\"column\"><h4>{escape(heading)}</h4>\n{body}</div>\n")
            html.append("</div></section>\n")
        return "".join(html) or "<p>No clips to show.</p>\n"

    def scores(self) -> str:
        html = [score_tables(self.exp.generations)]
        for gen in self.exp.generations:
            if gen.score_png:
                target = self.out / "scores" / f"{safe_name(gen.name)}.png"
                copy_file(gen.score_png, target)
                html.append(f"<figure><img src=\"{self.url(target)}\" alt=\"Score chart of {escape(gen.name)}\">"
                            f"<figcaption>{escape(gen.name)}: score.png</figcaption></figure>\n")
        return "".join(html)

    def quality(self) -> str:
        """The audibility and variety figures of ``quality.json`` (toolkit quality) with the targets."""
        result = self.exp.quality
        rows = [[name, f"{r['level_dbfs']:.1f} ({r['real_level_dbfs']:.1f})",
                 f"{r['quiet_share']:.2f} ({r['real_quiet_share']:.2f})",
                 _number(r["pairwise_correlation"]), _number(r["fit_accuracy"])]
                for name, r in result["categories"].items()]
        checks = "".join(f"<li>{'PASS' if c['passed'] else 'FAIL'} {escape(name)}: {escape(c['value'])} "
                         f"({escape(c['target'])})</li>" for name, c in result["checks"].items())
        return (f"<p>Generated set {escape(Path(result.get('generated_dir', '')).name)} against the real clips "
                "(in brackets). Level: RMS dBFS after DC removal; quiet: share of samples below −60 dBFS; "
                "correlation: mean over pairs of clips (real recordings: about 0). A small model trained for "
                "minutes on a CPU is a pipeline check, not a sound generator: see docs/learning.md.</p>\n"
                + table(["Category", "Level dBFS (real)", "Quiet share (real)", "Pairwise correlation", "Category fit"],
                        rows)
                + f"<ul>{checks}</ul>\n")

    def curves(self) -> str:
        if not self.exp.scalars:
            return "<p>No training curves (no TensorBoard scalars found).</p>\n"
        return "".join(
            f"<figure><img src=\"{self.url(png)}\" alt=\"Training curves: {escape(group)}\">"
            f"<figcaption>{escape(group)}</figcaption></figure>\n"
            for group, png in write_curves(self.exp.scalars, self.out / "curves")
        )

    def checkpoints(self) -> str:
        if not self.exp.checkpoints:
            return "<p>No checkpoints.</p>\n"
        rows = [[p.name, f"{p.stat().st_size / 2**20:.1f}",
                 datetime.fromtimestamp(p.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M")]
                for p in self.exp.checkpoints]
        return table(["Checkpoint", "Size (MiB)", "Written (UTC)"], rows)

    def render(self, count: int) -> str:
        exp = self.exp
        title = f"Experiment {exp.path.name}"
        missing = "".join(f"<li>{escape(m)}</li>" for m in exp.missing)
        parts = [
            f"<main>\n<h1>{escape(title)}</h1>\n<p class=\"muted\">{escape(str(exp.path.resolve()))}; report written "
            f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC.</p>\n",
            f"<section class=\"notes\" aria-labelledby=\"missing\"><h2 id=\"missing\">Missing parts</h2>"
            f"<ul>{missing}</ul></section>\n" if missing else "",
            f"<h2>Scores</h2>\n{self.scores()}",
            f"<h2>Audibility and variety</h2>\n{self.quality()}" if exp.quality else "",
            f"<h2>Training curves</h2>\n{self.curves()}",
            f"<h2>Checkpoints</h2>\n{self.checkpoints()}",
        ]
        if exp.ensemble_text:
            parts.append(f"<h2>Ensemble (select/ensemble.yaml)</h2>\n<pre>{escape(exp.ensemble_text)}</pre>\n")
        real = f" Real clips from {escape(exp.real_source)}." if exp.real_source else ""
        parts.append(f"<h2>Gallery</h2>\n<p>Up to {count} clips per category and column; each with its mel "
                     f"spectrogram (log-mel, 80 bins).{real}</p>\n{self.gallery(count)}")
        if exp.config_text:
            parts.append(f"<h2>Configuration</h2>\n<details><summary>Resolved config.yaml</summary>"
                         f"<pre>{escape(exp.config_text)}</pre></details>\n")
        parts.append("</main>")
        return page(title, "".join(parts))


def write_report(exp_dir: Path, out: Path | None = None, real_dir: Path | None = None, count: int = 3) -> Path:
    """Write the report of ``exp_dir`` (default ``exp_dir/report``); returns the path of ``index.html``."""
    if count < 1:
        raise DataError(f"--clips must be at least 1, got {count}")
    exp = read_experiment(exp_dir, real_dir, count)
    out = out or exp_dir / "report"
    index = out / "index.html"
    write_page(index, ReportWriter(exp, out).render(count))
    for note in exp.missing:
        logger.warning("report: %s", note)
    logger.info("report of %s -> %s", exp_dir, index)
    return index
