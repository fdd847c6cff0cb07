"""A model trained by the demo recipe, packed, then loaded in a fresh Python process from the package alone:
its float clips match the recipe's fast path and the files it saves are the recipe's, byte for byte."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from toolkit.audio import fit_length
from toolkit.bin.pack import main as pack_main
from toolkit.generate import FastGenerator, clip_seed
from toolkit.train.checkpoint import load_generator

pytestmark = pytest.mark.slow

#: The demo recipe (conf/demo.sh: the vifs_demo preset) up to generation, shrunk to a few clips, one training
#: step and one generated clip per category from the trained model.
DEMO = ["--dataset", "demo", "--config", "conf/demo.sh", "--tag", "demo", "--demo-clips-per-category", "4",
        "--inference-ckpt", "last", "--stop-stage", "4", "train.max_steps=1", "train.batch_size=2",
        "train.valid_interval=null", "train.log_interval=1", "generate.clips_per_category=1", "generate.seed=5",
        "generate.noise_scale=0.7"]

LOAD_AND_SAVE = textwrap.dedent("""
    import sys
    import numpy as np
    from toolkit import FoleyModel

    model = FoleyModel.from_pretrained(sys.argv[1], device="cpu")
    audio = model.generate("GunShot", n=1, seed=5, noise_scale=0.7)
    np.save(sys.argv[2], audio)
    model.save(audio, sys.argv[3], category="GunShot", seed=5, noise_scale=0.7)
    print(model.categories, model.sample_rate, model.clip_samples)
""")


def test_demo_model_packed_and_loaded_from_the_package_alone(recipe, run_recipe, tmp_path):
    result = run_recipe(recipe, *DEMO, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    exp = recipe / "exp" / "demo"
    (gen,) = exp.glob("gen_last_*")
    assert pack_main([str(exp), "--out", str(tmp_path / "demo-last")]) == 0
    assert pack_main([str(exp), "--checkpoint", "initial", "--out", str(tmp_path / "demo-initial")]) == 0
    card = (tmp_path / "demo-last" / "README.md").read_text()
    assert "./run.sh --dataset demo --config conf/demo.sh" in card and "Dataset `demo`" in card and "step 1" in card
    assert "(untrained)" in (tmp_path / "demo-initial" / "README.md").read_text()

    expected = _recipe_float_output(exp / "checkpoints" / "last.pt")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    package = shutil.move(tmp_path / "demo-last", elsewhere / "demo-last")
    hidden = exp.rename(exp.with_name(".hidden"))  # no experiment folder while the package loads
    try:
        loaded = subprocess.run([sys.executable, "-c", LOAD_AND_SAVE, str(package), "audio.npy", "out"],
                                cwd=elsewhere, capture_output=True, text=True, timeout=300)
    finally:
        hidden.rename(exp)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert "22050 88200" in loaded.stdout

    audio = np.load(elsewhere / "audio.npy")
    assert audio.dtype == np.float32 and audio.shape == (1, 88200) and np.abs(audio).max() > 0
    assert np.abs(audio - expected).max() <= 1e-6
    for name in ("audio/GunShot/0001.wav", "generated_audio/gunshot/0001.wav"):
        assert (elsewhere / "out" / name).read_bytes() == (gen / name).read_bytes()
    recipe_seeds = [r["seed"] for r in map(json.loads, (gen / "manifest.jsonl").read_text().splitlines())
                    if r["category"] == "GunShot"]
    saved_seeds = [r["seed"] for r in map(json.loads, (elsewhere / "out" / "manifest.jsonl").read_text().splitlines())]
    assert saved_seeds == recipe_seeds


def _recipe_float_output(checkpoint):
    """GunShot clip 1 as the recipe's generation computes it before writing PCM_16 (whole frames, padded)."""
    generator = FastGenerator(load_generator(checkpoint)[0], "cpu")
    return fit_length(generator([2], [0.7], [clip_seed(5, "GunShot", 1)]).numpy(), 88200)
