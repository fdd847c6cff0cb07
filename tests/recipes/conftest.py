"""A private copy of the recipe per test module, and a runner for its run.sh."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def recipe_env() -> dict:
    """The environment run.sh gets: this interpreter first on PATH, no DCASE23_ROOT from the caller."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("DCASE23_ROOT", None)
    return env


def copy_recipe(root: Path, name: str) -> Path:
    """A private copy of ``recipes/<name>`` under ``root`` (its data/, dump/ and exp/ land there), with the
    repository's utils/ and recipe template linked as the copy's links expect."""
    (root / "utils").symlink_to(REPO / "utils")
    (root / "recipes").mkdir()
    (root / "recipes" / "TEMPLATE").symlink_to(REPO / "recipes" / "TEMPLATE")
    source = REPO / "recipes" / name
    outputs = {"data", "dump", "exp", "downloads"}  # the recipe's own outputs, not conf/data/

    def ignore(folder: str, names: list[str]) -> set[str]:
        return outputs & set(names) if Path(folder) == source else set()

    shutil.copytree(source, root / "recipes" / name, symlinks=True, ignore=ignore)
    return root / "recipes" / name


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    """A private copy of the DCASE 2023 recipe."""
    return copy_recipe(tmp_path_factory.mktemp("repo"), "dcase23_task7")


@pytest.fixture(scope="module")
def custom_recipe(tmp_path_factory) -> Path:
    """A private copy of the recipe for your own sound library."""
    return copy_recipe(tmp_path_factory.mktemp("repo"), "custom")


@pytest.fixture(scope="module")
def esc50_recipe(tmp_path_factory) -> Path:
    """A private copy of the ESC-50 recipe."""
    return copy_recipe(tmp_path_factory.mktemp("repo"), "esc50")


@pytest.fixture(scope="session")
def run_recipe(recipe_env):
    """``run_recipe(recipe, *args, timeout=..., env=...)``: run ./run.sh there (in ``recipe_env`` unless
    ``env`` is given) and capture its output."""

    def run(recipe: Path, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["./run.sh", *args], cwd=recipe, env=env or recipe_env, capture_output=True, text=True,
                              timeout=timeout)

    return run
