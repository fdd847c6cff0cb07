"""Takes of an audition: a request for variations of one category, generated in order by one worker thread and
written in the recipe's layout (``FoleyModel.save``: WAVs + ``manifest.jsonl``), with mel pictures and a zip."""
from __future__ import annotations

import json
import logging
import math
import queue
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit.errors import ConfigError, DataError, ToolkitError
from toolkit.generate.writer import MANIFEST
from toolkit.pretrained import FoleyModel
from toolkit.report.media import write_mel_png

logger = logging.getLogger(__name__)

#: The most variations one take may ask for (a page of clips, not a batch job; use ``toolkit synth`` for more).
MAX_VARIATIONS = 32
#: Seeds are unsigned 32-bit integers.
MAX_SEED = 2**32 - 1
TAKE_FOLDER = re.compile(r"^(\d+)_")


@dataclass
class Take:
    """``n`` clips of ``category`` from ``seed`` at ``noise_scale``; ``done`` counts the clips generated so far."""

    id: int
    category: str
    n: int
    seed: int
    noise_scale: float
    root: Path
    status: str = "queued"  # queued -> running -> done | failed
    done: int = 0
    error: str | None = None
    clips: list[str] = field(default_factory=list)  # paths of the written clips, relative to ``folder``

    @property
    def name(self) -> str:
        """``003_DogBark_seed7_ns0.667``: the folder, the zip and the downloaded files are named after it."""
        return f"{self.id:03d}_{self.category}_seed{self.seed}_ns{self.noise_scale:g}"

    @property
    def folder(self) -> Path:
        """The take's clips in the recipe's layout, as ``FoleyModel.save`` writes them."""
        return self.root / self.name

    def as_json(self) -> dict:
        base = f"/takes/{self.id}"
        clips = [{"index": i, "audio": f"{base}/clips/{i}.wav", "mel": f"{base}/mel/{i}.png",
                  "file": f"{self.name}_{Path(path).name}"} for i, path in enumerate(self.clips, 1)]
        return {"id": self.id, "category": self.category, "n": self.n, "seed": self.seed,
                "noise_scale": self.noise_scale, "status": self.status, "done": self.done, "error": self.error,
                "clips": clips, "zip": f"{base}.zip" if self.status == "done" else None, "zip_file": f"{self.name}.zip"}


class Audition:
    """A model, a folder of takes and one worker thread that generates the takes in the order they came."""

    def __init__(self, model: FoleyModel, folder: str | Path):
        self.model = model
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._takes: dict[int, Take] = {}
        earlier = [int(match[1]) for path in self.folder.iterdir() if (match := TAKE_FOLDER.match(path.name))]
        self._first_id = max(earlier, default=0) + 1  # a reused folder keeps its earlier takes
        self._lock = threading.Lock()  # the takes and their fields
        self._render_lock = threading.Lock()  # matplotlib figures and archives, one at a time
        self._queue: queue.Queue[Take | None] = queue.Queue()
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._work, name="audition-worker", daemon=True)
        self._worker.start()

    def describe(self) -> dict:
        """What the page needs to know about the model."""
        model = self.model
        return {"source": model.source.name, "categories": list(model.categories), "sample_rate": model.sample_rate,
                "clip_samples": model.clip_samples, "noise_scales": model.noise_scales,
                "max_variations": MAX_VARIATIONS, "max_seed": MAX_SEED, "device": str(model.device),
                "precision": model.precision}

    def request(self, category, n, seed, noise_scale=None) -> Take:
        """Queue a take; bad values raise one-line :class:`ConfigError`/:class:`DataError`."""
        category = self.model.category(str(category))
        n, seed = _integer("n", n, 1, MAX_VARIATIONS), _integer("seed", seed, 0, MAX_SEED)
        scale = self.model.noise_scales[category] if noise_scale in (None, "") else noise_scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale < 0:
            raise ConfigError(f"noise_scale must be a number >= 0, got {noise_scale!r}")
        with self._lock:
            take = Take(self._first_id + len(self._takes), category, n, seed, float(scale), self.folder)
            self._takes[take.id] = take
        self._queue.put(take)
        return take

    def take(self, take_id: int) -> Take:
        with self._lock:
            if take_id not in self._takes:
                raise DataError(f"no take {take_id}")
            return self._takes[take_id]

    def takes(self) -> list[dict]:
        with self._lock:
            return [take.as_json() for take in self._takes.values()]

    def snapshot(self, take: Take) -> dict:
        with self._lock:
            return take.as_json()

    def clip(self, take: Take, index: int) -> Path:
        """The WAV file of clip ``index`` (1-based) of a finished take."""
        with self._lock:
            if not 1 <= index <= len(take.clips):
                raise DataError(f"take {take.id} has no clip {index}")
            return take.folder / take.clips[index - 1]

    def mel_picture(self, take: Take, index: int) -> Path:
        """The clip's log-mel picture (the report's), rendered on first request; kept outside the take's folder."""
        source = self.clip(take, index)
        target = self.folder / "pictures" / take.name / f"{index:04d}.png"
        with self._render_lock:
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                write_mel_png(source, target)
        return target

    def archive(self, take: Take) -> Path:
        """The take's folder (clips in both layouts, ``manifest.jsonl``, ``generate.yaml``) as one zip."""
        if take.status != "done":
            raise DataError(f"take {take.id} is {take.status}; its zip is made once every clip is written")
        target = self.folder / "zips" / f"{take.name}.zip"
        with self._render_lock:
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                made = shutil.make_archive(str(target.with_suffix("")), "zip", root_dir=take.folder.parent,
                                           base_dir=take.folder.name)
                logger.info("zip of take %d: %s", take.id, made)
        return target

    def close(self) -> None:
        """Stop the worker after the clip it is generating; takes not finished are marked failed."""
        self._stopping.set()
        self._queue.put(None)
        self._worker.join()

    # -- the worker ---------------------------------------------------------------------------------
    def _work(self) -> None:
        while (take := self._queue.get()) is not None:
            if self._stopping.is_set():
                self._set(take, status="failed", error="the app stopped")
                continue
            try:
                self._generate(take)
            except ToolkitError as exc:
                self._set(take, status="failed", error=str(exc))
            except Exception as exc:  # the app keeps serving; the page shows the failure
                logger.exception("take %d failed", take.id)
                self._set(take, status="failed", error=f"{type(exc).__name__}: {exc}")

    def _generate(self, take: Take) -> None:
        """Clip by clip (the page shows the progress), then written at once with the recipe's writer."""
        self._set(take, status="running")
        audio = np.empty((take.n, self.model.clip_samples), dtype=np.float32)
        for i in range(take.n):
            if self._stopping.is_set():
                self._set(take, status="failed", error="the app stopped")
                return
            audio[i] = self.model.generate(take.category, n=1, seed=take.seed, noise_scale=take.noise_scale,
                                           start=i + 1)[0]
            self._set(take, done=i + 1)
        folder = self.model.save(audio, take.folder, category=take.category, seed=take.seed,
                                 noise_scale=take.noise_scale)
        records = [json.loads(line) for line in (folder / MANIFEST).read_text(encoding="utf-8").splitlines()]
        paths = [record["path"] for record in sorted(records, key=lambda record: record["index"])]
        self._set(take, status="done", clips=paths)
        logger.info("take %d: %d clips of %s in %s", take.id, take.n, take.category, folder)

    def _set(self, take: Take, **values) -> None:
        with self._lock:
            for key, value in values.items():
                setattr(take, key, value)


def _integer(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {number}")
    return number
