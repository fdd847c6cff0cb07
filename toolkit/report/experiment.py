"""Read what an experiment folder holds (tolerantly): config, TensorBoard scalars, generations and scores.

Every part is optional; what is absent or unreadable is recorded in :attr:`Experiment.missing` so the
report can say so instead of failing.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from toolkit.categories import CategorySet, merged_names
from toolkit.data.manifest import read_manifest
from toolkit.errors import DataError
from toolkit.fileio import wav_files
from toolkit.report.media import category_folders
from toolkit.score.layout import score_files
from toolkit.score.report import PNG_NAME
from toolkit.score.set_names import set_names

#: tag (prefixed by its run folder when there are several runs) -> [(step, value), ...]
Scalars = dict[str, list[tuple[int, float]]]


@dataclass
class Metric:
    """One metric of a score.json: value per category (None = not computed), average and direction."""

    per_category: dict[str, float | None]
    average: float | None
    higher_is_better: bool


@dataclass
class Scores:
    """One ``score.json`` written by the score stage (one embedding and mode)."""

    path: Path
    embedding: str
    mode: str
    categories: list[str]
    metrics: dict[str, Metric]
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    clips: dict[str, dict] = field(default_factory=dict)
    png: Path | None = None

    @property
    def board(self) -> str:
        """Scores are comparable only within one embedding and mode."""
        return f"{self.embedding} embedding, {self.mode} mode"


@dataclass
class Generation:
    """One ``gen_<checkpoint>_<hash>/`` folder: its unique name, clips per category, manifest rows and scores."""

    name: str
    path: Path
    label: str = ""
    clips: dict[str, list[Path]] = field(default_factory=dict)
    manifest: dict[tuple[str, str], dict] = field(default_factory=dict)
    scores: list[Scores] = field(default_factory=list)

    def describe(self, clip: Path) -> dict:
        """The manifest row of a clip (matched by its folder and file name), or an empty dict."""
        return self.manifest.get((clip.parent.name, clip.name), {})


@dataclass
class Experiment:
    path: Path
    config: dict | None = None
    config_text: str = ""
    scalars: Scalars = field(default_factory=dict)
    checkpoints: list[Path] = field(default_factory=list)
    generations: list[Generation] = field(default_factory=list)
    ensemble_text: str = ""
    quality: dict | None = None
    real: dict[str, list[Path]] = field(default_factory=dict)
    real_source: str = ""
    missing: list[str] = field(default_factory=list)


def read_config(exp: Experiment) -> None:
    path = exp.path / "config.yaml"
    if not path.is_file():
        exp.missing.append(f"{path.name}: not found (the resolved config is written by the train stage)")
        return
    exp.config_text = path.read_text(encoding="utf-8")
    try:
        config = yaml.safe_load(exp.config_text)
    except yaml.YAMLError as exc:
        exp.missing.append(f"{path.name}: not valid YAML ({exc.__class__.__name__})")
        return
    exp.config = config if isinstance(config, dict) else None


def read_scalars(folder: Path) -> Scalars:
    """All scalar series of the TensorBoard event files under ``folder`` (``run/tag`` when several runs)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = sorted({p.parent for p in folder.rglob("events.out.tfevents*")})
    series: Scalars = {}
    for run in runs:
        accumulator = EventAccumulator(str(run), size_guidance={"scalars": 0})
        accumulator.Reload()
        prefix = "" if len(runs) == 1 else f"{run.relative_to(folder).as_posix()}/"
        for tag in accumulator.Tags().get("scalars", []):
            points = {e.step: e.value for e in accumulator.Scalars(tag)}
            series[prefix + tag] = sorted(points.items())
    return series


def _number(value) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _of_type(value, kind: type):
    """``value`` when it is a ``kind`` (list or dict), else an empty one: optional parts are read tolerantly."""
    return value if isinstance(value, kind) else kind()


