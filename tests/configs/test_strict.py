"""Strict configs: a key no packaged config defines is refused, from an experiment preset or an override,
with one line naming the valid keys; the documented free-form settings keep working."""
from __future__ import annotations

import re

import pytest

from toolkit.bin import train
from toolkit.config import compose_config
from toolkit.errors import ConfigError

TRAIN_KEYS = "valid keys: batch_size, checkpoint_interval, compile, device, epochs, find_unused_parameters"


@pytest.fixture
def presets(tmp_path):
    """A config folder whose experiment presets hold a misspelt group and a misspelt key."""
    (tmp_path / "experiment").mkdir()
    (tmp_path / "experiment" / "group_typo.yaml").write_text("# @package _global_\ntrian:\n  max_steps: 30\n")
    (tmp_path / "experiment" / "key_typo.yaml").write_text("# @package _global_\ntrain:\n  max_step: 30\n")
    return tmp_path


def test_a_misspelt_group_in_an_experiment_preset_is_refused(presets):
    with pytest.raises(ConfigError) as error:
        compose_config(["+experiment=group_typo"], config_dir=presets)
    assert str(error.value) == (
        "unknown config key 'trian' in the experiment preset 'group_typo' (or another config file): the config "
        "has no key 'trian'; valid keys: data, exp_dir, generate, model, score, seed, select, train; did you mean train?"
    )


def test_a_misspelt_key_in_an_experiment_preset_is_refused(presets):
    with pytest.raises(ConfigError, match=rf"'train.max_step' in the experiment preset 'key_typo'.*{TRAIN_KEYS}.*"
                                          r"did you mean train.max_steps\?$"):
        compose_config(["+experiment=key_typo"], config_dir=presets)


@pytest.mark.parametrize("override", ["train.max_step=30", "+train.max_step=30", "++train.max_step=30"])
def test_an_unknown_key_on_the_command_line_names_the_valid_keys(override):
    with pytest.raises(ConfigError, match=rf"^unknown config key 'train.max_step'.*{TRAIN_KEYS}.*max_steps\?$"):
        compose_config([override])


@pytest.mark.parametrize("override,level", [
    ("+data.stft.center=true", "'data.stft' has no key 'center'"),
    ("+model.loss.mell=20", "'model.loss' has no key 'mell'"),
    ("+seeed=3", "the config has no key 'seeed'"),
])
def test_a_new_key_on_a_known_group_is_refused(override, level):
    with pytest.raises(ConfigError, match=re.escape(f"from the override '{override}': {level}; valid keys: ")):
        compose_config([override])


def test_the_stages_refuse_them_in_one_line_before_running(presets, tmp_path, capsys):
    assert train.main(["train.max_step=30", f"exp_dir={tmp_path / 'exp'}"]) == 2
    assert train.main(["--config-dir", str(presets), "+experiment=key_typo", f"exp_dir={tmp_path / 'exp'}"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: unknown config key 'train.max_step'") for line in lines)
    assert "experiment preset 'key_typo'" in lines[1] and not (tmp_path / "exp").exists()


def test_an_experiment_without_its_config_folder_says_so():
    with pytest.raises(ConfigError, match=r"^\+experiment=vifs_demo selects a preset .*add --config-dir <recipe>/conf"):
        compose_config(["+experiment=vifs_demo"])


def test_the_size_is_chosen_as_a_group_not_set_as_a_key():
    with pytest.raises(ConfigError, match="choose one with model/size=NAME"):
        compose_config(["model.size=tiny"])


def test_the_free_form_settings_keep_working():
    cfg = compose_config([
        "generate.noise_scale={DoorSlam: 0.8, Rain: 1.2}",  # a float or a mapping
        "+score.embedding_options.layer=conv5",  # checked against the chosen embedding
        "++train.max_steps=5",  # ++ on an existing key
        "model/prior_encoder=vits", "model.prior_encoder.n_heads=4",  # slot keys: checked by the registry
    ])
    assert cfg.generate.noise_scale.Rain == 1.2 and cfg.score.embedding_options.layer == "conv5"
    assert cfg.train.max_steps == 5 and cfg.model.prior_encoder.n_heads == 4
    with pytest.raises(ConfigError, match=r"write \+\+score.embedding_options=VALUE .* or \+score.embedding_options.NAME"):
        compose_config(["score.embedding_options={layer: conv5}"])


def test_the_valid_keys_come_from_the_config_files(hydra_restore_singletons):
    """A key an option of a group defines (here a node a plugin stores) is valid without any schema code."""
    from hydra.core.config_store import ConfigStore

    with pytest.raises(ConfigError, match="'train' has no key 'warmup_steps'"):
        compose_config(["+train.warmup_steps=100"])
    ConfigStore.instance().store(group="train", name="warm", node={"warmup_steps": 0})
    assert compose_config(["+train.warmup_steps=100"]).train.warmup_steps == 100
