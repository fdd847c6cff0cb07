"""Recipe stage markers: a stage's ``.done`` file holds the resolved settings it ran with (one JSON object),
and a rerun compares them with the settings it would run with now.

What a difference means depends on the stage's output (:data:`POLICIES`):

- ``data`` (obtain, prepare, dump): the dataset's folders are shared by every experiment on it, so another
  setting is refused, naming it; ``--force true`` redoes the stage with the new settings.
- ``train``: the experiment's checkpoints hold one model trained on one dataset. A change of the model's shape
  (:func:`toolkit.train.compat.shapes_model`) or of any ``data.*`` setting is refused, naming it, even with
  ``--force true`` (a new tag trains a new experiment); a smaller ``train.max_steps``/``train.epochs`` too.
  Anything else (``model.optim.*``, ``model.loss.*``, a larger ``train.max_steps``) resumes the training,
  logged.
- ``keep`` (select: its result is chosen once, and rescoring must not reselect): a change is logged and the
  stage stays done; ``--force true`` runs it again.

Settings hashed into a folder's name (the tag, ``gen_*``, ``score_*``) never reach a marker comparison: other
settings name another folder.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from toolkit.errors import ConfigError
from toolkit.train.compat import setting_changes, shapes_model

logger = logging.getLogger(__name__)

#: stage -> (the config groups its marker records, its policy); obtain records the recipe's own settings.
POLICIES = {
    "obtain": ((), "data"),
    "prepare": (("data",), "data"),
    "dump": (("data",), "data"),
    "train": (("model", "data", "train"), "train"),
    "select": (("generate", "score", "select"), "keep"),
}
#: training lengths a resumed training may raise but not lower
LENGTHS = ("train.max_steps", "train.epochs")
DATA_ADVICE = "add --force true to redo the stage (other experiments on this dataset then use the new data)"


def read_settings(marker: Path) -> dict | None:
    """The settings a marker records; None for a marker of an older recipe (empty or not JSON)."""
    try:
        settings = json.loads(marker.read_text())
    except ValueError:
        return None
    return settings if isinstance(settings, dict) else None


def encode(settings: dict) -> str:
    """The marker's text: one line of JSON, keys sorted (so equal settings give equal files)."""
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def _listed(changes: dict[str, tuple]) -> str:
    return ", ".join(f"{key}={before} (now {after})" for key, (before, after) in changes.items())


def _shorter(key: str, before, after) -> bool:
    return key in LENGTHS and None not in (before, after) and after < before


def _check_training(marker: Path, changes: dict[str, tuple]) -> None:
    """Refuse a change of the model's shape or of the data, and a shorter training (one line each)."""
    refused = {key: change for key, change in changes.items() if key.startswith("data.") or shapes_model(key)}
    if refused:
        raise ConfigError(f"{marker}: this experiment was trained with {_listed(refused)}; a model or data change "
                          "is a new experiment: run without --tag (the tag follows the settings) or with another")
    shorter = {key: change for key, change in changes.items() if _shorter(key, *change)}
    if shorter:
        raise ConfigError(f"{marker}: this experiment was trained with {_listed(shorter)}; "
                          "a resumed training may be made longer, not shorter")


def must_run(stage: str, marker: Path, settings: dict, force: bool = False) -> bool:
    """Whether ``stage`` must run with ``settings`` given its ``marker`` (absent: not done yet); raises a
    one-line :class:`ConfigError` naming the settings when the policy refuses the change."""
    policy = POLICIES[stage][1]
    if not marker.is_file():
        return True
    recorded = read_settings(marker)
    if recorded is None:
        logger.info("%s records no settings (an older recipe wrote it); taken as done with these", marker)
        return force
    changes = {key: change for group in sorted(recorded.keys() | settings.keys())
               for key, change in setting_changes(recorded.get(group), settings.get(group), group).items()}
    if policy == "train":
        _check_training(marker, changes)
    elif policy == "data" and changes and not force:
        raise ConfigError(f"{marker} was made with other settings: {_listed(changes)}; {DATA_ADVICE}")
    elif policy == "keep" and changes and not force:
        logger.info("%s was made with other settings: %s; kept (--force true runs the stage again)",
                    marker, _listed(changes))
        return False
    verb = "resuming" if policy == "train" else "running again"
    for key, (before, after) in changes.items():
        logger.info("%s: %s with %s=%s (it was %s)", marker, verb, key, after, before)
    return force or bool(changes)
