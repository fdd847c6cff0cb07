"""Unique names of generated sets: checkpoint and noise scale, plus whatever else differs."""
from __future__ import annotations

import json

import yaml

from toolkit.score.compare import collect
from toolkit.score.set_names import set_names


def gen_dir(root, name, checkpoint="last", scale=0.8, **options):
    folder = root / name
    folder.mkdir(parents=True)
    doc = {"checkpoints": {"DogBark": f"/x/{checkpoint}.pt", "Rain": f"/x/{checkpoint}.pt"},
           "noise_scales": {"DogBark": scale, "Rain": scale}, "clips_per_category": 100, "seed": 0,
           "ensemble": None, **options}
    (folder / "generate.yaml").write_text(yaml.safe_dump(doc))
    return folder


def test_only_checkpoint_and_noise_when_nothing_else_differs(tmp_path):
    a, b = gen_dir(tmp_path, "gen_a"), gen_dir(tmp_path, "gen_b", checkpoint="initial", scale=0.5)
    assert set_names([a, b]) == {a: "last, noise 0.8", b: "initial, noise 0.5"}


def test_seed_clip_count_and_precision_are_named_when_they_differ(tmp_path):
    base = gen_dir(tmp_path, "gen_1")
    seed = gen_dir(tmp_path, "gen_2", seed=7)
    clips = gen_dir(tmp_path, "gen_3", clips_per_category=10)
    half = gen_dir(tmp_path, "gen_4", precision="fp16")
    names = set_names([base, seed, clips, half])
    assert names[base] == "last, noise 0.8, seed 0, 100 clips, fp32"
    assert names[seed] == "last, noise 0.8, seed 7, 100 clips, fp32"
    assert names[clips] == "last, noise 0.8, seed 0, 10 clips, fp32"
    assert names[half] == "last, noise 0.8, seed 0, 100 clips, fp16"
    assert len(set(names.values())) == 4


def test_sets_with_equal_options_get_their_folder_and_ensembles_their_spec(tmp_path):
    one = gen_dir(tmp_path / "x", "gen_ensemble_1", ensemble="/specs/ensemble.yaml")
    two = gen_dir(tmp_path / "y", "gen_ensemble_2", ensemble="/other/ensemble.yaml")
    bare = tmp_path / "gen_old"
    bare.mkdir()
    names = set_names([one, two, bare])
    assert names[one] == "ensemble ensemble, noise 0.8 (gen_ensemble_1)"
    assert names[two] == "ensemble ensemble, noise 0.8 (gen_ensemble_2)"
    assert names[bare] == "gen_old"


def test_comparison_keeps_every_set(tmp_path):
    for name, seed in (("gen_last_1", 0), ("gen_last_2", 1)):
        folder = gen_dir(tmp_path, name, seed=seed)
        (folder / "score_1").mkdir()
        (folder / "score_1" / "score.json").write_text(json.dumps(
            {"metrics": {}, "embedding": {"name": "soundnet"}, "mode": "standard"}))
    results = collect(tmp_path)
    assert sorted(results["soundnet (standard)"]) == ["last, noise 0.8, seed 0", "last, noise 0.8, seed 1"]
