"""Scoring a generated set against a reference: validate, embed (cached), run the scorers, write reports.

Used by both entry points (``toolkit score`` and the Hydra score stage), which only turn their
arguments into :class:`ScoreOptions`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from tqdm import tqdm

from toolkit.errors import ConfigError, ContractError, DataError
from toolkit.registry import get_registry
from toolkit.score.abs_embedding import AbsEmbedding
from toolkit.score.batched import BatchedEmbedding
from toolkit.score.cache import DEFAULT_CACHE_DIR, EmbeddingCache
from toolkit.categories import CategorySet
from toolkit.score.inputs import AudioSet, find_audio_set
from toolkit.score.prdc import DEFAULT_K
from toolkit.score.report import write_reports
from toolkit.score.scorers import CategoryEmbeddings, ScoringData, run_scorers, scorer_registry
from toolkit.score.stats import Gaussian, is_stats_dir, read_stats_dir
from toolkit.score.vggish import DEFAULT_URL
from toolkit.score.vggish_frontend import MODES
from toolkit.fileio import file_digest

logger = logging.getLogger(__name__)

#: files embedded per call of a batched embedding (its network batches span these files)
FILES_PER_CHUNK = 32
SCORE_HASH_CHARS = 8


@dataclass
class ScoreOptions:
    """Everything that decides a scoring run (the CLI flags and the ``score`` config group)."""

    generated_dir: str
    reference_dir: str
    out_dir: str
    embedding: str = "soundnet"
    mode: str | None = None  # None: the embedding's default mode (see default_mode)
    embedding_options: dict[str, Any] = field(default_factory=dict)
    vggish_weights: str | None = None
    vggish_url: str | None = DEFAULT_URL
    vggish_sha256: str | None = None
    cache_dir: str | None = DEFAULT_CACHE_DIR
    scorers: Sequence[str] | None = None
    k: int = DEFAULT_K
    seed: int = 0
    device: str = "cpu"
    batch_size: int | None = None

    def __post_init__(self):
        if self.mode is None:
            self.mode = default_mode(self.embedding)

    def digest(self) -> str:
        """Short hash of the settings that change the scores (names the ``score_<hash>`` folder): the
        reference, the embedding with its mode, options and weights, the scorers, ``k`` and ``seed``. Where
        the generated set is, where the result goes, the cache, device and batch size do not count."""
        key: dict[str, Any] = {
            "reference_dir": str(Path(self.reference_dir).resolve()),
            "embedding": self.embedding, "mode": self.mode, "embedding_options": self.embedding_options,
            "scorers": list(self.scorers) if self.scorers else None, "k": self.k, "seed": self.seed,
        }
        if self.embedding == "vggish":
            weights = str(Path(self.vggish_weights).expanduser().resolve()) if self.vggish_weights else None
            key.update(vggish_weights=weights, vggish_url=None if weights else self.vggish_url)
        blob = json.dumps(key, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:SCORE_HASH_CHARS]


def default_mode(embedding: str) -> str:
    """The scoring mode used when none is given: ``dcase2023`` (the official front end) for VGGish, whose
    numbers are only comparable with the challenge's that way, and ``standard`` for every other embedding."""
    return "dcase2023" if embedding == "vggish" else "standard"


def use_all_cores(threads: int | None = None) -> int:
    """Give torch ``threads`` CPU threads (default: every core this process may use); returns the count."""
    if not threads:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(int(threads))
    return int(threads)


def build_embedding(options: ScoreOptions) -> AbsEmbedding:
    """The embedding component named in ``options``; VGGish-only settings reach only VGGish."""
    runtime = {"mode": options.mode, "device": options.device}
    if options.embedding == "vggish":
        runtime.update(weights=options.vggish_weights, url=options.vggish_url, sha256=options.vggish_sha256)
    if options.batch_size:
        runtime["batch_size"] = options.batch_size
    return get_registry().build("embedding", {"name": options.embedding, **options.embedding_options}, **runtime)


def _check_rows(embedding: AbsEmbedding, path: Path, rows: Any) -> np.ndarray:
    if not isinstance(rows, np.ndarray) or rows.ndim != 2 or rows.shape[1] != embedding.dim or rows.shape[0] == 0:
        shape = getattr(rows, "shape", type(rows).__name__)
        raise ContractError(f"embedding {embedding.name} returned {shape} for {path}; expected [n >= 1, {embedding.dim}]")
    if not np.isfinite(rows).all():
        raise DataError(f"{path}: embedding {embedding.name} gave non-finite values (is the audio valid?)")
    return rows.astype(np.float64, copy=False)


