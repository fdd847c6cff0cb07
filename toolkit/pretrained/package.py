"""What a model package holds and how its ``config.json`` is read and checked.

A package is one folder in the Hugging Face Hub convention::

    config.json          format version, categories in id order, sample rate, clip length, default noise
                         scale, each generator slot's component (name, distribution, version), the resolved
                         model config, and which weights file serves which category
    model.safetensors    the generator's weights (an ensemble: one file per distinct checkpoint)
    ensemble.yaml        an ensemble only: per category its weights file and noise scale
    README.md            the model card
"""
from __future__ import annotations

import importlib.metadata as metadata
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit.categories import CategorySet
from toolkit.errors import ComponentError, DataError
from toolkit.registry import MODEL_SLOTS, canonical_distribution, disabled_distributions, get_registry

logger = logging.getLogger(__name__)

FORMAT = "foley-toolkit-model"
#: Raised whenever a reader of the previous version could not load a new package.
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
ENSEMBLE = "ensemble.yaml"
CARD = "README.md"
#: The slots the generator is built from (the discriminator and augmentation only serve training).
GENERATOR_SLOTS = MODEL_SLOTS[:4]


@dataclass(frozen=True)
class ModelInfo:
    """What a user of a model needs to know about its output: category names in id order, rate, length."""

    categories: tuple[str, ...]
    sample_rate: int
    clip_samples: int


def model_info(cfg) -> ModelInfo:
    """The categories, sample rate and clip length fixed by a checkpoint's resolved training config.

    The one place that reads them from a config: packing, the model card and :class:`FoleyModel` all ask here.
    """
    from toolkit.train.checkpoint import TrainedOn

    trained = TrainedOn.from_config(cfg, "model config")
    return ModelInfo(tuple(trained.categories), trained.sample_rate, trained.clip_samples)


def default_noise_scales(cfg) -> dict[str, float]:
    """Per category, the noise scale the experiment generates with (``generate.noise_scale``, else the default)."""
    from toolkit.generate import GenerateOptions, noise_scales_per_category

    generate = cfg.get("generate") or {}
    categories = CategorySet(model_info(cfg).categories)
    return noise_scales_per_category(generate.get("noise_scale", GenerateOptions.noise_scale), categories)


@dataclass(frozen=True)
class ComponentRecord:
    """Which component fills a generator slot, and the distribution (and version) that provides it."""

    name: str
    distribution: str
    version: str


def component_records(model_cfg: dict) -> dict[str, ComponentRecord]:
    """The component of each generator slot of a resolved model config, as the registry knows it now."""
    registry = get_registry()
    records = {}
    for slot in GENERATOR_SLOTS:
        info = registry.info(slot, str(model_cfg[slot]["name"]))
        records[slot] = ComponentRecord(info.name, info.distribution, info.version)
    return records


@dataclass(frozen=True)
class PackageConfig:
    """The contents of a package's ``config.json``.

    ``weights`` maps each category to its weights file; ``noise_scales`` each category to its default noise
    scale (one checkpoint: the experiment's ``generate.noise_scale``; an ensemble: the selected ones).
    """

    info: ModelInfo
    model: dict[str, Any]
    components: dict[str, ComponentRecord]
    weights: dict[str, str]
    noise_scales: dict[str, float]
    source: dict[str, Any] = field(default_factory=dict)
    toolkit_version: str = ""

    @property
    def is_ensemble(self) -> bool:
        return len(set(self.weights.values())) > 1

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "toolkit_version": self.toolkit_version,
            "categories": list(self.info.categories),
            "sample_rate": self.info.sample_rate,
            "clip_samples": self.info.clip_samples,
            "components": {slot: asdict(record) for slot, record in self.components.items()},
            "weights": self.weights,
            "noise_scales": self.noise_scales,
            "source": self.source,
            "model": self.model,
        }
        return json.dumps(data, indent=2) + "\n"

    def ensemble_yaml(self) -> str:
        """``ensemble.yaml``: per category its weights file and noise scale."""
        entries = {c: {"weights": self.weights[c], "noise_scale": self.noise_scales[c]} for c in self.info.categories}
        return yaml.safe_dump({"categories": entries}, sort_keys=False)


def is_package(folder: Path) -> bool:
    return (folder / CONFIG).is_file()


def read_package(folder: str | Path) -> PackageConfig:
    """``config.json`` of a package folder, checked: our format, a version this toolkit reads, every key."""
    folder = Path(folder)
    path = folder / CONFIG
    if not path.is_file():
        raise DataError(f"{folder} is not a model package (no {CONFIG}); make one with `toolkit pack exp/<tag>`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError(f"{path}: not a foley toolkit model package (its 'format' is not '{FORMAT}')")
    version = data.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise DataError(f"{path}: 'format_version' must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise DataError(
            f"{path}: package format version {version} is newer than this toolkit reads ({FORMAT_VERSION}); "
            f"upgrade foley-toolkit (it made the package: {data.get('toolkit_version', 'unknown')})"
        )
    try:
        info = ModelInfo(tuple(data["categories"]), int(data["sample_rate"]), int(data["clip_samples"]))
        components = {slot: ComponentRecord(**data["components"][slot]) for slot in GENERATOR_SLOTS}
        config = PackageConfig(info, dict(data["model"]), components, dict(data["weights"]),
                               {c: float(s) for c, s in data["noise_scales"].items()}, dict(data.get("source", {})),
                               str(data.get("toolkit_version", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path}: missing or malformed entry ({type(exc).__name__}: {exc})") from None
    missing = [c for c in info.categories if c not in config.weights or c not in config.noise_scales]
    if missing:
        raise DataError(f"{path}: no weights or noise scale for {', '.join(missing)}")
    for name in set(config.weights.values()):
        if not (folder / name).is_file():
            raise DataError(f"{folder}: weights file {name} named in {CONFIG} is missing")
    return config


def check_components(config: PackageConfig, where: Path) -> None:
    """Fail with one line naming the distribution to install when a generator component is not available;
    warn when an installed distribution's version differs from the one the package was made with."""
    registry = get_registry()
    for slot, record in config.components.items():
        try:
            info = registry.info(slot, record.name)
        except ComponentError:
            raise ComponentError(f"{where}: needs {slot} '{record.name}' from {_missing_reason(record)}") from None
        registry.get(slot, record.name)  # a broken or conflicting plugin: the registry's own one line
        if canonical_distribution(info.distribution) != canonical_distribution(record.distribution):
            logger.warning("%s: %s '%s' came from %s and is now provided by %s", where, slot, record.name,
                           record.distribution, info.distribution)
        elif info.version != record.version:
            logger.warning("%s: %s '%s' was packed with %s %s; %s is installed", where, slot, record.name,
                           record.distribution, record.version, info.version)


def _missing_reason(record: ComponentRecord) -> str:
    wanted = f"{record.distribution} {record.version}"
    try:
        metadata.version(record.distribution)
    except metadata.PackageNotFoundError:
        return f"the distribution {wanted}, which is not installed; pip install {record.distribution}"
    if canonical_distribution(record.distribution) in disabled_distributions():
        return f"the distribution {wanted}, which TOOLKIT_DISABLE_PLUGINS disables"
    return f"the distribution {wanted}, which is installed but does not offer it; reinstall {record.distribution}"
