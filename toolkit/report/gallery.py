"""The experiment report: one static page that opens with the headline scores, then folded details
(every score, training curves, checkpoints, ensemble, a per-category clip gallery, the config).

Written under ``out`` (default ``exp/<tag>/report``): ``index.html`` plus ``clips/``, ``mels/``,
``curves/`` and ``scores/`` with relative links, so the folder can be zipped and opened from disk.
"""
from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.figure import Figure
from tqdm import tqdm

from toolkit.errors import DataError
from toolkit.report.experiment import Experiment, Generation, Scalars, Scores, read_experiment
from toolkit.categories import category_label
from toolkit.report.html import asset, relative_url, render, safe_name, save_figure, write_page
from toolkit.report.media import copy_file, write_mel_png
from toolkit.score.compare import PER_CATEGORY_METRICS

logger = logging.getLogger(__name__)

REAL = "real"
#: curve panels per row in a group's figure
CURVE_COLUMNS = 3


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def column_folder(name: str) -> str:
    """A folder name for a gallery column: ``name`` if it is already safe, otherwise its sanitised form plus
    a digest of ``name``, so two names that sanitise alike (``a#1``, ``a?1``) never share a folder."""
    safe = safe_name(name)
    return safe if safe == name else f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


@dataclass
class Cell:
    """A table cell: shown text, whether it is the best of its column, and a hover text."""

    text: str
    best: bool = False
    title: str = ""


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[Cell]]


@dataclass
class Board:
    """The headline of one embedding and mode: averages of every metric, then the main metrics per category."""

    title: str
    notes: list[str]
    tables: list[Table] = field(default_factory=list)


def _mark_best(rows: list[list[Cell]], values: list[list[float | None]], higher: list[bool]) -> None:
    """Mark, per column, the best value when at least two rows have one and they are not all equal."""
    for column, higher_is_better in enumerate(higher):
        present = [row[column] for row in values if row[column] is not None]
        if len(present) < 2 or len(set(present)) == 1:
            continue
        best = max(present) if higher_is_better else min(present)
        for cells, row in zip(rows, values):
            cells[column + 1].best = row[column] == best


def _arrow(higher_is_better: bool) -> str:
    return "↑" if higher_is_better else "↓"


def board_tables(sets: list[tuple[Generation, Scores]]) -> list[Table]:
    """The averages table and one per-category table for each main metric, one row per generated set."""
    metrics = list(dict.fromkeys(name for _, scores in sets for name in scores.metrics))
    higher = {name: scores.metrics[name].higher_is_better for _, scores in sets for name in scores.metrics}
    categories = list(dict.fromkeys(c for _, scores in sets for c in scores.categories))
    tables = []
    values = [[scores.metrics[m].average if m in scores.metrics else None for m in metrics] for _, scores in sets]
    rows = [[Cell(gen.label, title=gen.name)] + [Cell(_number(v)) for v in row] for (gen, _), row in zip(sets, values)]
    _mark_best(rows, values, [higher[m] for m in metrics])
    tables.append(Table("Average over categories", ["Generated set", *(f"{m} {_arrow(higher[m])}" for m in metrics)], rows))
    for metric in (m for m in PER_CATEGORY_METRICS if m in metrics):
        values = []
        for _, scores in sets:
            entry = scores.metrics.get(metric)
            values.append([entry.average if entry else None] +
                          [entry.per_category.get(c) if entry else None for c in categories])
        rows = [[Cell(gen.label, title=gen.name)] + [Cell(_number(v)) for v in row]
                for (gen, _), row in zip(sets, values)]
        _mark_best(rows, values, [higher[metric]] * (len(categories) + 1))
        tables.append(Table(f"{metric} {_arrow(higher[metric])} per category",
                            ["Generated set", "average", *(category_label(c) for c in categories)], rows))
    return tables


def boards(generations: list[Generation]) -> list[Board]:
    """One headline board per embedding and mode (their values are not comparable with each other)."""
    grouped: dict[str, list[tuple[Generation, Scores]]] = {}
    for gen in generations:
        for scores in gen.scores:
            grouped.setdefault(scores.board, []).append((gen, scores))
    return [Board(title, list(dict.fromkeys(n for _, s in sets for n in s.notes)), board_tables(sets))
            for title, sets in grouped.items()]


def score_detail(scores: Scores) -> Table:
    """Every metric of one score.json per category, with the clip counts and the averages."""
    metrics = list(scores.metrics.values())
    rows = [[Cell(category_label(c)), Cell(str(scores.clips.get(c, {}).get("generated", "–")))] +
            [Cell(_number(m.per_category.get(c))) for m in metrics] for c in scores.categories]
    rows.append([Cell("average"), Cell("")] + [Cell(_number(m.average)) for m in metrics])
    header = ["Category", "clips", *(f"{n} {_arrow(m.higher_is_better)}" for n, m in scores.metrics.items())]
    return Table(scores.board, header, rows)


def curve_groups(scalars: Scalars) -> dict[str, list[str]]:
    """Tags grouped by their first path part (``loss/g/mel`` -> ``loss``); tags without one go to ``scalars``."""
    groups: dict[str, list[str]] = {}
    for tag in sorted(scalars):
        groups.setdefault(tag.split("/", 1)[0] if "/" in tag else "scalars", []).append(tag)
    return groups


