"""Where scores live: ``<generated set>/score_<hash of the scoring settings>/score.{json,md,png}``.

One generated set can be scored several ways (SoundNet against the validation split, VGGish against the
official statistics, ...); each way keeps its own folder, so rescoring never overwrites or reuses another.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.score.report import JSON_NAME

if TYPE_CHECKING:
    from toolkit.score.pipeline import ScoreOptions

SCORE_DIR_PREFIX = "score_"


def score_dir_for(parent: str | Path, options: "ScoreOptions") -> Path:
    """``<parent>/score_<options.digest()>``: the folder of the scores ``options`` produce."""
    return Path(parent) / f"{SCORE_DIR_PREFIX}{options.digest()}"


def score_files(parent: str | Path) -> list[Path]:
    """Every ``<parent>/score_*/score.json``, oldest first."""
    return sorted(Path(parent).glob(f"{SCORE_DIR_PREFIX}*/{JSON_NAME}"), key=lambda path: path.stat().st_mtime)
