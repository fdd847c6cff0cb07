"""DCASE 2023 Task 7, the one place that knows it: the seven categories with their official class ids, the
snake_case folder names of the official scorer, and the challenge's clip format and set size.

Used only by the dcase23 dataset code, the demo synthesiser, the ``dcase2023`` scoring mode and the
scorer-layout copy that generation writes for this set; every other module takes the category set from
the data (``categories.txt``), a checkpoint or a generated set.
"""
from __future__ import annotations

from toolkit.categories import CategorySet

#: CamelCase names (the baseline's folders) in official class-id order.
CATEGORIES = CategorySet(
    ("DogBark", "Footstep", "GunShot", "Keyboard", "MovingMotorVehicle", "Rain", "Sneeze_Cough")
)
#: snake_case folder names the official FAD scorer reads, in the same order.
SNAKE_CASE = ("dog_bark", "footstep", "gunshot", "keyboard", "moving_motor_vehicle", "rain", "sneeze_cough")
#: The challenge's clip format: 22,050 Hz mono, exactly 4 s.
SAMPLE_RATE = 22050
CLIP_SAMPLES = 88200
#: The official scorer expects exactly this many clips per category.
CLIPS_PER_CATEGORY = 100


def is_dcase(categories: CategorySet | None) -> bool:
    """Whether ``categories`` is the DCASE 2023 Task 7 set in its official order."""
    return categories is not None and tuple(categories) == tuple(CATEGORIES)


def scorer_folder(name: str) -> str:
    """The official scorer's folder name of a DCASE category (any tolerant spelling)."""
    return SNAKE_CASE[CATEGORIES.index(name)]
