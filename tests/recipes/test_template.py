"""The recipe template's shell plumbing (recipes/TEMPLATE/foley.sh), through the DCASE recipe's run.sh: option
parsing, stages 0-1 on demo data, .done markers and their settings, tags, locks, side effects per stage."""
from __future__ import annotations

import fcntl
import json
import re
import subprocess
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]


# --- utils/parse_options.sh ----------------------------------------------------------------------

def parse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "script.sh"
    script.write_text(
        "set -euo pipefail\nstop_stage=100\nuse_gpu=false\nname=a\nhelp_message='usage: script.sh [opts]'\n"
        f". {REPO / 'utils' / 'parse_options.sh'}\n"
        'echo "stop_stage=$stop_stage use_gpu=$use_gpu name=$name rest=$*"\n')
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, cwd=tmp_path)


def test_parse_options_semantics(tmp_path):
    assert parse(tmp_path, "--stop-stage", "3", "--use_gpu", "true", "x=1", "--name", "b").stdout.strip() == \
        "stop_stage=3 use_gpu=true name=a rest=x=1 --name b"
    assert parse(tmp_path, "--stop_stage", "5").stdout.strip() == "stop_stage=5 use_gpu=false name=a rest="
    (tmp_path / "c.sh").write_text("name=from_config\nstop_stage=7\n")
    assert parse(tmp_path, "--stop-stage", "2", "--config", "c.sh").stdout.strip() == \
        "stop_stage=2 use_gpu=false name=from_config rest="
    assert parse(tmp_path, "--", "--name", "z").stdout.strip().endswith("rest=--name z")
    helped = parse(tmp_path, "--help")
    assert helped.returncode == 0 and helped.stdout.strip() == "usage: script.sh [opts]"
    for args, message in ((["--unknown", "1"], "unknown option '--unknown'"),
                          (["--use-gpu", "yes"], "takes true or false"),
                          (["--name=b"], "write '--name b'"),
                          (["--name"], "needs a value"),
                          (["--config", "missing.sh"], "does not exist")):
        result = parse(tmp_path, *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)


# --- run.sh --------------------------------------------------------------------------------------

