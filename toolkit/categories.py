"""The seven DCASE 2023 Task 7 categories, their ids and folder spellings."""
from __future__ import annotations

from pathlib import Path

from toolkit.errors import DataError

#: CamelCase names (baseline layout) in class-id order.
CATEGORIES = ("DogBark", "Footstep", "GunShot", "Keyboard", "MovingMotorVehicle", "Rain", "Sneeze_Cough")
#: snake_case names the official FAD scorer reads, in the same order.
SNAKE_CASE = ("dog_bark", "footstep", "gunshot", "keyboard", "moving_motor_vehicle", "rain", "sneeze_cough")


def normalise(name: str) -> str:
    """Case- and underscore-insensitive key: ``Sneeze_Cough``, ``sneeze_cough``, ``SneezeCough`` agree."""
    return name.replace("_", "").replace("-", "").replace(" ", "").lower()


_BY_KEY = {normalise(n): i for i, n in enumerate(CATEGORIES)}
_BY_KEY.update({normalise(n): i for i, n in enumerate(SNAKE_CASE)})


def category_id(name: str) -> int:
    """Class id of a category folder or name, matched case- and underscore-insensitively."""
    try:
        return _BY_KEY[normalise(name)]
    except KeyError:
        raise DataError(f"unknown category '{name}'; expected one of: {', '.join(CATEGORIES)}") from None


def is_category(name: str) -> bool:
    return normalise(name) in _BY_KEY


def category_subfolders(folder: Path) -> list[tuple[str, Path]]:
    """``(CamelCase category, sub-folder)`` for each sub-folder of ``folder`` named after a category, by name.

    Empty when ``folder`` is not a folder; two spellings of one category both appear (callers choose).
    """
    if not folder.is_dir():
        return []
    return [(CATEGORIES[category_id(child.name)], child) for child in sorted(folder.iterdir())
            if child.is_dir() and is_category(child.name)]
