"""What a generation run produces: per category its checkpoint, noise scale and the seed of every clip,
and the output folder named after a short hash of those options."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from toolkit.categories import CategorySet
from toolkit.errors import ConfigError, DataError
from toolkit.generate.fast import resolve_device
from toolkit.numerics import resolve_precision
from toolkit.train.checkpoint import TrainedOn, checkpoint_trained_on

logger = logging.getLogger(__name__)

HASH_CHARS = 8


@dataclass(frozen=True)
class ClipJob:
    """One clip to generate: its category (name and class id), 1-based index within the category, noise
    scale, seed and checkpoint."""

    category_id: int
    index: int
    noise_scale: float
    seed: int
    checkpoint: str
    category: str


def clip_seed(base_seed: int, category: str, index: int) -> int:
    """A 63-bit seed that depends only on the base seed, the category's name exactly as ``categories.txt``
    spells it, and the clip's index."""
    key = f"{int(base_seed)}/{category}/{int(index)}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 1


def selected_categories(categories: CategorySet, names: Sequence[str] | None) -> tuple[str, ...]:
    """The categories to generate, in class-id order: all of them, or ``generate.categories`` by name."""
    if not names:
        return tuple(categories)
    try:
        chosen = {categories.canonical(str(name), "generate.categories") for name in names}
    except DataError as exc:
        raise ConfigError(f"{exc} (the checkpoint's)") from None
    return tuple(name for name in categories if name in chosen)


def noise_scales_per_category(value: float | Mapping[str, float], categories: CategorySet,
                              selected: Sequence[str] | None = None) -> dict[str, float]:
    """``{category: scale}`` for the ``selected`` categories (default: all) from one float or a mapping
    naming each of them (names match as in :meth:`CategorySet.find`)."""
    selected = tuple(selected or categories)
    if isinstance(value, Mapping):
        scales: dict[str, float] = {}
        for name, scale in value.items():
            try:
                category = categories.canonical(str(name), "generate.noise_scale")
            except DataError as exc:
                raise ConfigError(str(exc)) from None
            scales[category] = _positive_scale(scale, f"generate.noise_scale.{name}")
        missing = [name for name in selected if name not in scales]
        if missing:
            raise ConfigError(f"generate.noise_scale gives no value for {', '.join(missing)}; name every category or give one float")
        return {name: scales[name] for name in selected}
    scale = _positive_scale(value, "generate.noise_scale")
    return {name: scale for name in selected}


def _positive_scale(value: Any, key: str) -> float:
    try:
        scale = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, got {value!r}") from None
    if not scale >= 0:
        raise ConfigError(f"{key} must be >= 0, got {value!r}")
    return scale


@dataclass(frozen=True)
class Ensemble:
    """A per-category choice of checkpoint and noise scale (the selection stage's output), names as written."""

    path: Path
    text: str
    checkpoints: dict[str, str]
    noise_scales: dict[str, float]


def load_ensemble(path: str | Path) -> Ensemble:
    """Read ``{categories: {<Category>: {checkpoint: path, noise_scale: float}, ...}}``.

    A relative checkpoint path is taken relative to the current folder, or else to the spec's folder. The
    names are checked against the checkpoints' category set by :meth:`GenerationPlan.create`.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"generate.ensemble: no such file {path}")
    text = path.read_text(encoding="utf-8")
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    entries = spec.get("categories") if isinstance(spec, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise DataError(f"{path}: expected a mapping 'categories: {{<Category>: {{checkpoint: ..., noise_scale: ...}}}}'")
    checkpoints: dict[str, str] = {}
    scales: dict[str, float] = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or "checkpoint" not in entry or "noise_scale" not in entry:
            raise DataError(f"{path}: categories.{name} needs both 'checkpoint' and 'noise_scale'")
        checkpoints[str(name)] = str(_resolve_checkpoint(Path(str(entry["checkpoint"])), path.parent, f"{path}: categories.{name}"))
        scales[str(name)] = _positive_scale(entry["noise_scale"], f"{path}: categories.{name}.noise_scale")
    return Ensemble(path, text, checkpoints, scales)


def _resolve_checkpoint(checkpoint: Path, spec_dir: Path, where: str) -> Path:
    for candidate in (checkpoint, spec_dir / checkpoint):
        if candidate.is_file():
            return candidate.resolve()
    raise DataError(f"{where}: checkpoint {checkpoint} not found (relative paths: to the current folder or the spec's)")


def _common_training(ensemble: Ensemble, trained_on: Callable[[str], TrainedOn]) -> TrainedOn:
    """The one category set and clip format of an ensemble's checkpoints (different ones are an error)."""
    found = {checkpoint: trained_on(checkpoint) for checkpoint in dict.fromkeys(ensemble.checkpoints.values())}
    first, *others = found.items()
    for checkpoint, other in others:
        if other != first[1]:
            raise DataError(f"{ensemble.path}: checkpoints {first[0]} and {checkpoint} were trained on different "
                            "categories or clip formats; an ensemble combines checkpoints of one dataset")
    return first[1]


