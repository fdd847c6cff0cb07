"""Writing generated clips as they come: ``audio/<Category>/NNNN.wav`` (plus, for the DCASE set, the official
scorer's snake_case layout), a manifest line per clip, a temporary sibling folder renamed into place at the
end, so an interrupted run never looks complete (and resumes)."""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml

from toolkit import dcase
from toolkit.categories import CategorySet
from toolkit.data.staging import replace_path
from toolkit.errors import DataError
from toolkit.fileio import atomic_write_text
from toolkit.generate.plan import ClipJob

logger = logging.getLogger(__name__)

#: Every generation: audio/<Category>/0001.wav, the name exactly as categories.txt spells it.
AUDIO_DIR = "audio"
#: The DCASE set only: the official scorer's snake_case folders (generated_audio/sneeze_cough/0001.wav).
SCORER_DIR = "generated_audio"
MANIFEST = "manifest.jsonl"
OPTIONS = "generate.yaml"
#: in the temporary folder: the digest of the generation plan its clips belong to
PLAN_DIGEST = ".plan_digest"
SUBTYPE = "PCM_16"


class ClipWriter:
    """Writes clips into ``<out_dir>``'s temporary sibling ``.<name>.partial``; :meth:`finish` renames it.
    Each manifest line names the clip's category, index, noise scale, seed, checkpoint and ``precision``.

    The manifest is appended (and flushed) after a clip's files exist, so on a rerun every clip it lists is
    kept and only the rest are generated again; given the plan's ``digest``, a temporary folder left by
    another plan is discarded instead.
    """

    def __init__(self, out_dir: str | Path, clips_per_category: int, categories: CategorySet, precision: str = "fp32",
                 digest: str | None = None):
        self.out_dir = Path(out_dir)
        self.precision = precision
        self.partial = self.out_dir.with_name(f".{self.out_dir.name}.partial")
        self.width = max(4, len(str(clips_per_category)))
        self.scorer_layout = dcase.is_dcase(categories)
        self.digest = digest
        self.written = 0  # clips in the temporary folder
        self._manifest = None

    def relative_paths(self, job: ClipJob) -> list[str]:
        """Paths of a clip relative to the output folder: ``audio/<Category>/``, then for the DCASE set the
        scorer's ``generated_audio/<snake_case>/``."""
        name = f"{job.index:0{self.width}d}.wav"
        paths = [f"{AUDIO_DIR}/{job.category}/{name}"]
        if self.scorer_layout:
            paths.append(f"{SCORER_DIR}/{dcase.scorer_folder(job.category)}/{name}")
        return paths

    def reopen(self) -> None:
        """Add clips to a finished ``out_dir``: move it back to the temporary folder, so that :meth:`open` keeps
        its clips and :meth:`finish` renames it again (a clip written again replaces its earlier version)."""
        if not self.out_dir.is_dir() or self.partial.exists():
            return
        if (self.out_dir / MANIFEST).is_file():
            os.replace(self.out_dir, self.partial)
        elif any(self.out_dir.iterdir()):
            raise DataError(f"{self.out_dir} is not empty and has no {MANIFEST}: not a folder of generated clips; "
                            "choose another output folder")

    def open(self) -> set[tuple[int, int]]:
        """Create (or reopen) the temporary folder; returns the (category_id, index) pairs already written."""
        done: set[tuple[int, int]] = set()
        manifest = self.partial / MANIFEST
        marker = self.partial / PLAN_DIGEST
        if self.digest is not None and self.partial.exists() and not (
                marker.is_file() and marker.read_text(encoding="utf-8").strip() == self.digest):
            logger.warning("discarding %s: a run with other generate options left it", self.partial)
            shutil.rmtree(self.partial)
        if manifest.is_file():
            records = _read_lines(manifest)
            _write_lines(manifest, records)
            done = {(record["category_id"], record["index"]) for record in records}
            logger.info("resuming %s: %d clips already written", self.partial, len(done))
        self.partial.mkdir(parents=True, exist_ok=True)
        if self.digest is not None:
            atomic_write_text(marker, self.digest + "\n")
        self.written = len(done)
        self._manifest = open(manifest, "a", encoding="utf-8")
        return done

    def write(self, job: ClipJob, audio: np.ndarray, sample_rate: int) -> None:
        """Write one mono clip [samples] in every layout (the copies hard links where possible)."""
        if audio.ndim != 1:
            raise DataError(f"generated clip has shape {audio.shape}; expected one mono channel")
        baseline, *copies = (self.partial / p for p in self.relative_paths(job))
        for path in (baseline, *copies):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        with open(baseline, "wb") as handle:  # a Python file object: libsndfile does not fsync every clip
            sf.write(handle, np.clip(audio, -1.0, 1.0), sample_rate, subtype=SUBTYPE, format="WAV")
        for copy in copies:
            try:
                os.link(baseline, copy)
            except OSError:
                shutil.copyfile(baseline, copy)
        record = {
            "category": job.category, "category_id": job.category_id, "index": job.index,
            "noise_scale": job.noise_scale, "seed": job.seed, "checkpoint": job.checkpoint,
            "precision": self.precision, "path": self.relative_paths(job)[0],
        }
        self._manifest.write(json.dumps(record) + "\n")
        self._manifest.flush()
        self.written += 1

    def finish(self, options: dict) -> Path:
        """Sort the manifest (one line per clip), write the options and rename the temporary folder to ``out_dir``."""
        self.close()
        manifest = self.partial / MANIFEST
        latest = {(r["category_id"], r["index"]): r for r in _read_lines(manifest)}  # a clip written again: its last line
        _write_lines(manifest, [latest[key] for key in sorted(latest)])
        atomic_write_text(self.partial / OPTIONS, yaml.safe_dump(options, sort_keys=False))
        (self.partial / PLAN_DIGEST).unlink(missing_ok=True)
        replace_path(self.partial, self.out_dir)
        return self.out_dir

    def close(self) -> None:
        if self._manifest is not None:
            self._manifest.close()
            self._manifest = None


def _read_lines(path: Path) -> list[dict]:
    """Manifest records; a torn last line (the run was killed mid-write) is dropped."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            logger.warning("%s: dropping an incomplete line", path)
    return records


def _write_lines(path: Path, records: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(record) + "\n" for record in records))
