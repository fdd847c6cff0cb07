"""Seeds, noise scales, ensemble specs and the output folder's name."""
from __future__ import annotations

import itertools
import logging

import pytest

from toolkit import numerics
from toolkit.dcase import CATEGORIES
from toolkit.errors import ConfigError, DataError
from toolkit.categories import CategorySet
from toolkit.generate.plan import GenerationPlan, clip_seed, load_ensemble, noise_scales_per_category, output_dir_for
from toolkit.train.checkpoint import TrainedOn

DCASE = TrainedOn(CATEGORIES, 22050, 88200)


@pytest.fixture(autouse=True)
def dcase_checkpoints(monkeypatch):
    """The placeholder checkpoint files below count as trained on the DCASE set."""
    create = GenerationPlan.create.__func__
    monkeypatch.setattr(GenerationPlan, "create", classmethod(
        lambda cls, *args, **kwargs: create(cls, *args, **{"trained_on": lambda path: DCASE, **kwargs})))


@pytest.fixture
def checkpoints(tmp_path):
    paths = []
    for name in ("a.pt", "b.pt"):
        path = tmp_path / "checkpoints" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x")
        paths.append(path)
    return paths


def test_clip_seeds_are_deterministic_and_distinct():
    seeds = {clip_seed(7, c, i) for c in CATEGORIES for i in range(1, 101)}
    assert len(seeds) == 700
    assert clip_seed(7, "Rain", 3) != clip_seed(8, "Rain", 3)
    assert all(0 <= s < 2**63 for s in seeds)
    # keyed on the exact name: the DCASE seeds of the first release are unchanged
    assert [clip_seed(1234, "DogBark", 1), clip_seed(1234, "Sneeze_Cough", 2)] == [6725436184077494520, 3755259071024258199]


def test_seeds_do_not_depend_on_the_number_of_clips(checkpoints):
    few = GenerationPlan.create(checkpoints[0], 0.7, 3, 5).jobs()
    many = GenerationPlan.create(checkpoints[0], 0.7, 100, 5).jobs()
    by_key = {(j.category_id, j.index): j.seed for j in many}
    assert len(few) == 21 and len(many) == 700
    assert all(by_key[(j.category_id, j.index)] == j.seed for j in few)


def test_noise_scale_float_or_full_mapping():
    assert noise_scales_per_category(0.5, CATEGORIES) == {c: 0.5 for c in CATEGORIES}
    mapping = {name.lower(): 0.1 * (i + 1) for i, name in enumerate(CATEGORIES)}
    scales = noise_scales_per_category(mapping, CATEGORIES)
    assert scales["Sneeze_Cough"] == pytest.approx(0.7)
    with pytest.raises(ConfigError, match="no value for Rain"):
        noise_scales_per_category({c: 1.0 for c in CATEGORIES if c != "Rain"}, CATEGORIES)
    assert noise_scales_per_category({"Rain": 0.3}, CATEGORIES, ["Rain"]) == {"Rain": 0.3}
    with pytest.raises(ConfigError, match="unknown category 'Cat'"):
        noise_scales_per_category({"Cat": 1.0}, CATEGORIES)
    with pytest.raises(ConfigError, match="must be >= 0"):
        noise_scales_per_category(-1, CATEGORIES)


def test_categories_by_name_from_the_checkpoints_set(checkpoints):
    own = TrainedOn(CategorySet(("DoorSlam", "FootstepGravel", "GlassBreak")), 16000, 32000)
    plan = GenerationPlan.create(checkpoints[0], 0.7, 2, 5, categories=["GlassBreak", "DoorSlam"],
                                 trained_on=lambda path: own)
    assert plan.categories == ("DoorSlam", "GlassBreak")
    assert [(j.category, j.category_id, j.index) for j in plan.jobs()] == [
        ("DoorSlam", 0, 1), ("DoorSlam", 0, 2), ("GlassBreak", 2, 1), ("GlassBreak", 2, 2)]
    assert plan.jobs()[0].seed == clip_seed(5, "DoorSlam", 1)
    with pytest.raises(ConfigError) as info:
        GenerationPlan.create(checkpoints[0], 0.7, 2, 5, categories=["Helicopter"], trained_on=lambda path: own)
    assert str(info.value) == ("generate.categories: unknown category 'Helicopter'; the categories are: "
                               "DoorSlam, FootstepGravel, GlassBreak (the checkpoint's)")


