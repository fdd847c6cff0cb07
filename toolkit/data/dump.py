"""Feature dump: linear spectrograms of every manifest entry, computed once and reused.

Features are content-addressed: a file's name is its cache key, a hash of the audio's sha256, the STFT
settings, the clip length and the peak-normalisation setting, so a change in any of them gives a new key
and the feature is recomputed; unchanged entries are reused. The dump writes, per split,
``<dump_dir>/<split>/manifest.jsonl`` (the input entries plus ``feature_path``) and
``<dump_dir>/<split>/features/<key>.pt``; features no longer referenced are removed.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import torch
from tqdm import tqdm

from toolkit.data.dataset import DEFAULT_PEAK, load_clip
from toolkit.data.manifest import read_manifest, write_manifest
from toolkit.errors import ConfigError, DataError
from toolkit.features import STFTSettings, linear_spectrogram
from toolkit.fileio import atomic_open

logger = logging.getLogger(__name__)

#: Bump when the way features are computed changes, so old caches are recomputed.
FEATURE_VERSION = 1
MANIFEST_NAME = "manifest.jsonl"
FEATURE_DIR = "features"


def stft_settings(data_cfg) -> STFTSettings:
    """The :class:`STFTSettings` of a ``data`` config (``data.stft.*``, sample rate from ``data.sample_rate``)."""
    try:
        return STFTSettings(**{"sample_rate": int(data_cfg.sample_rate), **dict(data_cfg.stft)})
    except (TypeError, AttributeError) as exc:
        raise ConfigError(f"data.stft / data.sample_rate are incomplete or invalid: {exc}") from None


def dump_manifest_path(dump_dir: str | Path, split: str) -> Path:
    """Where the dump stage writes the manifest of ``split``."""
    return Path(dump_dir) / split / MANIFEST_NAME


def cache_key(sha256: str, settings: STFTSettings, clip_samples: int, peak: float | None) -> str:
    """The hash that names a feature file; it changes with anything that changes the feature."""
    fields = {
        "version": FEATURE_VERSION, "sha256": sha256, "stft": settings.as_dict(),
        "clip_samples": clip_samples, "peak_normalize": peak,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def compute_feature(path: str | Path, settings: STFTSettings, clip_samples: int, peak: float | None) -> torch.Tensor:
    """Linear spectrogram [n_freqs, frames] of one clip, normalised as the dataset normalises it."""
    audio = load_clip(path, settings.sample_rate, clip_samples, peak)
    return linear_spectrogram(torch.from_numpy(audio).unsqueeze(0), settings)[0].contiguous()


def dump_split(
    manifest: str | Path, out_dir: str | Path, settings: STFTSettings, clip_samples: int, peak: float | None,
) -> tuple[Path, int]:
    """Dump one manifest into ``out_dir``; returns the dump manifest's path and how many were computed."""
    entries = read_manifest(manifest)
    out_dir = Path(out_dir)
    feature_dir = out_dir / FEATURE_DIR
    feature_dir.mkdir(parents=True, exist_ok=True)
    dumped, computed = [], 0
    for entry in tqdm(entries, desc=f"dump {out_dir.name}", unit="clip", leave=False):
        key = cache_key(entry["sha256"], settings, clip_samples, peak)
        feature_path = (feature_dir / f"{key}.pt").resolve()
        if not feature_path.is_file():
            spec = compute_feature(entry["path"], settings, clip_samples, peak)
            with atomic_open(feature_path, "wb") as handle:
                torch.save(spec, handle)
            computed += 1
        dumped.append({**entry, "feature_path": str(feature_path)})
    keep = {Path(entry["feature_path"]).name for entry in dumped}
    stale = [path for path in feature_dir.glob("*.pt") if path.name not in keep]
    for path in stale:
        path.unlink()
    target = dump_manifest_path(out_dir.parent, out_dir.name)
    write_manifest(target, dumped)
    logger.info(
        "dumped %s -> %s: %d computed, %d reused, %d stale removed",
        manifest, target, computed, len(dumped) - computed, len(stale),
    )
    return target, computed


def check_dump(
    manifest: str | Path, entries: list[dict], settings: STFTSettings, clip_samples: int, peak: float | None,
) -> None:
    """Fail when a dump is stale: its features were computed with other settings than the current ones."""
    for entry in entries:
        expected = cache_key(entry.get("sha256", ""), settings, clip_samples, peak)
        if Path(entry["feature_path"]).stem != expected:
            raise DataError(
                f"{manifest}: the features of {entry['path']} were dumped with other data settings "
                "(data.stft, data.clip_samples or data.peak_normalize); rerun the dump stage"
            )


def dump_from_config(cfg) -> dict[str, Path]:
    """Dump ``data.train_manifest`` (and ``data.valid_manifest`` when set) under ``data.dump_dir``."""
    data = cfg.data
    settings = stft_settings(data)
    splits = {"train": data.train_manifest, "valid": data.get("valid_manifest")}
    peak = data.get("peak_normalize", DEFAULT_PEAK)
    written = {}
    for split, manifest in splits.items():
        if manifest is not None:
            written[split], _ = dump_split(manifest, Path(data.dump_dir) / split, settings, int(data.clip_samples), peak)
    return written
