"""``generate_clips``: N clips per category from a checkpoint (or a per-category ensemble), batched,
streamed to disk as ``audio/<Category>/NNNN.wav`` (plus the official scorer's layout for the DCASE set)."""
from __future__ import annotations

import gc
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from tqdm import tqdm

from toolkit.errors import ConfigError
from toolkit.generate.fast import FastGenerator, set_threads
from toolkit.generate.plan import ClipJob, GenerationPlan, output_dir_for
from toolkit.generate.writer import ClipWriter

logger = logging.getLogger(__name__)


@dataclass
class GenerateOptions:
    """The ``generate`` config group (toolkit/conf/generate/default.yaml), as plain values."""

    checkpoint: str | None = None
    categories: list[str] | None = None
    clips_per_category: int = 100
    noise_scale: float | dict[str, float] = 0.667
    seed: int = 1234
    ensemble: str | None = None
    batch_size: int | None = None
    memory_budget_gb: float | None = 2.0
    threads: int | None = None
    compile: bool = False
    precision: str = "fp32"
    device: str = "auto"
    out_dir: str | None = None
    overwrite: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "GenerateOptions":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown generate option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**dict(values))

    def plan(self) -> GenerationPlan:
        """The generation plan these options describe (checks the checkpoint or ensemble exists)."""
        return GenerationPlan.create(self.checkpoint, self.noise_scale, self.clips_per_category, self.seed,
                                     self.ensemble, self.precision, self.device, self.categories)

    def output_dir(self, exp_dir: str | Path, plan: GenerationPlan) -> Path:
        """``out_dir`` when set, else ``<exp_dir>/gen_<stem>_<plan digest>``."""
        return Path(self.out_dir) if self.out_dir else output_dir_for(exp_dir, plan)


def generate_clips(exp_dir: str | Path, options: GenerateOptions | None = None, progress: bool = True) -> Path:
    """Generate every clip of ``options`` into ``<exp_dir>/gen_<stem>_<hash>/`` (or ``options.out_dir``)
    and return that folder. A finished folder is reused unless ``options.overwrite``; an interrupted run
    resumes from the clips it had written."""
    options = options or GenerateOptions()
    plan = options.plan()
    out_dir = options.output_dir(exp_dir, plan)
    if out_dir.exists() and not options.overwrite:
        logger.info("%s already exists with these options; reusing it (generate.overwrite=true regenerates)", out_dir)
        return out_dir
    if options.batch_size is not None and options.batch_size < 1:
        raise ConfigError(f"generate.batch_size must be a positive integer or null (auto), got {options.batch_size}")
    set_threads(options.threads)

    writer = ClipWriter(out_dir, plan.clips_per_category, plan.trained_on.categories, plan.precision,
                        digest=plan.digest())
    done = writer.open()
    jobs = plan.jobs()
    bar = tqdm(total=len(jobs), initial=len(done), desc="generate", unit="clip", disable=not progress)
    try:
        for checkpoint, group in itertools.groupby(jobs, key=lambda job: job.checkpoint):
            todo = [job for job in group if (job.category_id, job.index) not in done]
            if todo:
                generator = _load(checkpoint, plan, options)
                _run(generator, todo, _batch_size(generator, options), writer, plan, bar)
                del generator
                gc.collect()
        result = writer.finish(_record(plan, options, out_dir))
    except BaseException:
        logger.warning("generation stopped after %d of %d clips; they stay in %s, and the same command resumes from them",
                       writer.written, len(jobs), writer.partial)
        raise
    finally:
        bar.close()
        writer.close()
    logger.info("wrote %d clips per category for %d categories to %s", plan.clips_per_category, len(plan.categories), result)
    return result


def _load(checkpoint: str, plan: GenerationPlan, options: GenerateOptions) -> FastGenerator:
    from toolkit.train.checkpoint import load_generator

    model, _cfg = load_generator(checkpoint)
    return FastGenerator(model, options.device, plan.precision, options.compile)


def _batch_size(generator: FastGenerator, options: GenerateOptions) -> int:
    if options.batch_size is not None:
        return options.batch_size
    return generator.auto_batch_size(options.memory_budget_gb)


def _run(generator: FastGenerator, jobs: list[ClipJob], batch_size: int, writer: ClipWriter, plan: GenerationPlan,
         bar: tqdm) -> None:
    """Generate and write ``jobs``; each clip is zero-padded (or cropped) to the training clips' length."""
    data = plan.trained_on
    for batch, audio in generator.batches(jobs, batch_size, data.clip_samples):
        for job, clip in zip(batch, audio):
            writer.write(job, clip, data.sample_rate)
        bar.update(len(batch))


def _record(plan: GenerationPlan, options: GenerateOptions, out_dir: Path) -> dict[str, Any]:
    """What generate.yaml records: the plan's options (with the resolved precision) plus the run settings
    that do not change the audio."""
    record = plan.options()
    data = plan.trained_on
    record.update(categories=list(plan.categories), sample_rate=data.sample_rate, clip_samples=data.clip_samples)
    record.update(
        precision=plan.precision, batch_size=options.batch_size, memory_budget_gb=options.memory_budget_gb,
        threads=options.threads, compile=options.compile, device=options.device, out_dir=str(out_dir),
    )
    return record
