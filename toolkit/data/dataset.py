"""Training data: clips and their cached linear spectrograms, and an epoch-aware distributed loader.

Each item is ``{"audio": [1, clip_samples], "spec": [n_freqs, frames], "category_id": long}``. The audio is
read from the manifest's ``path`` and peak-normalised as the VIFS reference does; the spectrogram is the
one the dump stage cached at ``feature_path`` (computed from the same normalised audio).
"""
from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from toolkit.audio import fit_length, read_audio, to_mono
from toolkit.data.manifest import read_manifest
from toolkit.errors import ConfigError, DataError, ToolkitError
from toolkit.fileio import load_refusal_reason

DUMP_KEYS = ("path", "category_id", "feature_path")
#: The reference peak-normalises every clip to 0.95 (``data.peak_normalize``; null disables it).
DEFAULT_PEAK = 0.95


def peak_normalize(audio: np.ndarray, peak: float | None) -> np.ndarray:
    """``audio / max(|audio| + 1e-6) * peak`` (the reference's per-clip normalisation); None leaves it as is."""
    if peak is None:
        return audio
    return audio / np.max(np.abs(audio) + 1e-6) * peak


def load_clip(path: str | Path, sample_rate: int, clip_samples: int, peak: float | None) -> np.ndarray:
    """Mono float32 audio of exactly ``clip_samples`` (cropped or zero-padded), peak-normalised."""
    samples, rate = read_audio(path)
    if rate != sample_rate:
        raise DataError(f"{path} is {rate} Hz, expected {sample_rate} Hz (data.sample_rate); rerun the prepare stage")
    return peak_normalize(fit_length(to_mono(samples), clip_samples), peak).astype(np.float32)


#: How to recreate features: the dump stage recomputes the missing ones.
DUMP_AGAIN = "run the dump stage again (./run.sh --stage 2 --stop-stage 2 --force true, or toolkit dump)"


def load_feature(path: str | Path) -> Tensor:
    """A cached spectrogram written by the dump stage (loaded with ``weights_only=True``)."""
    try:
        feature = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DataError(f"feature {path} is missing; {DUMP_AGAIN}") from None
    except Exception as exc:  # torch raises many types on a damaged file; its messages advise unsafe loading
        raise DataError(
            f"feature {path} cannot be loaded ({load_refusal_reason(exc)}); delete it and {DUMP_AGAIN}") from None
    if not isinstance(feature, Tensor) or feature.dim() != 2:
        raise DataError(f"feature {path} is not a [freqs, frames] spectrogram; delete it and {DUMP_AGAIN}")
    return feature


class SpectrogramDataset(Dataset):
    """The clips of a dump manifest with their cached linear spectrograms."""

    def __init__(self, manifest: str | Path, sample_rate: int, clip_samples: int, peak: float | None = DEFAULT_PEAK):
        self.manifest = Path(manifest)
        self.entries = read_manifest(self.manifest, required=DUMP_KEYS)
        if not self.entries:
            raise DataError(f"manifest {self.manifest} has no entries")
        self.sample_rate = sample_rate
        self.clip_samples = clip_samples
        self.peak = peak

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        entry = self.entries[index]
        audio = load_clip(entry["path"], self.sample_rate, self.clip_samples, self.peak)
        return {
            "audio": torch.from_numpy(audio).unsqueeze(0),
            "spec": load_feature(entry["feature_path"]),
            "category_id": torch.tensor(int(entry["category_id"]), dtype=torch.long),
        }


class ResumableDistributedSampler(DistributedSampler):
    """A :class:`DistributedSampler` that can start part-way into an epoch (to resume training)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start = 0

    def set_start(self, start: int) -> None:
        """Skip the first ``start`` indices of this rank's share of the current epoch."""
        self.start = start

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(super().__iter__(), self.start, None)

    def __len__(self) -> int:
        return max(self.num_samples - self.start, 0)


class EpochLoader:
    """Batches for one epoch at a time: ``epoch(e, start_batch)`` always sets the sampler's epoch.

    The order of an epoch depends only on ``seed`` and the epoch number, and workers are seeded from a
    private generator, so the global torch RNG is never consumed and a resumed run sees the same batches.
    """

    def __init__(
        self, dataset: Dataset, batch_size: int, *, seed: int, rank: int = 0, world_size: int = 1,
        shuffle: bool = True, drop_last: bool = True, num_workers: int = 0, pin_memory: bool = False,
    ):
        if batch_size < 1:
            raise ConfigError(f"train.batch_size must be a positive number of clips, got {batch_size}")
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.seed = seed
        self.sampler = ResumableDistributedSampler(
            dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last,
        )
        if len(self) == 0:
            raise ConfigError(
                f"train.batch_size={batch_size} x {world_size} process(es) is larger than the "
                f"{len(dataset)} clips of the data set; lower train.batch_size"
            )
        self.generator = torch.Generator()
        self.loader = DataLoader(
            dataset, batch_size=batch_size, sampler=self.sampler, drop_last=drop_last,
            num_workers=num_workers, pin_memory=pin_memory, persistent_workers=num_workers > 0,
            generator=self.generator,
        )

    def __len__(self) -> int:
        """Batches in a full epoch."""
        per_rank = self.sampler.num_samples
        return per_rank // self.batch_size if self.drop_last else math.ceil(per_rank / self.batch_size)

    def epoch(self, epoch: int, start_batch: int = 0) -> Iterator[dict[str, Tensor]]:
        """The batches of ``epoch``, skipping the first ``start_batch`` ones (without loading them)."""
        self.sampler.set_epoch(epoch)
        self.sampler.set_start(start_batch * self.batch_size)
        self.generator.manual_seed(self.seed + epoch)
        return _one_line_errors(iter(self.loader))


def _one_line_errors(batches: Iterator[dict[str, Tensor]]) -> Iterator[dict[str, Tensor]]:
    """``batches``, but a :class:`ToolkitError` raised in a DataLoader worker keeps its own one-line message
    (torch re-raises it in this process with the worker's whole traceback as the message)."""
    try:
        yield from batches
    except ToolkitError as exc:
        message = str(exc)
        if "\nOriginal Traceback" not in message:
            raise
        prefix = f"{type(exc).__module__}.{type(exc).__qualname__}: "
        last = message.rstrip().splitlines()[-1]
        raise type(exc)(last[len(prefix):] if last.startswith(prefix) else last) from None
