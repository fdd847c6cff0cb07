"""``toolkit pack``: the package's files, config, safetensors weights, model card, ensembles and archives."""
from __future__ import annotations

import json
import shutil
import struct
import tarfile

import pytest
import torch
import yaml
from omegaconf import OmegaConf
from safetensors import safe_open
from safetensors.torch import load_file

from toolkit.bin.pack import main as pack_main
from toolkit.dcase import CATEGORIES
from toolkit.errors import ConfigError
from toolkit.pretrained import FORMAT_VERSION, pack_experiment, read_package
from toolkit.train.checkpoint import load_checkpoint, saved_config


def test_package_holds_config_weights_and_card(experiment, package):
    assert sorted(p.name for p in package.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    config = json.loads((package / "config.json").read_text())
    state = load_checkpoint(experiment / "checkpoints" / "last.pt")
    assert config["format_version"] == FORMAT_VERSION
    assert config["categories"] == list(CATEGORIES)
    assert (config["sample_rate"], config["clip_samples"]) == (22050, 88200)
    assert config["model"] == OmegaConf.to_container(saved_config(state).model, resolve=True)
    assert config["components"]["prior_encoder"] == {"name": "vifs", "distribution": "foley-toolkit", "version": "0.1.0"}
    assert set(config["components"]) == {"prior_encoder", "posterior_encoder", "flow", "decoder"}
    assert set(config["weights"].values()) == {"model.safetensors"}
    assert config["source"]["checkpoints"]["model.safetensors"] == {"checkpoint": "last.pt", "step": 4}


def test_weights_are_the_generator_alone_in_safetensors(experiment, package):
    path = package / "model.safetensors"
    header_length = struct.unpack("<Q", path.read_bytes()[:8])[0]
    assert path.read_bytes()[8:9] == b"{" and header_length < path.stat().st_size  # safetensors, not a pickle
    weights = load_file(str(path))
    generator = load_checkpoint(experiment / "checkpoints" / "last.pt")["generator"]
    assert set(weights) == set(generator)  # no discriminator, no optimiser
    assert all(torch.equal(weights[key], generator[key]) for key in generator)
    with safe_open(str(path), "pt") as handle:
        assert handle.metadata()["step"] == "4"


def test_model_card_of_trained_and_untrained_weights(experiment, package, tmp_path):
    card = (package / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "unknown" and front["library_name"] == "foley-toolkit"
    assert "untrained" not in card.lower() and "step 4" in card
    assert 'FoleyModel.from_pretrained("tiny-last")' in card and "toolkit synth tiny-last" in card
    initial = pack_experiment(experiment, tmp_path / "initial", checkpoint="initial", license="cc-by-4.0")
    card = (initial / "README.md").read_text()
    assert "# initial (untrained)" in card and "**Untrained**" in card
    assert yaml.safe_load(card.split("---")[1])["license"] == "cc-by-4.0"


def _scored_set(exp, name, checkpoint, fad):
    gen = exp / name
    (gen / "score_1234abcd").mkdir(parents=True)
    (gen / "generate.yaml").write_text(yaml.safe_dump({"checkpoints": {c: str(checkpoint) for c in CATEGORIES},
                                                      "noise_scales": {c: 0.667 for c in CATEGORIES}, "ensemble": None}))
    result = {"embedding": {"name": "soundnet"}, "mode": "standard", "categories": ["DogBark"],
              "metrics": {"fad": {"average": fad, "higher_is_better": False, "per_category": {"DogBark": fad}}}}
    (gen / "score_1234abcd" / "score.json").write_text(json.dumps(result))


def test_card_has_the_training_command_and_the_scores_of_these_weights(experiment, tmp_path):
    exp = shutil.copytree(experiment, tmp_path / "exp" / "tiny")
    (exp / "run.sh").write_text("#!/usr/bin/env bash\n# The command that last ran experiment tiny\n"
                                "cd /r && ./run.sh --dataset demo \"$@\" train.max_steps=4\n")
    _scored_set(exp, "gen_last_aaaa", exp / "checkpoints" / "last.pt", 12.5)
    _scored_set(exp, "gen_initial_bbbb", exp / "checkpoints" / "initial.pt", 99.25)
    card = (pack_experiment(exp, tmp_path / "pkg") / "README.md").read_text()
    assert "cd /r && ./run.sh --dataset demo \"$@\" train.max_steps=4" in card
    assert "12.5000" in card and "99.2500" not in card
    assert "Embedding soundnet (standard)" in card


def test_step_names_and_a_missing_checkpoint(experiment, tmp_path):
    package = pack_experiment(experiment, tmp_path / "two", checkpoint="step_2")
    assert read_package(package).source["checkpoints"]["model.safetensors"]["step"] == 2
    with pytest.raises(ConfigError, match=r"checkpoint 'step_9'.*initial, last, step_00000002, step_00000004"):
        pack_experiment(experiment, tmp_path / "nine", checkpoint="step_9")
    assert not (tmp_path / "nine").exists()


def test_ensemble_packs_one_file_per_checkpoint(experiment, tmp_path):
    spec = tmp_path / "ensemble.yaml"
    checkpoints = experiment / "checkpoints"
    entries = {c: {"checkpoint": str(checkpoints / "step_00000004.pt"), "noise_scale": 1.0} for c in CATEGORIES}
    entries["DogBark"] = {"checkpoint": str(checkpoints / "step_00000002.pt"), "noise_scale": 0.5}
    spec.write_text(yaml.safe_dump({"categories": entries}))
    package = pack_experiment(experiment, tmp_path / "ens", ensemble=spec)
    assert sorted(p.name for p in package.glob("*.safetensors")) == \
        ["model-step_00000002.safetensors", "model-step_00000004.safetensors"]
    mapping = yaml.safe_load((package / "ensemble.yaml").read_text())["categories"]
    assert mapping["DogBark"] == {"weights": "model-step_00000002.safetensors", "noise_scale": 0.5}
    assert mapping["Rain"] == {"weights": "model-step_00000004.safetensors", "noise_scale": 1.0}
    card = (package / "README.md").read_text()
    assert "| DogBark | `model-step_00000002.safetensors` | 2 | 0.5 |" in card


def test_archive_and_command_line(experiment, tmp_path, capsys):
    assert pack_main([str(experiment), "--out", str(tmp_path / "pkg"), "--archive", "tar.gz"]) == 0
    archive = tmp_path / "pkg.tar.gz"
    assert capsys.readouterr().out.strip() == str(archive)
    with tarfile.open(archive) as tar:
        assert {"pkg/config.json", "pkg/model.safetensors", "pkg/README.md"} <= set(tar.getnames())
    assert pack_main([str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: checkpoint 'last': no file") and len(err.splitlines()) == 1