def write_curves(scalars: Scalars, folder: Path) -> list[tuple[str, Path]]:
    """One PNG per tag group, one panel per tag with its own y axis (a total of ~100 next to components of
    ~1 would flatten them on a shared axis); returns ``[(group, png), ...]``."""
    written = []
    for group, tags in curve_groups(scalars).items():
        columns = min(CURVE_COLUMNS, len(tags))
        rows = math.ceil(len(tags) / columns)
        figure = Figure(figsize=(3.6 * columns, 2.4 * rows), layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for axis, tag in zip(axes, tags):
            steps, values = zip(*scalars[tag]) if scalars[tag] else ((), ())
            axis.plot(steps, values, linewidth=1)
            axis.set_title(tag, fontsize=9)
            axis.set_xlabel("step", fontsize=8)
            axis.tick_params(labelsize=7)
            axis.grid(alpha=0.3)
        for axis in axes[len(tags):]:
            axis.set_visible(False)
        target = folder / f"{safe_name(group)}.png"
        save_figure(figure, target)
        written.append((group, target))
    return written


@dataclass
class Clip:
    """One clip of the gallery as the template shows it."""

    audio: str
    mel: str
    label: str
    caption: str
    full: str


@dataclass
class Column:
    """One gallery column of a category: a heading (the set's name), its hover text and clips."""

    heading: str
    hover: str
    clips: list[Clip]


class ReportWriter:
    """Copies media next to the page and gathers what the template shows."""

    def __init__(self, exp: Experiment, out: Path):
        self.exp, self.out = exp, out

    def url(self, path: Path) -> str:
        return relative_url(path, self.out)

    def clip(self, source: Path, column: str, category: str, gen: Generation | None) -> Clip:
        folder = column_folder(column)
        target = self.out / "clips" / folder / category / source.name
        mel = self.out / "mels" / folder / category / f"{source.stem}.png"
        copy_file(source, target)
        write_mel_png(source, mel)
        row = gen.describe(source) if gen else {}
        short = [source.name] + [f"{k.replace('_', ' ')} {row[k]}" for k in ("seed", "noise_scale") if k in row]
        full = [str(source.resolve())] + ([f"checkpoint {row['checkpoint']}"] if "checkpoint" in row else [])
        label = f"{category_label(category)}, {gen.label if gen else REAL}, {source.name}"
        return Clip(self.url(target), self.url(mel), label, " · ".join(short), "; ".join(full))

    def gallery(self, count: int) -> list[tuple[str, str, list[Column]]]:
        """``[(category id, category label, columns)]``: real clips first, then each generated set."""
        sources: list[tuple[str, str, dict[str, list[Path]], Generation | None]] = []
        if self.exp.real:
            sources.append((REAL, "Real clips", self.exp.real, None))
        sources += [(g.name, g.label, g.clips, g) for g in self.exp.generations]
        categories = list(dict.fromkeys(c for _, _, clips, _ in sources for c in clips))
        jobs = [(name, category, clip, gen) for name, _, clips, gen in sources for category in categories
                for clip in clips.get(category, [])[:count]]
        shown: dict[tuple[str, str], list[Clip]] = {}
        for name, category, source, gen in tqdm(jobs, desc="report clips", unit="clip"):
            shown.setdefault((name, category), []).append(self.clip(source, name, category, gen))
        return [(safe_name(category), category_label(category),
                 [Column(title, name, shown.get((name, category), [])) for name, title, _, _ in sources])
                for category in categories]

    def score_pictures(self) -> list[tuple[Generation, Scores, Table, str | None]]:
        details = []
        for gen in self.exp.generations:
            for scores in gen.scores:
                png = None
                if scores.png:
                    target = self.out / "scores" / column_folder(gen.name) / f"{safe_name(scores.path.parent.name)}.png"
                    copy_file(scores.png, target)
                    png = self.url(target)
                details.append((gen, scores, score_detail(scores), png))
        return details

    def quality(self) -> tuple[str, Table, list[tuple[str, dict]]] | None:
        """The audibility and variety figures of ``quality.json`` (toolkit quality) with the targets:
        ``(generated folder, table, [(check, {passed, value, target})])``."""
        result = self.exp.quality
        if not result:
            return None
        rows = [[Cell(category_label(name)), Cell(f"{r['level_dbfs']:.1f} ({r['real_level_dbfs']:.1f})"),
                 Cell(f"{r['quiet_share']:.2f} ({r['real_quiet_share']:.2f})"),
                 Cell(_number(r["pairwise_correlation"])), Cell(_number(r["fit_accuracy"]))]
                for name, r in result["categories"].items()]
        header = ["Category", "Level dBFS (real)", "Quiet share (real)", "Pairwise correlation", "Category fit"]
        return (Path(result.get("generated_dir", "")).name, Table("Generated set (real clips in brackets)", header, rows),
                list(result["checks"].items()))

    def curves(self) -> list[tuple[str, str]]:
        return [(group, self.url(png)) for group, png in write_curves(self.exp.scalars, self.out / "curves")]

    def checkpoints(self) -> list[tuple[str, str, str]]:
        return [(p.name, f"{p.stat().st_size / 2**20:.1f}",
                 datetime.fromtimestamp(p.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M"))
                for p in self.exp.checkpoints]

    def render(self, count: int) -> str:
        exp = self.exp
        return render(
            "report.html", f"Experiment {exp.path.name}", asset("report.js"),
            exp=exp, path=str(exp.path.resolve()), count=count,
            written=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
            boards=boards(exp.generations), score_details=self.score_pictures(), curves=self.curves(),
            checkpoints=self.checkpoints(), gallery=self.gallery(count), quality=self.quality(),
            sets=[(g.label, g.name, len(g.scores)) for g in exp.generations],
        )


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
