"""Fixtures of the training tests: manifests of a few demo clips, their dump, and tiny configs.

The clips come from the demo synthesiser (toolkit.data.demo), so these tests run on a clean clone.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.audio import ClipFormat, write_clip
from toolkit.data.demo import synthesise_clip
from toolkit.data.dump import dump_split
from toolkit.dcase import CATEGORIES
from toolkit.data.manifest import write_manifest
from toolkit.features import STFTSettings
from toolkit.fileio import file_digest
from toolkit.hookspecs import hookimpl

CLIP_SAMPLES = 88200
#: (category, clip index) pairs: a handful of demo clips, several categories.
TRAIN_CLIPS = [("DogBark", 0), ("GunShot", 1), ("Footstep", 0), ("Rain", 0)]
VALID_CLIPS = [("Keyboard", 0), ("Sneeze_Cough", 0)]


def demo_clips(root: Path, clips) -> list[dict]:
    """Synthesise ``clips`` under ``root/<category>/`` and return their manifest entries."""
    fmt = ClipFormat()
    entries = []
    for category, index in clips:
        path = root / category / f"{index + 1:04d}.wav"
        write_clip(path, synthesise_clip(CATEGORIES.index(category), index, fmt=fmt), fmt.sample_rate, fmt.subtype)
        entries.append({
            "path": str(path), "category": category, "category_id": CATEGORIES.index(category),
            "duration": 4.0, "sample_rate": 22050, "sha256": file_digest(path),
        })
    return entries


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """Demo clips in ``wav/``, ``manifests/{train,valid}.jsonl`` and their dump under ``dump/`` (read only)."""
    root = tmp_path_factory.mktemp("data")
    for split, clips in (("train", TRAIN_CLIPS), ("valid", VALID_CLIPS)):
        manifest = root / "manifests" / f"{split}.jsonl"
        write_manifest(manifest, demo_clips(root / "wav", clips))
        dump_split(manifest, root / "dump" / split, STFTSettings(), CLIP_SAMPLES, 0.95)
    CATEGORIES.write(root / "categories.txt")
    return root


def data_overrides(root: Path) -> list[str]:
    return [
        f"++data.data_dir={root}",  # the dataset stages' log folder (<data_dir>/logs), never the working directory
        f"++data.train_manifest={root / 'manifests' / 'train.jsonl'}",
        f"++data.valid_manifest={root / 'manifests' / 'valid.jsonl'}",
        f"++data.dump_dir={root / 'dump'}",
        f"++data.categories_file={root / 'categories.txt'}",
    ]


#: A fast loop for tests: CPU, no workers, no validation or checkpoints unless a test asks for them.
TRAIN_OVERRIDES = [
    "model.segment_size=1024", "train.batch_size=2", "train.num_workers=0", "train.device=cpu", "train.log_interval=1",
    "train.valid_interval=1000000", "train.checkpoint_interval=1000000", "train.valid_audio=false",
]


@pytest.fixture
def tiny_config(data_dir, tmp_path):
    """``tiny_config(*overrides)``: the tiny VIFS config training on the test clips into ``tmp_path/exp``."""
    from toolkit.models.presets import compose_tiny

    def compose(*overrides: str, exp_dir: Path | None = None):
        exp = exp_dir or tmp_path / "exp"
        return compose_tiny(data_overrides(data_dir) + TRAIN_OVERRIDES + [f"exp_dir={exp}", *overrides])

    return compose


class ScalarRecorder:
    """A logger plugin (the same hooks TensorBoard implements) that keeps every logged scalar."""

    def __init__(self):
        self.scalars: dict[int, dict[str, float]] = {}

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        self.scalars.setdefault(step, {}).update(scalars)

    def series(self, tag: str) -> dict[int, float]:
        return {step: values[tag] for step, values in sorted(self.scalars.items()) if tag in values}


@pytest.fixture
def recorder():
    """A :class:`ScalarRecorder` registered with the plugin manager for the duration of a test."""
    from toolkit.plugins import get_plugin_manager

    plugin = ScalarRecorder()
    manager = get_plugin_manager()
    manager.register(plugin)
    yield plugin
    manager.unregister(plugin)


def cli_overrides(data_dir: Path, exp_dir: Path, *extra: str) -> list[str]:
    """The command-line equivalent of ``tiny_config(*extra)`` (for ``toolkit.bin.train`` in a subprocess)."""
    from toolkit.models.presets import TINY_OVERRIDES

    explicit = data_overrides(data_dir) + TRAIN_OVERRIDES + [f"exp_dir={exp_dir}", *extra]
    keys = {override.split("=", 1)[0] for override in explicit}
    return [o for o in TINY_OVERRIDES if o.split("=", 1)[0] not in keys] + explicit
