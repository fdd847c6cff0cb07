"""``toolkit score`` and the Hydra score stage end to end on small real-clip folders (SoundNet, offline)."""
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from toolkit.bin import score, score_stage
from toolkit.config import compose_config

#: the smallest real categories (8-9 clips each): enough for k=5 neighbours, cheap to embed
SMALL_CATEGORIES = ("Footstep", "Keyboard", "Rain")
SNAKE = {"Footstep": "footstep", "Keyboard": "keyboard", "Rain": "rain"}


def link_categories(realclips: Path, target: Path, snake_case: bool = False) -> Path:
    """``target/<category>`` symlinks to the small real categories (CamelCase or snake_case names)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SMALL_CATEGORIES:
        (target / (SNAKE[name] if snake_case else name)).symlink_to(realclips / name, target_is_directory=True)
    return target


def write_noisy_copies(realclips: Path, target: Path, noise: float = 0.05, seed: int = 0) -> Path:
    """A generated-like set: the small categories' clips plus white noise, written as PCM_16."""
    rng = np.random.default_rng(seed)
    for name in SMALL_CATEGORIES:
        (target / name).mkdir(parents=True, exist_ok=True)
        for path in sorted((realclips / name).glob("*.wav")):
            audio, rate = sf.read(path, dtype="float64")
            noisy = np.clip(audio + noise * rng.standard_normal(audio.shape), -1.0, 1.0)
            sf.write(target / name / path.name, noisy, rate, subtype="PCM_16")
    return target


@pytest.fixture(scope="module")
def sets(realclips, tmp_path_factory):
    root = tmp_path_factory.mktemp("score_sets")
    return {
        "generated": link_categories(realclips, root / "generated"),
        "reference": link_categories(realclips, root / "reference", snake_case=True),
        "noisy": write_noisy_copies(realclips, root / "noisy"),
        "cache": root / "cache",
        "root": root,
    }


def run_cli(sets, generated, out):
    argv = ["--generated", str(sets[generated]), "--reference", str(sets["reference"]), "--embedding", "soundnet",
            "--out", str(out), "--cache-dir", str(sets["cache"]), "--k", "5", "--threads", "1"]
    assert score.main(argv) == 0
    return json.loads((out / "score.json").read_text())


def test_identical_sets_then_a_noisy_set(sets, capsys):
    same = run_cli(sets, "generated", sets["root"] / "out_same")
    assert same["categories"] == list(SMALL_CATEGORIES)
    assert same["embedding"]["name"] == "soundnet" and any("NOT comparable" in n for n in same["notes"])
    fad = same["metrics"]["fad"]["per_category"]
    assert all(abs(v) < 1e-3 for v in fad.values())
    assert same["metrics"]["precision"]["average"] == same["metrics"]["coverage"]["average"] == 1.0
    assert same["metrics"]["fit_accuracy"]["details"]["classifier_cv_folds"] == 4
    assert same["clips"]["Footstep"] == {"generated": 8, "reference": 8, "generated_rows": 88, "reference_rows": 88}
    cached = list(sets["cache"].rglob("*.npy"))
    assert len(cached) == 26  # generated and reference are the same files: embedded once

    noisy = run_cli(sets, "noisy", sets["root"] / "out_noisy")
    for category in SMALL_CATEGORIES:
        assert noisy["metrics"]["fad"]["per_category"][category] > 1.0
        assert noisy["metrics"]["kad"]["per_category"][category] > same["metrics"]["kad"]["per_category"][category]
    out = sets["root"] / "out_noisy"
    table = (out / "score.md").read_text()
    assert "| Footstep | 8 |" in table and "| **average** |" in table and "fad ↓" in table
    assert (out / "score.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "fad" in capsys.readouterr().out


def test_hydra_stage_writes_the_same_outputs(sets):
    out = sets["root"] / "out_hydra"
    code = score_stage.main([
        f"score.generated_dir={sets['generated']}", f"score.reference_dir={sets['reference']}",
        f"score.out_dir={out}", f"score.cache_dir={sets['cache']}", "score.scorers=[fad,prdc]", "score.num_threads=1",
        f"exp_dir={sets['root'] / 'exp'}",
    ])
    assert code == 0
    result = json.loads((out / "score.json").read_text())
    assert list(result["metrics"]) == ["fad", "precision", "recall", "density", "coverage"]
    assert (out / "score.md").is_file() and (out / "score.png").is_file()


def test_cli_user_errors_are_one_line(sets, capsys, tmp_path):
    argv = ["--generated", str(tmp_path / "missing"), "--reference", str(sets["reference"]), "--out", str(tmp_path)]
    assert score.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: generated folder") and "\n" not in err
    assert score_stage.main([f"exp_dir={tmp_path}"]) == 1


@pytest.mark.parametrize("embedding, expected", [("vggish", "dcase2023"), ("soundnet", "standard")])
def test_cli_and_hydra_stage_share_the_default_mode(embedding, expected, monkeypatch):
    """One source for the default mode: ``toolkit score`` and the recipe's score stage agree."""
    passed = []
    monkeypatch.setattr(score, "use_all_cores", lambda threads=None: 1)
    monkeypatch.setattr(score, "run_scoring", lambda options: passed.append(options) or {"metrics": {}})
    assert score.main(["--generated", "g", "--reference", "r", "--out", "o", "--embedding", embedding]) == 0
    cfg = compose_config([f"score.embedding={embedding}", "score.generated_dir=g", "score.reference_dir=r"])
    assert score_stage.options_from_config(cfg).mode == passed[0].mode == expected
