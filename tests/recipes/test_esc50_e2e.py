"""recipes/esc50: a small corpus in the ESC-50 layout (meta/esc50.csv with folds, 5-s 44.1 kHz clips) through
stages 0-5 with the tiny model and a subset of its classes; stage 0 refusing a damaged copy in one line."""
from __future__ import annotations

import json

import pytest
import soundfile as sf
from omegaconf import OmegaConf

from toolkit.data.manifest import read_manifest
from toolkit.models.presets import TINY_OVERRIDES
from toolkit.score.layout import score_files


def esc50_env(recipe_env: dict, root, url: str = "") -> dict:
    return {**recipe_env, "ESC50_ROOT": str(root), "ESC50_URL": url, "ESC50_FULL_SIZE": "false"}


@pytest.mark.slow
def test_a_subset_of_a_small_copy_through_stages_0_to_5(esc50_recipe, run_recipe, recipe_env, esc50_copy):
    root = esc50_copy()
    result = run_recipe(
        esc50_recipe, "--stop-stage", "5", "--categories", "chirping_birds dog", *TINY_OVERRIDES,
        "train.batch_size=4", "train.num_workers=0", "train.max_steps=2", "train.checkpoint_interval=2",
        "train.valid_interval=null", "train.log_interval=1", "generate.clips_per_category=3", "score.cache_dir=null",
        env=esc50_env(recipe_env, root), timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = esc50_recipe / "data" / "esc50_chirping_birds-dog"  # a subset is a dataset of its own
    assert (data / "source").resolve() == root.resolve()
    ids = ["dog", "chirping_birds"]  # ascending target (0, 14), not the order they were named in
    assert (data / "categories.txt").read_text().splitlines() == ids
    valid, train = (read_manifest(data / split / "manifest.jsonl") for split in ("valid", "train"))
    assert [(e["category"], e["category_id"], e["fold"]) for e in valid] == [("dog", 0, "5"), ("chirping_birds", 1, "5")]
    assert len(train) == 8 and {e["fold"] for e in train} == {"1", "2", "3", "4"}
    assert all(e["sample_rate"] == 22050 and e["duration"] == 5.0 for e in valid + train)
    prepared_with = (data / ".prepare.done").read_text()
    assert "chirping_birds" in prepared_with and "esc50.csv" in prepared_with and "valid_folds" in prepared_with

    (exp,) = (esc50_recipe / "exp").iterdir()
    assert exp.name.startswith("vifs_esc50_")  # the overrides (here hashed: long) name the experiment
    assert OmegaConf.load(exp / "config.yaml").data.categories == ids
    (gen,) = exp.glob("gen_last_*")
    assert sorted(p.name for p in (gen / "audio").iterdir()) == sorted(ids)
    for path in (gen / "audio").rglob("*.wav"):
        info = sf.info(str(path))
        assert (info.samplerate, info.frames, info.channels) == (22050, 110250, 1)
    rows = [json.loads(line) for line in (gen / "manifest.jsonl").read_text().splitlines()]
    assert sorted({(r["category_id"], r["category"]) for r in rows}) == list(enumerate(ids))
    (score_file,) = score_files(gen)
    assert json.loads(score_file.read_text())["categories"] == ids


def test_stage_0_refuses_a_damaged_copy_in_one_line(esc50_recipe, run_recipe, recipe_env, esc50_copy):
    root = esc50_copy()
    (root / "audio" / "4-100104-A-1.wav").unlink()
    missing = run_recipe(esc50_recipe, "--stop-stage", "0", env=esc50_env(recipe_env, root))
    table = root / "meta" / "esc50.csv"
    table.write_text(table.read_text().replace("4-100104-A-1.wav,4,1,rooster", "4-100104-A-1.wav,3,1,rooster"))
    wrong_row = run_recipe(esc50_recipe, "--stop-stage", "0", env=esc50_env(recipe_env, root))
    offline = run_recipe(esc50_recipe, "--stop-stage", "0", env=esc50_env(recipe_env, "", "http://127.0.0.1:9/x.zip"))
    for result, reason in ((missing, f"{table}:10: {root}/audio/4-100104-A-1.wav is missing"),
                           (wrong_row, f"{table}:10: the row says fold 3, its file name 4-100104-A-1.wav says 4"),
                           (offline, "cannot download http://127.0.0.1:9/x.zip (")):
        assert result.returncode != 0
        errors = [line for line in result.stderr.splitlines() if " error: " in line or line.startswith("error: ")]
        assert len([line for line in errors if reason in line]) == 1, result.stderr[-2000:]
    assert "set ESC50_ROOT to it" in offline.stderr
    assert not (esc50_recipe / "data" / "esc50" / ".obtain.done").exists()
    assert not (esc50_recipe / "data" / "esc50" / "source").exists()


def test_a_subset_names_its_data_folder_and_experiment(esc50_recipe, run_recipe, recipe_env):
    # --stage 3 --stop-stage 2 runs no stage: it only derives the names
    def names(*args: str) -> str:
        result = run_recipe(esc50_recipe, "--stage", "3", "--stop-stage", "2", *args, env=esc50_env(recipe_env, ""))
        assert result.returncode == 0, result.stderr
        return result.stderr.split("experiment ", 1)[1].split(", stages", 1)[0]

    assert names() == "vifs_esc50: exp/vifs_esc50 (dataset esc50"
    subset = "vifs_esc50_data.categories-_dog_rain_: exp/vifs_esc50_data.categories-_dog_rain_ (dataset esc50_dog-rain"
    assert names("--categories", "rain dog") == names("--categories", "dog,rain") == subset
    assert not (esc50_recipe / "exp" / "vifs_esc50_data.categories-_dog_rain_").exists()
    assert not (esc50_recipe / "data" / "esc50_dog-rain").exists()
