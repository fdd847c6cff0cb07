"""What a generation run produces: per category its checkpoint, noise scale and the seed of every clip,
and the output folder named after a short hash of those options."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from toolkit.categories import CATEGORIES, category_id
from toolkit.errors import ConfigError, DataError
from toolkit.generate.fast import resolve_device
from toolkit.numerics import resolve_precision

logger = logging.getLogger(__name__)

#: The official scorer expects exactly this many clips per category.
DCASE_CLIPS_PER_CATEGORY = 100
HASH_CHARS = 8


@dataclass(frozen=True)
class ClipJob:
    """One clip to generate: its category, 1-based index within the category, noise scale, seed, checkpoint."""

    category_id: int
    index: int
    noise_scale: float
    seed: int
    checkpoint: str

    @property
    def category(self) -> str:
        return CATEGORIES[self.category_id]


def clip_seed(base_seed: int, category: str, index: int) -> int:
    """A 63-bit seed that depends only on the base seed, the category and the clip's index."""
    key = f"{int(base_seed)}/{CATEGORIES[category_id(category)]}/{int(index)}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") >> 1


def noise_scales_per_category(value: float | Mapping[str, float]) -> dict[str, float]:
    """``{category: scale}`` for all seven categories from one float or a mapping naming every category
    (names match case- and underscore-insensitively)."""
    if isinstance(value, Mapping):
        scales: dict[str, float] = {}
        for name, scale in value.items():
            try:
                scales[CATEGORIES[category_id(str(name))]] = _positive_scale(scale, f"generate.noise_scale.{name}")
            except DataError as exc:
                raise ConfigError(f"generate.noise_scale: {exc}") from None
        missing = [name for name in CATEGORIES if name not in scales]
        if missing:
            raise ConfigError(f"generate.noise_scale gives no value for {', '.join(missing)}; name every category or give one float")
        return scales
    scale = _positive_scale(value, "generate.noise_scale")
    return {name: scale for name in CATEGORIES}


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
    """A per-category choice of checkpoint and noise scale (the selection stage's output)."""

    path: Path
    text: str
    checkpoints: dict[str, str]
    noise_scales: dict[str, float]


def load_ensemble(path: str | Path) -> Ensemble:
    """Read ``{categories: {<Category>: {checkpoint: path, noise_scale: float}, ...}}`` naming every category.

    A relative checkpoint path is taken relative to the current folder, or else to the spec's folder.
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
    if not isinstance(entries, dict):
        raise DataError(f"{path}: expected a mapping 'categories: {{<Category>: {{checkpoint: ..., noise_scale: ...}}}}'")
    checkpoints: dict[str, str] = {}
    scales: dict[str, float] = {}
    for name, entry in entries.items():
        category = CATEGORIES[category_id(str(name))]
        if not isinstance(entry, dict) or "checkpoint" not in entry or "noise_scale" not in entry:
            raise DataError(f"{path}: categories.{name} needs both 'checkpoint' and 'noise_scale'")
        checkpoints[category] = str(_resolve_checkpoint(Path(str(entry["checkpoint"])), path.parent, f"{path}: categories.{name}"))
        scales[category] = _positive_scale(entry["noise_scale"], f"{path}: categories.{name}.noise_scale")
    missing = [name for name in CATEGORIES if name not in checkpoints]
    if missing:
        raise DataError(f"{path}: no entry for {', '.join(missing)}; an ensemble names every category")
    return Ensemble(path, text, {c: checkpoints[c] for c in CATEGORIES}, {c: scales[c] for c in CATEGORIES})


def _resolve_checkpoint(checkpoint: Path, spec_dir: Path, where: str) -> Path:
    for candidate in (checkpoint, spec_dir / checkpoint):
        if candidate.is_file():
            return candidate.resolve()
    raise DataError(f"{where}: checkpoint {checkpoint} not found (relative paths: to the current folder or the spec's)")


@dataclass(frozen=True)
class GenerationPlan:
    """Every option that changes the generated files; :meth:`digest` names the output folder."""

    checkpoints: dict[str, str]
    noise_scales: dict[str, float]
    clips_per_category: int
    seed: int
    ensemble: Ensemble | None = None
    precision: str = "fp32"

    @classmethod
    def create(cls, checkpoint: str | Path | None, noise_scale, clips_per_category: int, seed: int,
               ensemble: str | Path | None = None, precision: str = "fp32",
               device: str | None = "auto") -> "GenerationPlan":
        """The plan of these options; ``precision=auto`` is resolved here for ``device``, so the folder's
        hash, generate.yaml and the manifest name the precision that actually ran."""
        precision = resolve_precision(precision, resolve_device(device), "generate.precision")
        if not isinstance(clips_per_category, int) or clips_per_category < 1:
            raise ConfigError(f"generate.clips_per_category must be a positive integer, got {clips_per_category!r}")
        if clips_per_category != DCASE_CLIPS_PER_CATEGORY:
            logger.warning("generating %d clips per category: the official DCASE scorer needs exactly %d",
                           clips_per_category, DCASE_CLIPS_PER_CATEGORY)
        if ensemble is not None:
            spec = load_ensemble(ensemble)
            return cls(spec.checkpoints, spec.noise_scales, clips_per_category, int(seed), spec, precision)
        if checkpoint is None:
            raise ConfigError("generate.checkpoint is not set; give a checkpoint file or generate.ensemble")
        path = Path(checkpoint)
        if not path.is_file():
            raise ConfigError(f"generate.checkpoint: no such file {path}; train first or pass generate.checkpoint=<file>")
        resolved = str(path.resolve())
        return cls({c: resolved for c in CATEGORIES}, noise_scales_per_category(noise_scale),
                   clips_per_category, int(seed), None, precision)

    def jobs(self) -> list[ClipJob]:
        """Every clip, grouped by checkpoint (each loaded once), then by category and index."""
        jobs = [
            ClipJob(category_id(category), index, self.noise_scales[category],
                    clip_seed(self.seed, category, index), self.checkpoints[category])
            for category in CATEGORIES
            for index in range(1, self.clips_per_category + 1)
        ]
        order = list(dict.fromkeys(self.checkpoints[c] for c in CATEGORIES))
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
        return Path(self.checkpoints[CATEGORIES[0]]).stem


def output_dir_for(exp_dir: str | Path, plan: GenerationPlan) -> Path:
    """``<exp_dir>/gen_<checkpoint stem>_<short hash of the options>``."""
    return Path(exp_dir) / f"gen_{plan.stem}_{plan.digest()}"
