"""The data's category set reaches the resolved config and every checkpoint; a mismatch is one line."""
from __future__ import annotations

import pytest

from toolkit.dcase import CATEGORIES
from toolkit.errors import ConfigError, DataError
from toolkit.train.checkpoint import checkpoint_trained_on
from toolkit.train.trainer import Trainer


def test_checkpoints_carry_the_category_set(tiny_config):
    trainer = Trainer(tiny_config("train.max_steps=1"))
    assert list(trainer.cfg.data.categories) == list(CATEGORIES) and trainer.cfg.model.n_categories == 7
    trainer.fit()
    trained_on = checkpoint_trained_on(trainer.checkpoints.last)
    assert trained_on.categories == CATEGORIES and (trained_on.sample_rate, trained_on.clip_samples) == (22050, 88200)


def test_resuming_on_other_categories_is_one_line(tiny_config):
    eight = ",".join([*CATEGORIES, "Thunder"])  # the manifests' seven ids and names, plus one more
    trainer = Trainer(tiny_config("train.max_steps=1", f"data.categories=[{eight}]"))
    assert trainer.cfg.model.n_categories == 8 and trainer.generator.emb_g.num_embeddings == 8
    trainer.fit()
    with pytest.raises(ConfigError) as info:
        Trainer(tiny_config("train.max_steps=2"))
    assert "were trained on the categories DogBark" in str(info.value) and "Thunder" in str(info.value)
    assert "\n" not in str(info.value)


def test_manifest_disagreeing_with_the_set_is_one_line(tiny_config):
    with pytest.raises(DataError, match="lists category 'DogBark' with id 0, but the category set is"):
        Trainer(tiny_config("train.max_steps=1", "data.categories=[Thunder,Rain]"))
