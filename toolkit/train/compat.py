"""What a resumed training may change: the settings that shape the model's weights (slot nodes and shared
dimensions) must stay; the others (``model.optim.*``, ``model.loss.*``) may differ and are logged.

Used by the trainer against a checkpoint's saved config and by the recipe's train marker
(:mod:`toolkit.markers`) against the settings a finished training ran with.
"""
from __future__ import annotations

from toolkit.config import flatten
from toolkit.registry import MODEL_SLOTS, SHARED_DIMENSIONS

#: The model keys that shape the weights; the others (model.optim, model.loss) may change on resume.
SHAPING_KEYS = (*MODEL_SLOTS, *SHARED_DIMENSIONS)


def setting_changes(before, after, prefix: str) -> dict[str, tuple]:
    """``{key: (before, after)}`` for every dotted key under ``prefix`` whose value differs (or exists once)."""
    old, new = flatten(before, prefix), flatten(after, prefix)
    return {key: (old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)}


def shapes_model(key: str) -> bool:
    """Whether the dotted ``model.*`` key is a slot node or a shared dimension (it shapes the weights)."""
    parts = key.split(".")
    return len(parts) > 1 and parts[0] == "model" and parts[1] in SHAPING_KEYS