def test_stages_0_1_on_demo_then_skip_then_force(recipe, run_recipe):
    first = run_recipe(recipe, "--dataset", "demo", "--stage", "0", "--stop-stage", "1", "--demo-clips-per-category", "2")
    assert first.returncode == 0, first.stderr
    data = recipe / "data" / "demo"
    entries = [json.loads(line) for split in ("train", "valid")
               for line in (data / split / "manifest.jsonl").read_text().splitlines()]
    assert len(entries) == 14 and {e["category_id"] for e in entries} == set(range(7))
    assert all(Path(e["path"]).is_absolute() and Path(e["path"]).is_file() for e in entries)
    assert (data / "rejected.tsv").read_text() == "path\treason\n"
    assert json.loads((data / ".obtain.done").read_text()) == \
        {"obtain": {"dataset": "demo", "clips_per_category": "2", "seed": "0"}}
    prepared = json.loads((data / ".prepare.done").read_text())["data"]  # every resolved data.* setting
    assert prepared["valid_fraction"] == 0.05 and prepared["category_set"] == "dcase23" and "stft" in prepared
    assert (data / "hydra" / "prepare" / ".hydra" / "overrides.yaml").is_file()
    assert "prepare started: " in (data / "logs" / "prepare.log").read_text() and (data / "logs" / "obtain.log").is_file()
    assert not (recipe / "exp").exists()  # data stages touch no experiment folder

    again = run_recipe(recipe, "--dataset", "demo", "--stop_stage", "1", "--demo-clips-per-category", "2")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped (") == 2 and "toolkit.bin.prepare" not in again.stderr

    changed = run_recipe(recipe, "--dataset", "demo", "--stop-stage", "0", "--demo-clips-per-category", "3")
    assert changed.returncode != 0 and "--force true" in changed.stderr
    assert "obtain.clips_per_category=2 (now 3)" in changed.stderr.strip().splitlines()[-1]
    other_split = run_recipe(recipe, "--dataset", "demo", "--stage", "1", "--stop-stage", "1", "data.valid_fraction=0.5")
    assert other_split.returncode != 0 and "data.valid_fraction=0.05 (now 0.5)" in other_split.stderr

    forced = run_recipe(recipe, "--dataset", "demo", "--stop-stage", "0", "--demo-clips-per-category", "3",
                 "--force", "true")
    assert forced.returncode == 0, forced.stderr
    assert "skipped" not in forced.stderr and len(list((data / "source").glob("*/*.wav"))) == 21
    assert not (data / ".prepare.done").exists()  # the next prepare runs again on the new data


def exp_dirs(recipe: Path) -> set[str]:
    return {p.name for p in (recipe / "exp").iterdir()} if (recipe / "exp").is_dir() else set()


def derived_tag(recipe: Path, run_recipe, *args: str) -> str:
    """The tag run.sh derives for ``args`` (--stage 3 --stop-stage 2 runs no stage and creates nothing)."""
    before = exp_dirs(recipe)
    result = run_recipe(recipe, "--dataset", "demo", "--stage", "3", "--stop-stage", "2", *args)
    assert result.returncode == 0, result.stderr
    assert exp_dirs(recipe) == before
    return re.search(r"\) experiment (\S+): ", result.stderr)[1]


def test_tag_from_model_train_data_overrides_only(recipe, run_recipe):
    tag = derived_tag(recipe, run_recipe, "train.lr=1e-4", "model/decoder=hifigan", "generate.noise_scale=0.5",
                      "data.valid_fraction=0.1")
    assert tag == "vifs_demo_data.valid_fraction-0.1_model-decoder-hifigan_train.lr-1e-4"
    # order, generation options and how long training runs do not change it; --tag replaces it
    assert derived_tag(recipe, run_recipe, "model/decoder=hifigan", "data.valid_fraction=0.1", "score.x=1",
                       "train.lr=1e-4", "train.max_steps=10") == tag
    assert derived_tag(recipe, run_recipe, "--tag", "mine", "model.x=1") == "mine"


def test_model_override_at_generation_is_refused(recipe, run_recipe):
    result = run_recipe(recipe, "--dataset", "demo", "--stage", "4", "model.hidden_channels=8", "generate.n=1")
    assert result.returncode != 0
    assert "model override 'model.hidden_channels=8' given to stage 4" in result.stderr
    assert "--tag vifs_demo_model.hidden_channels-8" in result.stderr


def run_while_locked(lock: Path, run, *args: str) -> subprocess.CompletedProcess:
    """``run(*args)`` while this process holds ``lock`` as another run.sh would."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return run(*args)


def test_second_run_on_same_experiment_stops(recipe, run_recipe):
    result = run_while_locked(recipe / "exp" / "locked" / ".lock", run_recipe, recipe, "--dataset", "demo",
                              "--tag", "locked", "--stage", "3", "--stop-stage", "3")
    assert result.returncode != 0 and "another run.sh is working on exp/locked" in result.stderr
    assert not (recipe / "exp" / "locked" / "run.sh").exists()


def test_bad_options_are_one_line_errors(recipe, tmp_path, run_recipe):
    for args, message in ((["--no-such-option", "1"], "unknown option"),
                          (["--dataset", str(tmp_path / "missing")], "not dcase23, demo or an existing folder"),
                          (["--stage", "x"], "--stage must be a non-negative integer"),
                          (["--force", "yes"], "takes true or false")):
        result = run_recipe(recipe, *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)


def test_optimiser_and_loss_overrides_keep_the_experiment(recipe, run_recipe):
    """A resume with a lower learning rate (the divergence advice) must find the same experiment folder."""
    assert derived_tag(recipe, run_recipe, "model/decoder=hifigan") == "vifs_demo_model-decoder-hifigan"
    assert derived_tag(recipe, run_recipe, "model/decoder=hifigan", "model.optim.learning_rate=1e-5",
                       "+model.loss.kl=2.0", "model.optim={learning_rate: 1e-5}") == "vifs_demo_model-decoder-hifigan"


def test_ngpu_launches_torchrun_standalone_and_the_train_marker_guards_the_experiment(recipe, run_recipe,
                                                                                     recipe_env, tmp_path):
    """Two --ngpu runs on one machine must not share a rendezvous port: torchrun --standalone. A finished
    training records its settings: a rerun skips it, a model or data change is refused with one line, a
    lower learning rate and more steps resume it (logged)."""
    stub = tmp_path / "bin" / "torchrun"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "args"}\n'
                    f'printf "%s" "$TOOLKIT_RERUN" > {tmp_path / "rerun"}\n'
                    f'printf "%s" "$TOOLKIT_LOG_DIR" > {tmp_path / "log_dir"}\n')
    stub.chmod(0o755)
    env = {**recipe_env, "PATH": f"{stub.parent}:{recipe_env['PATH']}"}

    def train(*overrides: str) -> subprocess.CompletedProcess:
        (tmp_path / "args").unlink(missing_ok=True)
        return subprocess.run(["./run.sh", "--dataset", "demo", "--tag", "ddp", "--stage", "3", "--stop-stage", "3",
                               "--ngpu", "2", *overrides], cwd=recipe, env=env, capture_output=True, text=True,
                              timeout=120)

    result = train("train.max_steps=1")
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:5] == ["--standalone", "--nproc_per_node", "2", "-m", "toolkit.bin.train"]
    assert "exp_dir=exp/ddp" in args and "train.max_steps=1" in args
    # the divergence advice resumes through the experiment's own run.sh (model.optim.* keeps the tag)
    assert (tmp_path / "rerun").read_text() == f"{recipe / 'exp' / 'ddp' / 'run.sh'} --stage 3 --stop-stage 3"
    assert (tmp_path / "log_dir").read_text() == "exp/ddp/logs" and (recipe / "exp" / "ddp" / "logs").is_dir()
    recorded = (recipe / "exp" / "ddp" / "run.sh").read_text()
    assert './run.sh --dataset demo --tag ddp --stage 3 --stop-stage 3 --ngpu 2 "$@" train.max_steps=1' in recorded

    again = train("train.max_steps=1")
    assert again.returncode == 0 and "skipped (exp/ddp/.train.done exists)" in again.stderr
    assert not (tmp_path / "args").exists()

    refused = train("train.max_steps=1", "model.hidden_channels=8", "data.valid_fraction=0.5")
    assert refused.returncode != 0 and not (tmp_path / "args").exists()
    assert re.search(r"data.valid_fraction=0.05 \(now 0.5\), model.hidden_channels=\d+ \(now 8\); a model or data "
                     r"change is a new experiment", refused.stderr.strip().splitlines()[-1]), refused.stderr

    resumed = train("train.max_steps=2", "model.optim.learning_rate=1e-5")
    assert resumed.returncode == 0, resumed.stderr
    assert "train.max_steps=2" in (tmp_path / "args").read_text().splitlines()
    assert "resuming with model.optim.learning_rate=1e-05 (it was 0.0002)" in resumed.stderr
    assert "resuming with train.max_steps=2 (it was 1)" in resumed.stderr


def test_data_lock_does_not_advise_another_tag(recipe, run_recipe):
    result = run_while_locked(recipe / "data" / "demo" / ".lock", run_recipe, recipe, "--dataset", "demo",
                              "--tag", "other", "--stage", "1", "--stop-stage", "1")
    assert result.returncode == 1 and "another run.sh is working on data/demo" in result.stderr
    assert "--tag" not in result.stderr and "shares its data" in result.stderr


def test_offline_stage_0_points_to_the_demo_set(recipe, recipe_env):
    env = {**recipe_env, "DCASE23_URL": "http://127.0.0.1:9/DCASE_2023_Challenge_Task_7_Dataset.tar.gz"}
    result = subprocess.run(["./run.sh", "--tag", "offline", "--stage", "0", "--stop-stage", "0"], cwd=recipe, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "--dataset demo" in result.stderr.strip().splitlines()[-1]


def test_the_custom_recipe_needs_a_library(custom_recipe, run_recipe, tmp_path):
    for args, message in (([], "--dataset DIR is required"), (["--dataset", str(tmp_path / "missing")], "no such folder")):
        result = run_recipe(custom_recipe, *args)
        assert result.returncode == 1 and message in result.stderr.strip().splitlines()[-1], result.stderr
    assert not (custom_recipe / "data").exists() and not (custom_recipe / "exp").exists()