def test_output_dir_changes_with_every_option(tmp_path, checkpoints):
    base = dict(checkpoint=checkpoints[0], noise_scale=0.667, clips_per_category=100, seed=1)
    reference = output_dir_for(tmp_path, GenerationPlan.create(**base))
    assert reference.parent == tmp_path and reference.name.startswith("gen_a_")
    assert output_dir_for(tmp_path, GenerationPlan.create(**base)) == reference
    variants = [dict(checkpoint=checkpoints[1]), dict(noise_scale=0.7), dict(clips_per_category=99), dict(seed=2),
                dict(precision="bf16")]
    names = {output_dir_for(tmp_path, GenerationPlan.create(**{**base, **change})).name for change in variants}
    assert len(names) == len(variants) and reference.name not in names


def test_warns_when_not_100_clips(checkpoints, caplog):
    with caplog.at_level(logging.WARNING):
        GenerationPlan.create(checkpoints[0], 0.7, 3, 5)
    assert "needs exactly 100" in caplog.text


def test_missing_checkpoint_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="generate.checkpoint: no such file"):
        GenerationPlan.create(tmp_path / "missing.pt", 0.7, 100, 1)


def _spec(categories: dict) -> str:
    lines = ["categories:"]
    for name, (checkpoint, scale) in categories.items():
        lines += [f"  {name}:", f"    checkpoint: {checkpoint}", f"    noise_scale: {scale}"]
    return "\n".join(lines) + "\n"


def test_ensemble_spec(tmp_path, checkpoints):
    entries = {c: ("checkpoints/a.pt" if i % 2 else str(checkpoints[1]), 0.5 + 0.1 * i) for i, c in enumerate(CATEGORIES)}
    spec = tmp_path / "ensemble.yaml"
    spec.write_text(_spec(entries))
    ensemble = load_ensemble(spec)  # relative paths resolve against the spec's folder
    assert ensemble.checkpoints["Footstep"] == str(checkpoints[0].resolve())
    assert ensemble.checkpoints["DogBark"] == str(checkpoints[1].resolve())
    plan = GenerationPlan.create(None, 0.667, 2, 1, ensemble=spec)
    assert plan.noise_scales["Rain"] == pytest.approx(1.0)
    jobs = plan.jobs()
    assert len(jobs) == 14
    assert [key for key, _ in itertools.groupby(j.checkpoint for j in jobs)] == [
        str(checkpoints[1].resolve()), str(checkpoints[0].resolve())]  # each checkpoint is loaded once
    first = output_dir_for(tmp_path, plan)
    assert first.name.startswith("gen_ensemble_")
    spec.write_text(_spec({**entries, "Rain": (str(checkpoints[1]), 0.9)}))
    assert output_dir_for(tmp_path, GenerationPlan.create(None, 0.667, 2, 1, ensemble=spec)) != first


def test_ensemble_errors_name_the_problem(tmp_path, checkpoints):
    spec = tmp_path / "ensemble.yaml"
    spec.write_text(_spec({c: (str(checkpoints[0]), 1.0) for c in CATEGORIES.names[:-1]}))
    assert GenerationPlan.create(None, 1.0, 1, 1, ensemble=spec).categories == CATEGORIES.names[:-1]
    with pytest.raises(DataError, match="no entry for Sneeze_Cough"):
        GenerationPlan.create(None, 1.0, 1, 1, ensemble=spec, categories=["Sneeze_Cough"])
    spec.write_text(_spec({c: (str(tmp_path / "gone.pt"), 1.0) for c in CATEGORIES}))
    with pytest.raises(DataError, match="gone.pt not found"):
        load_ensemble(spec)
    with pytest.raises(ConfigError, match="no such file"):
        load_ensemble(tmp_path / "absent.yaml")


@pytest.mark.parametrize("native, resolved", [(True, "bf16"), (False, "fp32")])
def test_auto_precision_is_resolved_before_the_folder_is_named(tmp_path, checkpoints, monkeypatch, native, resolved):
    monkeypatch.setattr(numerics, "native_bf16", lambda device: native)
    base = dict(checkpoint=checkpoints[0], noise_scale=0.667, clips_per_category=100, seed=1, device="cpu")
    auto = GenerationPlan.create(**base, precision="auto")
    assert auto.precision == resolved
    assert auto.digest() == GenerationPlan.create(**base, precision=resolved).digest()
    assert "precision" not in GenerationPlan.create(**base).options()  # fp32 folders keep their old names