def embed_audio_set(embedding: AbsEmbedding, audio: AudioSet, cache: EmbeddingCache | None, what: str,
                    progress: bool = True) -> dict[str, CategoryEmbeddings]:
    """Embed every file of ``audio`` (cached per file), grouped by category; ``progress``: show a bar."""
    files = audio.all_files()
    digests = {path: file_digest(path) for path in files}
    rows: dict[Path, np.ndarray] = {}
    for path in files:
        cached = cache.get(digests[path]) if cache is not None else None
        if cached is not None:
            rows[path] = cached
    todo = [path for path in files if path not in rows]
    logger.info("%s: %d files, %d cached, %d to embed with %s", what, len(files), len(files) - len(todo), len(todo), embedding.name)
    with tqdm(total=len(todo), desc=f"embed {what}", unit="file", disable=not (todo and progress)) as bar:
        for start in range(0, len(todo), FILES_PER_CHUNK):
            chunk = todo[start : start + FILES_PER_CHUNK]
            if isinstance(embedding, BatchedEmbedding):
                outputs = embedding.embed_files([str(p) for p in chunk])
            else:
                outputs = [embedding.embed_file(str(p)) for p in chunk]
            for path, out in zip(chunk, outputs):
                rows[path] = _check_rows(embedding, path, out)
                if cache is not None:
                    cache.put(digests[path], rows[path])
            bar.update(len(chunk))
    return {name: CategoryEmbeddings.from_clips([rows[p] for p in paths]) for name, paths in audio.files.items()}


def _notes(options: ScoreOptions, stats_reference: bool) -> list[str]:
    notes = []
    if options.embedding != "vggish":
        notes.append(f"Embedding {options.embedding}: FAD values are NOT comparable with DCASE 2023 challenge FADs (VGGish).")
    elif options.mode != "dcase2023":
        notes.append("VGGish in standard mode: FAD values are NOT comparable with official DCASE 2023 FADs (dcase2023 mode).")
    if stats_reference:
        notes.append("Reference is a statistics folder (Gaussians only): only FAD can be computed.")
    notes.append("Per-category metrics on small sets are biased (FAD grows as the number of rows shrinks); "
                 "compare numbers only between runs with the same set sizes and embedding.")
    return notes


def run_scoring(options: ScoreOptions, progress: bool = True) -> dict:
    """Score ``options.generated_dir`` against ``options.reference_dir``; write and return the result
    (``progress``: show the embedding bars)."""
    if options.mode not in MODES:
        raise ConfigError(f"unknown scoring mode '{options.mode}'; choose one of: {', '.join(MODES)}")
    stats_reference = is_stats_dir(options.reference_dir)
    if stats_reference and (options.embedding != "vggish" or options.mode != "dcase2023"):
        raise ConfigError(
            f"{options.reference_dir} holds official VGGish statistics (gt_embedding.pkl): score against it with "
            "--embedding vggish --mode dcase2023, or give a reference folder of audio"
        )
    generated_audio = find_audio_set(options.generated_dir, "generated", dcase2023=options.mode == "dcase2023")
    if stats_reference:
        reference_stats = read_stats_dir(options.reference_dir)
        reference_categories: Sequence[str] = list(reference_stats)
    else:
        reference_audio = find_audio_set(options.reference_dir, "reference")
        reference_categories = reference_audio.categories
    # the reference's folders may spell a category differently (dog_bark/, DogBark/): the generated set's names win
    known = CategorySet(tuple(reference_categories))
    missing = [name for name in generated_audio.categories if known.find(name) is None]
    if missing:
        raise DataError(f"reference {options.reference_dir} has no folder for category {', '.join(missing)}")
    spelled = {known[known.find(name)]: name for name in generated_audio.categories}
    if stats_reference:
        reference_stats = {spelled.get(name, name): stats for name, stats in reference_stats.items()}
    else:
        reference_audio = reference_audio.renamed(spelled)

    registry = scorer_registry()
    names = list(options.scorers) if options.scorers else registry.names()
    scorers = [registry.get(name) for name in names]
    embedding = build_embedding(options)
    cache = EmbeddingCache(options.cache_dir, embedding.settings, embedding.dim) if options.cache_dir else None
    generated = embed_audio_set(embedding, generated_audio, cache, "generated", progress)
    reference = None
    if stats_reference:
        dims = {name: s.mu.shape[0] for name, s in reference_stats.items()}
        if any(d != embedding.dim for d in dims.values()):
            raise DataError(f"statistics in {options.reference_dir} have dimension {sorted(set(dims.values()))}, embedding {embedding.dim}")
    else:
        reference = embed_audio_set(embedding, reference_audio, cache, "reference", progress)
        reference_stats = {name: Gaussian.of(e.examples) for name, e in reference.items()}

    data = ScoringData(generated, reference, reference_stats, k=options.k, seed=options.seed)
    metrics, skipped = run_scorers(scorers, data)
    result = {
        "generated_dir": str(Path(options.generated_dir).resolve()),
        "reference_dir": str(Path(options.reference_dir).resolve()),
        "reference_kind": "official statistics (gt_embedding.pkl)" if stats_reference else "audio",
        "embedding": embedding.settings,
        "mode": options.mode,
        "categories": data.categories,
        "clip_format": {"sample_rate": generated_audio.fmt.sample_rate, "clip_samples": generated_audio.fmt.num_samples},
        "clips": {
            name: {"generated": len(generated_audio.files[name]),
                   "reference": len(reference_audio.files[name]) if reference is not None else None,
                   "generated_rows": int(generated[name].examples.shape[0]),
                   "reference_rows": int(reference_stats[name].count)}
            for name in data.categories
        },
        "metrics": metrics,
        "skipped": skipped,
        "notes": _notes(options, stats_reference),
        "settings": {"k": options.k, "seed": options.seed, "scorers": names},
    }
    paths = write_reports(result, options.out_dir)
    logger.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return result
