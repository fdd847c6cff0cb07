"""Tiny clips in both DCASE layouts, and an experiment folder as the recipe writes it (real score.json from
the scoring pipeline), for the report and listening-test tests."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from toolkit.data.manifest import write_manifest
from toolkit.score.pipeline import ScoreOptions, run_scoring

RATE = 22050
CATEGORIES = ["DogBark", "Rain"]


def write_clips(root: Path, folders: list[str], count: int, seed: int = 0, seconds: float = 0.1) -> list[Path]:
    """``count`` distinct clips of ``seconds`` in each of ``folders`` under ``root``; returns their paths."""
    rng = np.random.default_rng(seed)
    written = []
    for folder in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for index in range(1, count + 1):
            path = root / folder / f"{index:04d}.wav"
            sf.write(path, (0.1 * rng.standard_normal(round(RATE * seconds))).astype(np.float32), RATE, subtype="PCM_16")
            written.append(path)
    return written


@pytest.fixture(scope="session")
def clip_writer():
    return write_clips


@pytest.fixture(scope="session")
def stage5_score(tmp_path_factory, clip_writer):
    """The folder score/ of a real scoring run (SoundNet, 4-s clips), as stage 5 writes it."""
    root = tmp_path_factory.mktemp("stage5")
    clip_writer(root / "generated", CATEGORIES, 4, seed=1, seconds=4)
    clip_writer(root / "reference", CATEGORIES, 4, seed=2, seconds=4)
    run_scoring(ScoreOptions(str(root / "generated"), str(root / "reference"), str(root / "score"),
                             embedding="soundnet", cache_dir=None, k=2))
    return root / "score"


def scored_copy(stage5_score: Path, target: Path, shift: float) -> None:
    """``target``: the real score folder with every FAD value raised by ``shift`` (a second, worse set)."""
    shutil.copytree(stage5_score, target)
    doc = json.loads((target / "score.json").read_text())
    fad = doc["metrics"]["fad"]
    fad["per_category"] = {c: v + shift for c, v in fad["per_category"].items()}
    fad["average"] += shift
    (target / "score.json").write_text(json.dumps(doc))


def generation(exp: Path, name: str, clip_writer, checkpoint: str, seed: int) -> Path:
    gen = exp / name
    clips = clip_writer(gen / "audio", CATEGORIES, 3, seed=seed)
    write_manifest(gen / "manifest.jsonl", [
        {"category": p.parent.name, "category_id": 0, "noise_scale": 0.8, "seed": i, "checkpoint": checkpoint,
         "path": str(p)} for i, p in enumerate(clips)])
    (gen / "generate.yaml").write_text(yaml.safe_dump({
        "checkpoints": {c: f"/x/{checkpoint}.pt" for c in CATEGORIES}, "noise_scales": dict.fromkeys(CATEGORIES, 0.8),
        "clips_per_category": 3, "seed": seed, "ensemble": None, "precision": "fp32"}))
    return gen


@pytest.fixture
def experiment(tmp_path, clip_writer, stage5_score):
    exp = tmp_path / "recipe" / "exp" / "vifs_demo"
    real = clip_writer(tmp_path / "recipe" / "data" / "valid", CATEGORIES, 4, seed=9)
    write_manifest(tmp_path / "recipe" / "data" / "valid.jsonl",
                   [{"path": str(p), "category": p.parent.name} for p in real])
    exp.mkdir(parents=True)
    (exp / "config.yaml").write_text(yaml.safe_dump({"data": {"valid_manifest": "data/valid.jsonl"}}))
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(exp / "tensorboard"))
    for step in range(5):
        writer.add_scalar("loss/g/total", 120.0 - step, step)
        writer.add_scalar("loss/g/kl", 1.0 + 0.1 * step, step)
        writer.add_scalar("lr", 2e-4, step)
    writer.close()
    (exp / "checkpoints").mkdir()
    torch.save({"step": torch.tensor(5)}, exp / "checkpoints" / "last.pt")
    # two sets that differ only by seed: they need different names
    scored_copy(stage5_score, generation(exp, "gen_last_aaaa", clip_writer, "last", seed=0) / "score_1234abcd", 0.0)
    scored_copy(stage5_score, generation(exp, "gen_last_bbbb", clip_writer, "last", seed=1) / "score_1234abcd", 5.0)
    generation(exp, "gen_initial_cccc", clip_writer, "initial", seed=0)  # not scored yet
    (exp / "select").mkdir()
    (exp / "select" / "ensemble.yaml").write_text("DogBark: {checkpoint: last, noise_scale: 0.8}\n")
    return exp