@dataclass(frozen=True)
class GenerationPlan:
    """Every option that changes the generated files; :meth:`digest` names the output folder.

    ``checkpoints`` and ``noise_scales`` are keyed by the categories to generate (class-id order);
    ``trained_on`` is the checkpoints' category set and clip format.
    """

    checkpoints: dict[str, str]
    noise_scales: dict[str, float]
    clips_per_category: int
    seed: int
    trained_on: TrainedOn
    ensemble: Ensemble | None = None
    precision: str = "fp32"

    @classmethod
    def create(cls, checkpoint: str | Path | None, noise_scale, clips_per_category: int, seed: int,
               ensemble: str | Path | None = None, precision: str = "fp32", device: str | None = "auto",
               categories: Sequence[str] | None = None,
               trained_on: Callable[[str], TrainedOn] = checkpoint_trained_on) -> "GenerationPlan":
        """The plan of these options; ``precision=auto`` is resolved here for ``device``, so the folder's
        hash, generate.yaml and the manifest name the precision that actually ran. ``categories``: names to
        generate (default: every category of the checkpoint); ``trained_on`` reads a checkpoint's category
        set and clip format."""
        precision = resolve_precision(precision, resolve_device(device), "generate.precision")
        if not isinstance(clips_per_category, int) or clips_per_category < 1:
            raise ConfigError(f"generate.clips_per_category must be a positive integer, got {clips_per_category!r}")
        if ensemble is not None:
            spec = load_ensemble(ensemble)
            data = _common_training(spec, trained_on)
            where = f"{spec.path}: categories"
            named = {data.categories.canonical(name, where): name for name in spec.checkpoints}
            selected = selected_categories(data.categories, categories or list(named))
            missing = [name for name in selected if name not in named]
            if missing:
                raise DataError(f"{spec.path}: no entry for {', '.join(missing)}; an ensemble names every category it generates")
            checkpoints = {name: spec.checkpoints[named[name]] for name in selected}
            scales = {name: spec.noise_scales[named[name]] for name in selected}
            plan = cls(checkpoints, scales, clips_per_category, int(seed), data, spec, precision)
        else:
            if checkpoint is None:
                raise ConfigError("generate.checkpoint is not set; give a checkpoint file or generate.ensemble")
            path = Path(checkpoint)
            if not path.is_file():
                raise ConfigError(f"generate.checkpoint: no such file {path}; train first or pass generate.checkpoint=<file>")
            resolved = str(path.resolve())
            data = trained_on(resolved)
            selected = selected_categories(data.categories, categories)
            plan = cls({c: resolved for c in selected}, noise_scales_per_category(noise_scale, data.categories, selected),
                       clips_per_category, int(seed), data, None, precision)
        plan._warn_about_the_dcase_scorer()
        return plan

    def _warn_about_the_dcase_scorer(self) -> None:
        from toolkit import dcase

        if dcase.is_dcase(self.trained_on.categories) and self.clips_per_category != dcase.CLIPS_PER_CATEGORY:
            logger.warning("generating %d clips per category: the official DCASE scorer needs exactly %d",
                           self.clips_per_category, dcase.CLIPS_PER_CATEGORY)

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories generated, in class-id order."""
        return tuple(self.checkpoints)

    def jobs(self) -> list[ClipJob]:
        """Every clip, grouped by checkpoint (each loaded once), then by category and index."""
        ids = self.trained_on.categories
        jobs = [
            ClipJob(ids.index(category), index, self.noise_scales[category], clip_seed(self.seed, category, index),
                    self.checkpoints[category], category)
            for category in self.categories
            for index in range(1, self.clips_per_category + 1)
        ]
        order = list(dict.fromkeys(self.checkpoints.values()))
        return sorted(jobs, key=lambda job: order.index(job.checkpoint))

    def options(self) -> dict[str, Any]:
        """The options as plain values (written to generate.yaml and hashed)."""
        options: dict[str, Any] = {
            "checkpoints": dict(self.checkpoints),
            "noise_scales": dict(self.noise_scales),
            "clips_per_category": self.clips_per_category,
            "seed": self.seed,
            "ensemble": str(self.ensemble.path) if self.ensemble else None,
        }
        if self.precision != "fp32":
            options["precision"] = self.precision
        return options

    def digest(self) -> str:
        """Short hash of the options and of the ensemble spec's content; reduced precision counts too,
        because it changes the audio."""
        key = self.options()
        key["ensemble"] = self.ensemble.text if self.ensemble else None
        blob = json.dumps(key, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:HASH_CHARS]

    @property
    def stem(self) -> str:
        """The checkpoint's file stem, or the ensemble spec's."""
        if self.ensemble is not None:
            return self.ensemble.path.stem
        return Path(next(iter(self.checkpoints.values()))).stem


def output_dir_for(exp_dir: str | Path, plan: GenerationPlan) -> Path:
    """``<exp_dir>/gen_<checkpoint stem>_<short hash of the options>``."""
    return Path(exp_dir) / f"gen_{plan.stem}_{plan.digest()}"
