"""The tests' model: the packaged config at size ``micro`` (toolkit/models/sizes.yaml), every chosen
component shrunk, hop 256 and 344 frames kept, segment 2048 samples (8 frames)."""
from __future__ import annotations

from typing import Sequence

from omegaconf import DictConfig

from toolkit.config import compose_config

#: The size override, usable on any command line (run.sh, toolkit train).
TINY_OVERRIDES: list[str] = ["model/size=micro"]


def compose_tiny(overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the packaged config at size ``micro`` with ``overrides`` (which win over the size)."""
    return compose_config([*TINY_OVERRIDES, *overrides])