def read_scores(path: Path) -> Scores:
    """One score.json as the score stage writes it; a file of another shape is one DataError naming it."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, dict) or not all(
        isinstance(m, dict) and isinstance(m.get("per_category"), dict) for m in metrics.values()
    ):
        raise DataError(f"{path}: no 'metrics.<name>.per_category' tables; rescore with the score stage")
    embedding = _of_type(doc.get("embedding"), dict)
    categories = [str(c) for c in _of_type(doc.get("categories"), list)] or list(
        dict.fromkeys(str(c) for m in metrics.values() for c in m["per_category"]))
    return Scores(
        path=path,
        embedding=str(embedding.get("name", "unknown embedding")),
        mode=str(doc.get("mode", "unknown mode")),
        categories=categories,
        metrics={str(name): Metric(
            {str(c): _number(v) for c, v in m["per_category"].items()}, _number(m.get("average")),
            bool(m.get("higher_is_better", False))) for name, m in metrics.items()},
        notes=[str(n) for n in _of_type(doc.get("notes"), list)],
        skipped={str(k): str(v) for k, v in _of_type(doc.get("skipped"), dict).items()},
        clips={str(c): v for c, v in _of_type(doc.get("clips"), dict).items() if isinstance(v, dict)},
        png=path.parent / PNG_NAME if (path.parent / PNG_NAME).is_file() else None,
    )


def read_generation(path: Path, exp: Experiment) -> Generation:
    gen = Generation(path.name, path)
    folders = category_folders(path)
    if not folders:
        exp.missing.append(f"{path.name}: no audio/<Category>/ or generated_audio/<category>/ folders")
    gen.clips = {category: wav_files(folder) for category, folder in folders.items()}
    manifest = path / "manifest.jsonl"
    if manifest.is_file():
        try:
            for row in read_manifest(manifest, required=("category", "path")):
                gen.manifest[(Path(row["path"]).parent.name, Path(row["path"]).name)] = row
        except DataError as exc:
            exp.missing.append(f"{path.name}: {exc}")
    else:
        exp.missing.append(f"{path.name}/manifest.jsonl: not found (no seeds or noise scales shown)")
    for score in score_files(path):
        try:
            gen.scores.append(read_scores(score))
        except DataError as exc:
            exp.missing.append(str(exc))
    if not gen.scores:
        exp.missing.append(f"{path.name}: no score_*/score.json (run the score stage)")
    return gen


def _manifest_path(value: str, exp_dir: Path) -> Path | None:
    candidate = Path(value)
    if candidate.is_absolute():
        return candidate if candidate.is_file() else None
    for base in (Path.cwd(), *exp_dir.resolve().parents):
        if (base / candidate).is_file():
            return base / candidate
    return None


def read_real_clips(exp: Experiment, real_dir: Path | None, count: int) -> None:
    """Real clips per category from ``--real DIR`` or the config's ``data.valid_manifest``."""
    if real_dir is not None:
        folders = category_folders(real_dir)
        if not folders:
            raise DataError(f"--real {real_dir}: no category folders (expected <Category>/*.wav)")
        exp.real = {category: wav_files(folder)[:count] for category, folder in folders.items()}
        exp.real_source = str(real_dir)
        return
    data = (exp.config or {}).get("data") or {}
    value = data.get("valid_manifest") if isinstance(data, dict) else None
    if not value:
        exp.missing.append("real clips: no data.valid_manifest in config.yaml; pass --real DIR")
        return
    manifest = _manifest_path(str(value), exp.path)
    if manifest is None:
        exp.missing.append(f"real clips: manifest {value} not found; pass --real DIR")
        return
    rows = read_manifest(manifest, required=("path", "category"))
    for row in sorted(rows, key=lambda r: str(r["path"])):
        clip = Path(row["path"]) if Path(row["path"]).is_absolute() else manifest.parent / row["path"]
        if not clip.is_file():
            continue
        clips = exp.real.setdefault(str(row["category"]), [])
        if len(clips) < count:
            clips.append(clip)
    exp.real_source = str(manifest)


def read_experiment(path: Path, real_dir: Path | None = None, real_count: int = 3) -> Experiment:
    """Everything the report shows about ``exp/<tag>``; raises only when the folder itself is missing."""
    if not path.is_dir():
        raise DataError(f"experiment folder {path} does not exist; pass exp/<tag> of a recipe run")
    exp = Experiment(path)
    read_config(exp)
    board = path / "tensorboard"
    if board.is_dir():
        exp.scalars = read_scalars(board)
    if not exp.scalars:
        exp.missing.append("tensorboard/: no scalar events (no training curves)")
    exp.checkpoints = sorted((path / "checkpoints").glob("*.pt")) if (path / "checkpoints").is_dir() else []
    if not exp.checkpoints:
        exp.missing.append("checkpoints/: no *.pt files")
    exp.generations = [read_generation(p, exp) for p in sorted(path.glob("gen_*")) if p.is_dir()]
    names = set_names([g.path for g in exp.generations])
    for gen in exp.generations:
        gen.label = names[gen.path]
    if not exp.generations:
        exp.missing.append("gen_*/: no generated audio (run the generate stage)")
    ensemble = path / "select" / "ensemble.yaml"
    if ensemble.is_file():
        exp.ensemble_text = ensemble.read_text(encoding="utf-8")
    quality = path / "quality.json"
    if quality.is_file():
        exp.quality = json.loads(quality.read_text(encoding="utf-8"))
    read_real_clips(exp, real_dir, real_count)
    _spell_categories_alike(exp)
    return exp


def _spell_categories_alike(exp: Experiment) -> None:
    """One spelling per category across real clips and generations (``dog_bark/`` and ``DogBark/`` agree)."""
    groups = [exp.real, *(g.clips for g in exp.generations),
              *(dict.fromkeys(c for s in g.scores for c in s.categories) for g in exp.generations)]
    categories = CategorySet(tuple(merged_names(groups))) if any(groups) else None
    if categories is None:
        return
    exp.real = {categories.canonical(name): clips for name, clips in exp.real.items()}
    for gen in exp.generations:
        gen.clips = {categories.canonical(name): clips for name, clips in gen.clips.items()}
        for scores in gen.scores:
            scores.categories = [categories.canonical(name) for name in scores.categories]
            scores.clips = {categories.canonical(name): value for name, value in scores.clips.items()}
            for metric in scores.metrics.values():
                metric.per_category = {categories.canonical(name): v for name, v in metric.per_category.items()}

