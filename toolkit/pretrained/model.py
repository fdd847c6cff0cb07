"""``FoleyModel``: a trained model as a Python object: categories, rate, length, ``generate`` and ``save``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from torch import nn
from tqdm import tqdm

from toolkit.categories import CategorySet
from toolkit.errors import ConfigError, DataError
from toolkit.generate import ClipJob, FastGenerator, GenerateOptions, clip_seed, load_ensemble
from toolkit.generate.writer import OPTIONS, ClipWriter
from toolkit.pretrained.package import ModelInfo, check_components, default_noise_scales, is_package, model_info, read_package
from toolkit.pretrained.sources import checkpoint_path, load_weights

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz")


class FoleyModel:
    """A category-to-sound model ready to generate, loaded with :meth:`from_pretrained`.

    ``generate`` returns float32 clips ``[n, clip_samples]``; clip ``i`` (1-based, from ``start``) uses the
    recipe's per-clip seed for ``(seed, category, i)``, so it equals the recipe's ``audio/<Category>/000i.wav``
    made with ``generate.seed=seed`` and the same noise scale. ``save`` writes the recipe's layout.
    """

    def __init__(self, source: Path, info: ModelInfo, generators: dict[str, nn.Module], weights: dict[str, str],
                 noise_scales: dict[str, float], device: str = "auto", precision: str | None = None,
                 batch_size: int | None = None, memory_budget_gb: float | None = None):
        """``generators``: weights label (a file) -> its model; ``weights``: category -> weights label."""
        if batch_size is not None and batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer or None (automatic), got {batch_size}")
        self.source = source
        self.info = info
        self.noise_scales = dict(noise_scales)
        self.batch_size = batch_size
        self.memory_budget_gb = memory_budget_gb if memory_budget_gb is not None else GenerateOptions.memory_budget_gb
        precision = precision or GenerateOptions.precision
        self._generators = {label: FastGenerator(model, device, precision) for label, model in generators.items()}
        first = next(iter(self._generators.values()))
        self.device, self.precision = first.device, first.precision  # precision "auto" resolved for the device
        self._weights = dict(weights)
        self._batch_sizes: dict[str, int] = {}

    @classmethod
    def from_pretrained(cls, path: str | Path, checkpoint: str = "last", ensemble: str | Path | None = None,
                        device: str = "auto", precision: str | None = None, batch_size: int | None = None,
                        memory_budget_gb: float | None = None) -> "FoleyModel":
        """Load a package folder (``toolkit pack``), or an experiment folder with ``checkpoint`` (``last``,
        ``initial``, ``step_N``) or ``ensemble`` (a spec from the select stage), or a checkpoint file.

        ``device`` ``auto`` picks CUDA when available; ``precision`` and ``memory_budget_gb`` default to the
        recipe's generation defaults.
        """
        path = Path(path).resolve()
        options = dict(device=device, precision=precision, batch_size=batch_size, memory_budget_gb=memory_budget_gb)
        if path.is_dir() and is_package(path):
            if ensemble is not None or checkpoint != "last":
                raise ConfigError(f"{path} is a package and holds its own weights; checkpoint and ensemble "
                                  "choose weights of an experiment folder")
            config = read_package(path)
            check_components(config, path)
            generators = {str(path / name): load_weights(config.model, path / name)
                          for name in dict.fromkeys(config.weights.values())}
            weights = {category: str(path / name) for category, name in config.weights.items()}
            return cls(path, config.info, generators, weights, config.noise_scales, **options)
        if ensemble is not None:
            spec = load_ensemble(ensemble)
            return cls._from_checkpoints(path, {c: Path(p).resolve() for c, p in spec.checkpoints.items()}, spec.noise_scales, options)
        if path.is_dir():
            if not (path / "checkpoints").is_dir():
                raise DataError(f"{path} is neither a model package (no config.json) nor an experiment folder "
                                "(no checkpoints/)")
            return cls._from_checkpoints(path, checkpoint_path(path, checkpoint).resolve(), None, options)
        if path.is_file() and path.name.endswith(ARCHIVE_SUFFIXES):
            raise DataError(f"{path} is an archive; unpack it (tar xzf / unzip) and load the folder")
        if path.is_file():
            return cls._from_checkpoints(path.parent, path, None, options)
        raise DataError(f"{path} does not exist; give a package folder, an experiment folder or a checkpoint file")

    @classmethod
    def _from_checkpoints(cls, source: Path, checkpoints: Path | dict[str, Path], noise_scales: dict[str, float] | None,
                          options: dict) -> "FoleyModel":
        from toolkit.train.checkpoint import load_generator

        first = checkpoints if isinstance(checkpoints, Path) else next(iter(checkpoints.values()))
        generators = {}
        for path in [first] if isinstance(checkpoints, Path) else dict.fromkeys(checkpoints.values()):
            generators[str(path)], cfg = load_generator(path)
            if path == first:
                info, scales = model_info(cfg), noise_scales or default_noise_scales(cfg)
        if isinstance(checkpoints, Path):
            checkpoints = {category: checkpoints for category in info.categories}
        weights = {category: str(path) for category, path in checkpoints.items()}
        return cls(source, info, generators, weights, scales, **options)

    # -- what the model makes ----------------------------------------------------------------------
    @property
    def categories(self) -> tuple[str, ...]:
        """Category names in id order."""
        return self.info.categories

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @property
    def clip_samples(self) -> int:
        return self.info.clip_samples

    def category(self, name: str) -> str:
        """The model's spelling of a category name (case, ``_``, ``-`` and spaces ignored), or one clear error."""
        found = CategorySet(self.categories).find(str(name))
        if found is None:
            raise DataError(f"unknown category '{name}'; this model knows: {', '.join(self.categories)}")
        return self.categories[found]

    def __repr__(self) -> str:
        return (f"FoleyModel({str(self.source)!r}, {len(self.categories)} categories, {self.sample_rate} Hz, "
                f"{self.clip_samples} samples)")

    # -- generation --------------------------------------------------------------------------------
    def generate(self, category: str, n: int = 1, seed: int = 0, noise_scale: float | None = None, start: int = 1,
                 progress: bool = False) -> np.ndarray:
        """Clips ``start .. start+n-1`` of ``category`` as float32 ``[n, clip_samples]``; ``noise_scale``
        defaults to the model's own (an ensemble's per category)."""
        jobs = self._jobs(category, n, seed, noise_scale, start)
        label = self._weights[jobs[0].category]
        generator = self._generators[label]
        batch_size = 1 if n == 1 else self._batch_size(label, generator)
        audio = np.empty((n, self.clip_samples), dtype=np.float32)
        with tqdm(total=n, desc=f"generate {jobs[0].category}", unit="clip", disable=not progress) as bar:
            first = 0
            for batch, clips in generator.batches(jobs, batch_size, self.clip_samples):
                audio[first : first + len(batch)] = clips
                first += len(batch)
                bar.update(len(batch))
        return audio

    def save(self, audio: np.ndarray, out_dir: str | Path, category: str, seed: int = 0,
             noise_scale: float | None = None, start: int = 1) -> Path:
        """Write clips made by :meth:`generate` (same ``category``, ``seed``, ``noise_scale``, ``start``) as
        PCM_16 WAV in the recipe's layout (``audio/<Category>/NNNN.wav``, ``generated_audio/<snake_case>/``)
        with ``manifest.jsonl``; an existing output folder of generated clips keeps its other clips."""
        audio = np.asarray(audio)
        if audio.ndim == 1:
            audio = audio[None]
        if audio.ndim != 2 or audio.shape[0] < 1:
            raise DataError(f"save expects clips [n, samples] from generate, got shape {audio.shape}")
        jobs = self._jobs(category, audio.shape[0], seed, noise_scale, start)
        writer = ClipWriter(out_dir, start + len(jobs) - 1, CategorySet(self.categories), self.precision)
        writer.reopen()
        writer.open()
        try:
            for job, clip in zip(jobs, audio):
                writer.write(job, clip, self.sample_rate)
            options_file = writer.partial / OPTIONS
            record = (yaml.safe_load(options_file.read_text(encoding="utf-8")) if options_file.is_file() else None) or {}
            record.update(model=str(self.source), precision=self.precision)
            record.setdefault("clips", {})[jobs[0].category] = {
                "seed": int(seed), "noise_scale": jobs[0].noise_scale, "first": start, "count": len(jobs)}
            return writer.finish(record)
        finally:
            writer.close()

    def _jobs(self, category: str, n: int, seed: int, noise_scale: float | None, start: int) -> list[ClipJob]:
        name = self.category(category)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"n must be a positive integer, got {n!r}")
        if not isinstance(start, (int, np.integer)) or start < 1:
            raise ConfigError(f"start must be a positive integer (clips count from 1), got {start!r}")
        scale = self.noise_scales[name] if noise_scale is None else float(noise_scale)
        if not scale >= 0:
            raise ConfigError(f"noise_scale must be >= 0, got {noise_scale!r}")
        category_id = self.categories.index(name)
        label = self._weights[name]
        return [ClipJob(category_id, i, scale, clip_seed(seed, name, i), label, name) for i in range(start, start + n)]

    def _batch_size(self, label: str, generator: FastGenerator) -> int:
        """The recipe's choice: ``batch_size``, else the largest batch the memory budget allows."""
        if self.batch_size is not None:
            return self.batch_size
        if label not in self._batch_sizes:
            self._batch_sizes[label] = generator.auto_batch_size(self.memory_budget_gb)
        return self._batch_sizes[label]
