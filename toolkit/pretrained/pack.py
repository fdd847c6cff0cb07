"""``pack_experiment``: one checkpoint (or a per-category ensemble) of an experiment into a model package."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from omegaconf import OmegaConf

import toolkit
from toolkit.errors import ConfigError, DataError
from toolkit.generate import load_ensemble
from toolkit.data.staging import staged_dir
from toolkit.fileio import atomic_write_text
from toolkit.pretrained.card import TrainingRecord, model_card
from toolkit.pretrained.package import (CARD, CONFIG, ENSEMBLE, WEIGHTS, PackageConfig, component_records,
                                        default_noise_scales, model_info)
from toolkit.pretrained.sources import checkpoint_path, load_weights, save_weights
from toolkit.train.checkpoint import load_checkpoint, saved_config

logger = logging.getLogger(__name__)

#: ``--archive`` choice -> shutil.make_archive format
ARCHIVES = {"tar.gz": "gztar", "zip": "zip"}


def default_out_dir(exp_dir: Path, checkpoint: str, ensemble: str | Path | None) -> Path:
    """``<exp_dir>/pack/<tag>-<checkpoint or ensemble stem>``."""
    stem = Path(ensemble).stem if ensemble else Path(checkpoint).stem
    return exp_dir / "pack" / f"{exp_dir.resolve().name}-{stem}"


def pack_experiment(exp_dir: str | Path, out_dir: str | Path | None = None, checkpoint: str = "last",
                    ensemble: str | Path | None = None, license: str = "unknown", archive: str | None = None) -> Path:
    """Write a package of ``checkpoint`` (``last``, ``initial``, ``step_N`` or a file) or of the ensemble spec
    ``ensemble`` into ``out_dir`` (replacing it once complete); returns the folder, or the archive if asked."""
    exp_dir = Path(exp_dir)
    if archive is not None and archive not in ARCHIVES:
        raise ConfigError(f"archive '{archive}' is unknown; use one of {', '.join(ARCHIVES)}")
    out_dir = Path(out_dir) if out_dir else default_out_dir(exp_dir, checkpoint, ensemble)
    if ensemble is not None:
        spec = load_ensemble(ensemble)
        per_category = {category: Path(path) for category, path in spec.checkpoints.items()}
        scales = dict(spec.noise_scales)
    else:
        path = checkpoint_path(exp_dir, checkpoint)
        per_category, scales = None, None

    sources = [path] if per_category is None else list(dict.fromkeys(per_category.values()))
    states = [load_checkpoint(source) for source in sources]
    configs = [saved_config(state) for state in states]
    model = OmegaConf.to_container(configs[0].model, resolve=True)
    for source, cfg in zip(sources[1:], configs[1:]):
        if OmegaConf.to_container(cfg.model, resolve=True) != model:
            raise DataError(f"{ensemble}: {source} has another model config than {sources[0]}; "
                            "an ensemble packs checkpoints of one experiment")
    info = model_info(configs[0])
    names = _weights_names(sources)
    if per_category is None:
        per_category = {category: path for category in info.categories}
        scales = default_noise_scales(configs[0])

    file_of = dict(zip(sources, names))
    config = PackageConfig(
        info, model, component_records(model),
        weights={category: file_of[per_category[category]] for category in info.categories},
        noise_scales={category: float(scales[category]) for category in info.categories},
        source={"experiment": exp_dir.resolve().name, "ensemble": Path(ensemble).name if ensemble else None,
                "checkpoints": {n: {"checkpoint": s.name, "step": int(st["step"])} for n, s, st in zip(names, sources, states)}},
        toolkit_version=toolkit.__version__,
    )
    record = TrainingRecord(
        exp_dir, dict(zip(names, sources)), {n: int(st["step"]) for n, st in zip(names, states)},
        str(configs[0].data.get("dataset", "unknown")), _train_manifest(configs[0], exp_dir),
        configs[0].get("train", {}).get("batch_size"), license, Path(ensemble) if ensemble else None,
    )
    with staged_dir(out_dir) as staging:
        for name, source, state in zip(names, sources, states):
            save_weights(state["generator"], staging / name,
                         {"format": "pt", "checkpoint": source.name, "step": str(int(state["step"]))})
            load_weights(model, staging / name)  # the package loads: same tensors, same model
        atomic_write_text(staging / CONFIG, config.to_json())
        if config.is_ensemble:
            atomic_write_text(staging / ENSEMBLE, config.ensemble_yaml())
        parameters = sum(t.numel() for t in states[0]["generator"].values())
        atomic_write_text(staging / CARD, model_card(config, record, parameters, out_dir.name))
    logger.info("packed %s into %s", ", ".join(s.name for s in sources), out_dir)
    if archive is None:
        return out_dir
    result = shutil.make_archive(str(out_dir), ARCHIVES[archive], root_dir=out_dir.parent, base_dir=out_dir.name)
    logger.info("archive: %s", result)
    return Path(result)


def _weights_names(sources: list[Path]) -> list[str]:
    """``model.safetensors`` for one checkpoint; ``model-<checkpoint stem>.safetensors`` for several."""
    if len(sources) == 1:
        return [WEIGHTS]
    stems = [source.stem for source in sources]
    if len(set(stems)) < len(stems):
        stems = [f"{i}-{stem}" for i, stem in enumerate(stems)]
    return [f"model-{stem}.safetensors" for stem in stems]


def _train_manifest(cfg, exp_dir: Path) -> Path | None:
    """The training manifest, if it can still be found (relative paths: to the current folder or the recipe's)."""
    value = cfg.data.get("train_manifest")
    if not value:
        return None
    path = Path(str(value))
    for candidate in (path, exp_dir.resolve().parent.parent / path):
        if candidate.is_file():
            return candidate
    return None
