"""``FoleyModel``: the recipe's clips through the API, the recipe's files through ``save`` and ``toolkit synth``,
and one-line errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file, save_file

import toolkit
from toolkit.audio import fit_length
from toolkit.bin.synth import main as synth_main
from toolkit.errors import ComponentError, ConfigError, DataError
from toolkit.generate import FastGenerator, GenerateOptions, clip_seed, generate_clips
from toolkit.pretrained import FoleyModel, pack_experiment
from toolkit.train.checkpoint import load_generator

from .conftest import write_experiment


def recipe_fast_path(checkpoint, category_id, category, n, seed, scale):
    """What the recipe's generation computes for clips 1..n (its fast generator, batch 1 on the CPU, each clip
    zero-padded to the training data's length)."""
    model, cfg = load_generator(checkpoint)
    generator = FastGenerator(model, "cpu")
    return fit_length(np.concatenate([generator([category_id], [scale], [clip_seed(seed, category, i)]).numpy()
                                      for i in range(1, n + 1)]), int(cfg.data.clip_samples))


def test_generate_reproduces_the_recipe_fast_path(experiment, package):
    model = toolkit.FoleyModel.from_pretrained(package)
    assert model.categories[5] == "Rain" and (model.sample_rate, model.clip_samples) == (22050, 88200)
    assert model.device.type == ("cuda" if torch.cuda.is_available() else "cpu")  # device "auto"
    model = FoleyModel.from_pretrained(package, device="cpu")  # the recipe's fast path below runs on the CPU
    audio = model.generate("rain", n=3, seed=7, noise_scale=0.7)
    assert audio.shape == (3, 88200) and audio.dtype == np.float32
    expected = recipe_fast_path(experiment / "checkpoints" / "last.pt", 5, "Rain", 3, 7, 0.7)
    assert np.abs(audio).max() > 0
    assert np.abs(audio - expected).max() <= 1e-6
    assert np.array_equal(model.generate("Rain", n=1, seed=7, noise_scale=0.7, start=2)[0], audio[1])
    assert np.array_equal(model.generate("Rain", n=1, seed=7)[0],  # the experiment's default noise scale
                          recipe_fast_path(experiment / "checkpoints" / "last.pt", 5, "Rain", 1, 7, 0.667)[0])


def test_an_experiment_folder_loads_like_its_package(experiment, package):
    def clips(path, **options):
        return FoleyModel.from_pretrained(path, device="cpu", **options).generate("GunShot", n=2, seed=1)

    from_package, from_experiment = clips(package), clips(experiment)
    from_file, initial = clips(experiment / "checkpoints" / "step_00000004.pt"), clips(experiment, checkpoint="initial")
    assert np.array_equal(from_package, from_experiment) and np.array_equal(from_package, from_file)
    assert np.abs(from_package - initial).max() > 1e-3


def test_save_writes_the_recipes_files(experiment, package, tmp_path):
    recipe = generate_clips(tmp_path, GenerateOptions(checkpoint=str(experiment / "checkpoints" / "last.pt"),
                                                      clips_per_category=2, noise_scale=0.7, seed=3), progress=False)
    model = FoleyModel.from_pretrained(package, device="cpu")
    out = model.save(model.generate("DogBark", n=2, seed=3, noise_scale=0.7), tmp_path / "out", "DogBark", seed=3,
                     noise_scale=0.7)
    for name in ("audio/DogBark/0001.wav", "audio/DogBark/0002.wav", "generated_audio/dog_bark/0002.wav"):
        assert (out / name).read_bytes() == (recipe / name).read_bytes()
    ours = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    theirs = [json.loads(line) for line in (recipe / "manifest.jsonl").read_text().splitlines()][:2]
    keys = ("category", "category_id", "index", "noise_scale", "seed", "path")
    assert [[r[k] for k in keys] for r in ours] == [[r[k] for k in keys] for r in theirs]
    assert ours[0]["checkpoint"] == str(package / "model.safetensors")


def test_save_adds_to_an_output_folder(package, tmp_path):
    model = FoleyModel.from_pretrained(package)
    out = tmp_path / "out"
    model.save(model.generate("DogBark", n=2, seed=0), out, "DogBark", seed=0)
    model.save(model.generate("Rain", n=1, seed=0), out, "Rain", seed=0)
    again = model.generate("DogBark", n=1, seed=5, start=2)
    model.save(again, out, "DogBark", seed=5, start=2)
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [(r["category"], r["index"]) for r in records] == [("DogBark", 1), ("DogBark", 2), ("Rain", 1)]
    assert records[1]["seed"] == clip_seed(5, "DogBark", 2) and records[0]["seed"] == clip_seed(0, "DogBark", 1)
    options = yaml.safe_load((out / "generate.yaml").read_text())
    assert options["clips"]["Rain"] == {"seed": 0, "noise_scale": 0.667, "first": 1, "count": 1}
    assert not list(tmp_path.glob(".*partial"))


