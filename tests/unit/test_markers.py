"""Stage markers: what each stage's policy does with a change of the settings it ran with."""
from __future__ import annotations

import logging

import pytest

from toolkit.errors import ConfigError
from toolkit.markers import encode, must_run

MODEL = {"hidden_channels": 192, "decoder": {"name": "hifigan"}, "optim": {"learning_rate": 2e-4},
         "loss": {"mel": 45.0}}
TRAINED = {"model": MODEL, "data": {"valid_fraction": 0.05, "categories": None}, "train": {"max_steps": 10}}


def changed(settings: dict, group: str, **values) -> dict:
    """A copy of ``settings`` with ``values`` set in ``group`` (``a__b`` sets ``a.b``)."""
    copy = {name: dict(node) for name, node in settings.items()}
    for key, value in values.items():
        node = copy[group]
        *parents, leaf = key.split("__")
        for parent in parents:
            node[parent] = dict(node[parent])
            node = node[parent]
        node[leaf] = value
    return copy


@pytest.fixture
def trained(tmp_path):
    marker = tmp_path / ".train.done"
    marker.write_text(encode(TRAINED) + "\n")
    return marker


def test_a_missing_marker_runs_and_equal_settings_skip(tmp_path, trained):
    assert must_run("train", tmp_path / "absent", TRAINED)
    assert not must_run("train", trained, TRAINED)
    assert must_run("train", trained, TRAINED, force=True)


@pytest.mark.parametrize("group, values, named", [
    ("model", {"hidden_channels": 8}, "model.hidden_channels=192 (now 8)"),
    ("model", {"decoder__name": "alias_free"}, "model.decoder.name=hifigan (now alias_free)"),
    ("data", {"categories": ["a", "b"]}, "data.categories=None (now ['a', 'b'])"),
    ("train", {"max_steps": 5}, "train.max_steps=10 (now 5)"),
])
def test_training_refuses_another_model_other_data_and_fewer_steps(trained, group, values, named):
    with pytest.raises(ConfigError, match=r"^[^\n]*" + named.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        must_run("train", trained, changed(TRAINED, group, **values), force=True)


def test_training_resumes_with_another_optimiser_loss_or_more_steps(trained, caplog):
    now = changed(changed(TRAINED, "model", optim__learning_rate=2e-5, loss__mel=20.0), "train", max_steps=20)
    with caplog.at_level(logging.INFO):
        assert must_run("train", trained, now)
    assert f"{trained}: resuming with model.optim.learning_rate=2e-05 (it was 0.0002)" in caplog.text
    assert "resuming with model.loss.mel=20.0 (it was 45.0)" in caplog.text
    assert "resuming with train.max_steps=20 (it was 10)" in caplog.text


def test_data_stages_refuse_other_settings_unless_forced(tmp_path):
    marker = tmp_path / ".prepare.done"
    marker.write_text(encode({"data": {"valid_fraction": 0.05, "table": {"path": "meta.csv"}}}))
    other = {"data": {"valid_fraction": 0.05, "table": {"path": "other.csv"}}}
    with pytest.raises(ConfigError, match=r"data.table.path=meta.csv \(now other.csv\); add --force true"):
        must_run("prepare", marker, other)
    assert must_run("prepare", marker, other, force=True)


def test_selection_is_kept_when_its_settings_change(tmp_path, caplog):
    """Rescoring with other score.* settings must not reselect; --force true does."""
    marker = tmp_path / ".select.done"
    marker.write_text(encode({"select": {"noise_scales": [1.0]}}))
    with caplog.at_level(logging.INFO):
        assert not must_run("select", marker, {"select": {"noise_scales": [0.5, 1.0]}})
    assert "select.noise_scales=[1.0] (now [0.5, 1.0]); kept (--force true runs the stage again)" in caplog.text
    assert must_run("select", marker, {"select": {"noise_scales": [0.5, 1.0]}}, force=True)


def test_a_marker_of_an_older_recipe_counts_as_done(tmp_path, caplog):
    marker = tmp_path / ".train.done"
    marker.write_text("")
    with caplog.at_level(logging.INFO):
        assert not must_run("train", marker, TRAINED)
    assert "records no settings" in caplog.text
