"""A dataset's category set and the one scanner of ``<root>/<category>/`` folders.

Data preparation derives the set from the category folders (or takes a fixed one, such as DCASE's) and
writes it once to ``categories.txt``: one name per line, the line number (from 0) is the class id. The
set then travels with the resolved config (``data.categories``), every checkpoint and every generated set.

No two names of a set may differ only in case, ``_``, ``-`` or spaces, so a name can always be looked up
tolerantly as well (``Sneeze_Cough``, ``sneeze_cough`` and ``SneezeCough`` find the same category).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from toolkit.errors import DataError
from toolkit.fileio import atomic_write_text

logger = logging.getLogger(__name__)

#: The file preparation writes into ``data/<dataset>/``.
CATEGORIES_FILE = "categories.txt"
#: Characters a category name may not contain (it names folders and lines of a text file).
_FORBIDDEN = re.compile(r"[/\\\n\r\t\x00]")


def spelling_key(name: str) -> str:
    """The name without case, ``_``, ``-`` and spaces: two names with one key are one category."""
    return re.sub(r"[_\- ]", "", name).lower()


def category_label(name: str) -> str:
    """Human-readable name: ``MovingMotorVehicle`` -> ``Moving motor vehicle``, ``door_slam`` -> ``Door slam``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").split()
    return " ".join(words).lower().capitalize() or name


@dataclass(frozen=True)
class CategorySet:
    """Category names in class-id order; looked up exactly, else by :func:`spelling_key`."""

    names: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "names", tuple(str(name) for name in self.names))
        if not self.names:
            raise DataError("the category set is empty; a dataset needs at least one category folder")
        bad = [name for name in self.names if not name.strip() or _FORBIDDEN.search(name) or name.startswith(".")]
        if bad:
            raise DataError(f"category name {bad[0]!r} is not usable as a folder name; rename it")
        seen: dict[str, str] = {}
        for name in self.names:
            other = seen.setdefault(spelling_key(name), name)
            if other != name or self.names.count(name) > 1:
                raise DataError(f"categories '{other}' and '{name}' differ only in case, '_', '-' or spaces; "
                                "rename or merge one of them")

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __getitem__(self, category_id: int) -> str:
        return self.names[category_id]

    def find(self, name: str) -> int | None:
        """Class id of ``name`` (exact spelling first, then :func:`spelling_key`), or None."""
        if name in self.names:
            return self.names.index(name)
        key = spelling_key(name)
        return next((i for i, known in enumerate(self.names) if spelling_key(known) == key), None)

    def index(self, name: str, where: str = "") -> int:
        """Class id of ``name``; an unknown name is one :class:`DataError` listing the categories."""
        found = self.find(name)
        if found is None:
            prefix = f"{where}: " if where else ""
            raise DataError(f"{prefix}unknown category '{name}'; the categories are: {', '.join(self.names)}")
        return found

    def canonical(self, name: str, where: str = "") -> str:
        """The set's own spelling of ``name``."""
        return self.names[self.index(name, where)]

    def subset(self, names: Iterable[str], where: str = "data.categories") -> "CategorySet":
        """The named categories (any order, tolerant spelling) in this set's order and spelling; an unknown
        name is one :class:`DataError` (prefixed with ``where``) listing the categories."""
        chosen = {self.index(str(name), where) for name in names}
        if not chosen:
            raise DataError(f"{where} names no category; leave it unset (null) to keep all of them")
        return CategorySet(tuple(self.names[i] for i in sorted(chosen)))

    def same_names(self, names: Iterable[str]) -> bool:
        """Whether ``names`` are this set's categories, in any order and tolerant spelling."""
        names = list(names)
        return len(names) == len(self) and {self.find(str(name)) for name in names} == set(range(len(self)))

    @classmethod
    def read(cls, path: str | Path) -> "CategorySet":
        """The set in ``path`` (``categories.txt``); a missing file is one line naming the prepare stage."""
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path} does not exist; run the prepare stage (stage 1), which writes the category set")
        names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        try:
            return cls(tuple(names))
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None

    def write(self, path: str | Path) -> None:
        atomic_write_text(path, "".join(f"{name}\n" for name in self.names))


def scan_category_folders(root: str | Path, categories: CategorySet | None = None,
                          what: str = "dataset") -> dict[str, list[Path]]:
    """``{category: [folders]}`` for the category sub-folders of ``root``, in class-id (or name) order.

    With ``categories`` the folders are matched to it (exactly, else by spelling key), several spellings
    of one category are all returned and other folders are ignored. Without, every visible sub-folder is a
    category named exactly as the folder, and two folders whose names differ only in case, ``_``, ``-``
    or spaces are one :class:`DataError`. A missing ``root`` gives an empty mapping.
    """
    root = Path(root)
    if not root.is_dir():
        return {}
    found: dict[str, list[Path]] = {}
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        if categories is not None:
            category_id = categories.find(child.name)
            if category_id is None:
                logger.debug("ignoring %s: not a category folder", child)
                continue
            found.setdefault(categories[category_id], []).append(child)
            continue
        twin = next((name for name in found if spelling_key(name) == spelling_key(child.name)), None)
        if twin is not None:
            raise DataError(f"{what} folder {root} has category folders '{twin}' and '{child.name}', whose names "
                            "differ only in case, '_', '-' or spaces; rename or merge one of them")
        found[child.name] = [child]
    if categories is None:
        return found
    return {name: found[name] for name in categories if name in found}


def category_folders(root: str | Path, categories: CategorySet | None = None,
                     what: str = "dataset") -> dict[str, Path]:
    """``{category: folder}`` like :func:`scan_category_folders`, one folder per category: two spellings
    of one category (``DogBark`` and ``dog_bark``) are one :class:`DataError`."""
    found = scan_category_folders(root, categories, what)
    for name, folders in found.items():
        if len(folders) > 1:
            raise DataError(f"{what} folder {root} has {len(folders)} folders for category {name}: "
                            f"{', '.join(f.name for f in folders)}; keep one layout (e.g. CamelCase or snake_case)")
    return {name: folders[0] for name, folders in found.items()}


def folder_categories(names: Iterable[str]) -> CategorySet:
    """The set derived from category folder names: exact names, sorted (the order gives the class ids)."""
    return CategorySet(tuple(sorted(names)))


def dataset_categories(data_cfg) -> CategorySet:
    """The data's set: the one ``data.categories_file`` holds, unless ``data.categories`` names another.

    ``data.categories`` naming the prepared categories in another order or spelling (the subset the prepare
    stage selected) is the prepared set: its order (the corpus's) gives the class ids.
    """
    names = data_cfg.get("categories")
    if names is None:
        return CategorySet.read(data_cfg.categories_file)
    prepared_file = data_cfg.get("categories_file")
    if prepared_file and Path(prepared_file).is_file():
        prepared = CategorySet.read(prepared_file)
        if prepared.same_names(names):
            return prepared
    return CategorySet(tuple(names))


def merged_names(groups: Iterable[Iterable[str]]) -> list[str]:
    """The categories of several sets in first-seen order, names that share a spelling key counted once
    (the first spelling wins): ``[["DogBark"], ["dog_bark", "Rain"]]`` -> ``["DogBark", "Rain"]``."""
    merged: dict[str, str] = {}
    for names in groups:
        for name in names:
            merged.setdefault(spelling_key(name), name)
    return list(merged.values())
