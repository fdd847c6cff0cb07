"""The whole recipe on demo data with a tiny model: stages 0-7, the ensemble through stage 4, a rerun that
skips everything, rescoring with VGGish against the official statistics, and an interrupted training run
that resumes."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from urllib.parse import unquote

import pytest
import soundfile as sf
import yaml

from toolkit.dcase import SNAKE_CASE
from toolkit.models.presets import TINY_OVERRIDES
from toolkit.score.inputs import find_audio_set

pytestmark = pytest.mark.slow

#: options and overrides every stage may get (no model.* overrides: stages >= 4 refuse them)
LATER = [
    "--dataset", "demo", "--demo-clips-per-category", "8", "data.valid_fraction=0.25",
    "train.batch_size=4", "train.num_workers=0", "train.max_steps=4", "train.checkpoint_interval=2",
    "train.valid_interval=null", "train.log_interval=2",
    "select.noise_scales=[0.5,1.0]", "select.last_checkpoints=2", "select.clips_per_category=4",
    "score.cache_dir=null",
]
TINY_RUN = [*LATER, *TINY_OVERRIDES]


def stage_lines(output: str, word: str) -> list[str]:
    return [line for line in output.splitlines() if word in line]


@pytest.fixture(scope="module")
def first_run(recipe, run_recipe):
    result = run_recipe(recipe, "--tag", "tiny", "--stop-stage", "7", *TINY_RUN, timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_stages_0_to_7_write_every_output(recipe, first_run):
    exp = recipe / "exp" / "tiny"
    checkpoints = sorted(p.name for p in (exp / "checkpoints").iterdir())
    assert checkpoints == ["initial.pt", "last.pt", "step_00000002.pt", "step_00000004.pt"]
    (gen,) = exp.glob("gen_last_*")
    # the official scorer's checks: snake_case folders of exactly 100 files, 22,050 Hz mono 88,200 samples
    official = find_audio_set(gen / "generated_audio", "generated", dcase2023=True)
    assert sorted(p.name for p in (gen / "generated_audio").iterdir()) == sorted(SNAKE_CASE)
    assert {sf.info(str(p)).subtype for p in official.all_files()} == {"PCM_16"}
    assert (gen / "audio" / "Sneeze_Cough" / "0001.wav").is_file()
    seeds = [json.loads(line)["seed"] for line in (gen / "manifest.jsonl").read_text().splitlines()]
    assert len(seeds) == 700 and len(set(seeds)) == 700
    (score_json,) = gen.glob("score_*/score.json")
    score = json.loads(score_json.read_text())
    assert score["embedding"]["name"] == "soundnet" and score["mode"] == "standard"
    assert score["reference_dir"].endswith("valid/manifest.jsonl")
    assert len(score["metrics"]["fad"]["per_category"]) == 7
    assert "Scores side by side" in (exp / "scores.md").read_text()
    assert "Score table:" in first_run.stderr
    quality = json.loads((exp / "quality.json").read_text())
    assert len(quality["categories"]) == 7 and quality["generated_dir"] == str(gen.resolve())
    assert quality["checks"]["fad"]["value"] == "not scored"  # only "last" was generated: no untrained baseline
    assert "# Audibility and variety against the targets" in first_run.stdout
    report = (exp / "report" / "index.html").read_text()
    headline = report[report.index('id="headline"'):report.index('id="toc-title"')]
    assert "soundnet embedding, standard mode" in headline and "<table>" in headline
    assert "last, noise 0.667" in headline and "fad ↓ per category" in headline
    assert "generated_rows" not in report and "metrics.fad" not in report and 'id="quality"' in report
    clips = re.findall(r'<audio controls preload="metadata" src="([^"]+)"', report)
    assert len(clips) >= 7 * 2 and all((exp / "report" / unquote(src)).is_file() for src in clips)
    assert "Report: exp/tiny/report/index.html" in first_run.stderr  # recipe-relative, like the other log lines


def test_selection_yields_an_ensemble_that_stage_4_accepts(recipe, first_run, run_recipe):
    exp = recipe / "exp" / "tiny"
    ensemble = yaml.safe_load((exp / "select" / "ensemble.yaml").read_text())
    assert len(ensemble["categories"]) == 7
    assert {c["noise_scale"] for c in ensemble["categories"].values()} <= {0.5, 1.0}
    assert {c["checkpoint"].rsplit("/", 1)[1] for c in ensemble["categories"].values()} <= \
        {"step_00000002.pt", "step_00000004.pt"}
    assert len(list((exp / "select" / "grid").iterdir())) == 4
    result = run_recipe(recipe, "--tag", "tiny", "--stage", "4", "--stop-stage", "4", *LATER,
                        f"generate.ensemble={exp / 'select' / 'ensemble.yaml'}", timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    (gen,) = exp.glob("gen_ensemble_*")
    assert yaml.safe_load((gen / "generate.yaml").read_text())["ensemble"]
    assert find_audio_set(gen / "generated_audio", "generated", dcase2023=True)


def test_rerun_skips_every_stage(recipe, first_run, run_recipe):
    result = run_recipe(recipe, "--tag", "tiny", "--stop-stage", "7", *TINY_RUN, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    stages = stage_lines(result.stderr, ") Stage ")
    skipped = stage_lines(result.stderr, "skipped (")
    assert len(stages) == 8 and len(skipped) == 8, result.stderr[-3000:]
    assert "python -m toolkit.bin.train" not in result.stderr


def test_rescoring_scores_the_same_clips_and_generates_nothing(recipe, first_run, run_recipe, shared_data, tmp_path):
    """The README's rescoring command: VGGish (random weights) in dcase2023 mode against the official statistics."""
    import torch

    from toolkit.score.vggish import VGGish

    exp = recipe / "exp" / "tiny"
    torch.manual_seed(0)
    weights = tmp_path / "vggish_random.pth"
    torch.save(VGGish().state_dict(), weights)
    before = {p: p.stat().st_mtime_ns for p in exp.glob("gen_*/audio/*/*.wav")}
    (gen,) = exp.glob("gen_last_*")
    (soundnet,) = gen.glob("score_*")
    result = run_recipe(recipe, "--tag", "tiny", "--stage", "5", "--vggish-weights", str(weights), "--eval-stats",
                        str(shared_data / "dcase23_eval_stats" / "original"), *LATER, timeout=2400)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "toolkit.bin.generate" not in result.stderr and "-m toolkit.bin.score_stage" in result.stderr
    assert {p: p.stat().st_mtime_ns for p in exp.glob("gen_*/audio/*/*.wav")} == before
    assert not list(exp.glob(".gen_*")) and not list(exp.glob("select/grid/*/.gen*"))
    (vggish,) = set(gen.glob("score_*")) - {soundnet}
    score = json.loads((vggish / "score.json").read_text())
    assert score["embedding"]["name"] == "vggish" and score["mode"] == "dcase2023"
    assert score["reference_kind"].startswith("official statistics")
    assert json.loads((soundnet / "score.json").read_text())["embedding"]["name"] == "soundnet"
    table = (exp / "scores.md").read_text()
    assert "## Embedding soundnet (standard)" in table and "## Embedding vggish (dcase2023)" in table


def test_killed_training_resumes_from_a_later_step(recipe, first_run, recipe_env, run_recipe):
    args = ["./run.sh", "--tag", "killed", "--stage", "3", "--stop-stage", "3", *TINY_RUN,
            "train.max_steps=100000", "train.checkpoint_interval=1"]
    last = recipe / "exp" / "killed" / "checkpoints" / "last.pt"
    process = subprocess.Popen(args, cwd=recipe, env=recipe_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not last.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        assert last.exists(), "training never wrote last.pt"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not (recipe / "exp" / "killed" / ".train.done").exists()
    resumed = run_recipe(recipe, "--tag", "killed", "--stage", "3", "--stop-stage", "3", *TINY_RUN,
                         "train.max_steps=6", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    match = re.search(r"resumed from \S+: step (\d+)", resumed.stderr)
    assert match and int(match[1]) > 0, resumed.stderr[-3000:]