def test_synth_command_writes_what_save_writes(package, tmp_path, capsys):
    model = FoleyModel.from_pretrained(package, device="cpu")
    saved = model.save(model.generate("Keyboard", n=2, seed=4), tmp_path / "api", "Keyboard", seed=4)
    code = synth_main([str(package), "--device", "cpu", "--category", "keyboard", "-n", "2", "--seed", "4", "--out", str(tmp_path / "cli")])
    assert code == 0 and capsys.readouterr().out.strip() == str(tmp_path / "cli")
    for name in ("audio/Keyboard/0001.wav", "generated_audio/keyboard/0002.wav", "manifest.jsonl"):
        assert (tmp_path / "cli" / name).read_bytes() == (saved / name).read_bytes()
    assert synth_main([str(package), "--category", "Meow", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: unknown category 'Meow'; this model knows: DogBark, Footstep, GunShot, Keyboard, "
                   "MovingMotorVehicle, Rain, Sneeze_Cough"]


def test_ensemble_package_uses_each_categorys_weights(experiment, tmp_path):
    checkpoints = experiment / "checkpoints"
    entries = {c: {"checkpoint": str(checkpoints / "step_00000004.pt"), "noise_scale": 1.0}
               for c in toolkit.FoleyModel.from_pretrained(experiment).categories}
    entries["Footstep"] = {"checkpoint": str(checkpoints / "step_00000002.pt"), "noise_scale": 0.5}
    spec = tmp_path / "ensemble.yaml"
    spec.write_text(yaml.safe_dump({"categories": entries}))
    model = FoleyModel.from_pretrained(pack_experiment(experiment, tmp_path / "ens", ensemble=spec), device="cpu")
    assert model.noise_scales["Footstep"] == 0.5
    footstep = model.generate("Footstep", n=1, seed=2)
    assert np.abs(footstep - recipe_fast_path(checkpoints / "step_00000002.pt", 1, "Footstep", 1, 2, 0.5)).max() <= 1e-6
    rain = model.generate("Rain", n=1, seed=2)
    assert np.abs(rain - recipe_fast_path(checkpoints / "step_00000004.pt", 5, "Rain", 1, 2, 1.0)).max() <= 1e-6
    direct = FoleyModel.from_pretrained(experiment, ensemble=spec, device="cpu").generate("Footstep", n=1, seed=2)
    assert np.array_equal(direct, footstep)


def _edit_config(package, **changes):
    config = json.loads((package / "config.json").read_text())
    config.update(changes)
    (package / "config.json").write_text(json.dumps(config))


def test_one_line_errors(package, package_copy, tmp_path):
    model = FoleyModel.from_pretrained(package)
    with pytest.raises(DataError, match="unknown category 'Meow'; this model knows: DogBark"):
        model.generate("Meow")
    with pytest.raises(ConfigError, match="is a package and holds its own weights"):
        FoleyModel.from_pretrained(package, checkpoint="initial")
    with pytest.raises(DataError, match="neither a model package"):
        FoleyModel.from_pretrained(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        FoleyModel.from_pretrained(tmp_path / "missing")
    (tmp_path / "model.tar.gz").write_bytes(b"x")
    with pytest.raises(DataError, match="is an archive; unpack it"):
        FoleyModel.from_pretrained(tmp_path / "model.tar.gz")
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="not empty and has no manifest.jsonl"):
        model.save(model.generate("Rain"), tmp_path / "clips", "Rain")
    _edit_config(package_copy, format_version=2)
    with pytest.raises(DataError, match="format version 2 is newer than this toolkit reads \\(1\\); upgrade foley-toolkit"):
        FoleyModel.from_pretrained(package_copy)
    _edit_config(package_copy, format_version=1, format="something-else")
    with pytest.raises(DataError, match="not a foley toolkit model package"):
        FoleyModel.from_pretrained(package_copy)


def test_damaged_or_foreign_weights(package_copy, tmp_path):
    weights = package_copy / "model.safetensors"
    state = load_file(str(weights))
    state.pop(next(iter(state)))
    save_file(state, str(weights))
    with pytest.raises(DataError, match="the weights do not fit the model in config.json"):
        FoleyModel.from_pretrained(package_copy)
    weights.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(DataError, match="not a readable safetensors file"):
        FoleyModel.from_pretrained(package_copy)
    weights.unlink()
    with pytest.raises(DataError, match="weights file model.safetensors named in config.json is missing"):
        FoleyModel.from_pretrained(package_copy)


def test_a_missing_plugin_distribution_is_named(package_copy):
    config = json.loads((package_copy / "config.json").read_text())
    config["components"]["prior_encoder"] = {"name": "ghost", "distribution": "foley-ghost-prior", "version": "1.2.0"}
    (package_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ComponentError) as error:
        FoleyModel.from_pretrained(package_copy)
    assert "needs prior_encoder 'ghost' from the distribution foley-ghost-prior 1.2.0, which is not installed; " \
           "pip install foley-ghost-prior" in str(error.value)


def test_a_plugin_component_is_recorded_with_its_distribution(tmp_path):
    exp = write_experiment(tmp_path / "exp" / "noise", ["model/prior_encoder=noise"])
    package = pack_experiment(exp, tmp_path / "pkg")
    record = json.loads((package / "config.json").read_text())["components"]["prior_encoder"]
    assert record["name"] == "noise" and record["distribution"] == "foley-noise-prior"
    assert FoleyModel.from_pretrained(package).generate("Rain").shape == (1, 88200)


def test_precision_passes_through_to_the_fast_path(package, tmp_path):
    fp32 = FoleyModel.from_pretrained(package, device="cpu")
    bf16 = FoleyModel.from_pretrained(package, device="cpu", precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    reference, reduced = fp32.generate("Rain", seed=1), bf16.generate("Rain", seed=1)
    assert 0 < np.abs(reference - reduced).max() < 0.1 * np.abs(reference).max()
    out = bf16.save(reduced, tmp_path / "out", "Rain", seed=1)
    assert json.loads((out / "manifest.jsonl").read_text())["precision"] == "bf16"
