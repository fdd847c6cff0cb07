"""Your own sounds through their recipe (recipes/custom): a folder of three non-DCASE categories, 2-s clips at
16 kHz (resampled to 22,050 Hz at preparation), stages 0-7 with the tiny model, then a listening page."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from toolkit.bin import listening_test
from toolkit.models.presets import TINY_OVERRIDES
from toolkit.score.layout import score_files

pytestmark = pytest.mark.slow

NAMES = ["DoorSlam", "FootstepGravel", "GlassBreak"]


def own_sounds(root, clips: int = 8, rate: int = 16000, seconds: float = 2.0):
    """Decaying noise bursts, differently filtered per category, at ``rate`` Hz."""
    rng = np.random.default_rng(0)
    n = int(rate * seconds)
    for cid, name in enumerate(NAMES):
        for index in range(clips):
            noise = rng.standard_normal(n)
            smooth = np.convolve(noise, np.ones(2 + 6 * cid) / (2 + 6 * cid), mode="same")
            clip = 0.5 * smooth * np.exp(-np.linspace(0, 3 + index, n)) / np.abs(smooth).max()
            (root / name).mkdir(parents=True, exist_ok=True)
            sf.write(str(root / name / f"take{index:02d}.wav"), clip, rate, subtype="PCM_16")
    return root


def test_own_categories_through_stages_0_to_7(custom_recipe, run_recipe, tmp_path):
    source = own_sounds(tmp_path / "my_sounds")
    result = run_recipe(
        custom_recipe, "--tag", "own", "--dataset", str(source), *TINY_OVERRIDES,
        "data.clip_samples=44100", "data.valid_fraction=0.25",
        "train.batch_size=4", "train.num_workers=0", "train.max_steps=2", "train.checkpoint_interval=2",
        "train.valid_interval=null", "train.log_interval=1", "generate.clips_per_category=3",
        "select.noise_scales=[1.0]", "select.last_checkpoints=1", "select.clips_per_category=2",
        "score.cache_dir=null", timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (custom_recipe / "data" / "my_sounds" / "categories.txt").read_text().splitlines() == NAMES

    exp = custom_recipe / "exp" / "own"
    (gen,) = exp.glob("gen_last_*")
    assert sorted(p.name for p in (gen / "audio").iterdir()) == NAMES
    assert not (gen / "generated_audio").exists()  # the snake_case copy is for the DCASE scorer only
    for path in (gen / "audio").rglob("*.wav"):
        info = sf.info(str(path))
        assert (info.samplerate, info.frames, info.channels) == (22050, 44100, 1)
    rows = [json.loads(line) for line in (gen / "manifest.jsonl").read_text().splitlines()]
    assert sorted({(r["category"], r["category_id"]) for r in rows}) == [(n, i) for i, n in enumerate(NAMES)]
    (score_file,) = score_files(gen)
    score = json.loads(score_file.read_text())
    assert score["categories"] == NAMES and sorted(score["metrics"]["fad"]["per_category"]) == NAMES
    assert score["clip_format"] == {"sample_rate": 22050, "clip_samples": 44100}
    report = (exp / "report" / "index.html").read_text()
    assert all(f"/{name}/" in report for name in NAMES)

    page = tmp_path / "listening"
    assert listening_test.main([f"trained={gen}", "--real", str(source), "--out", str(page), "--clips", "1"]) == 0
    html = (page / "page" / "index.html").read_text()
    assert all(f'"name": "{name}"' in html for name in NAMES)
