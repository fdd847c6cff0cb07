"""``toolkit generate`` (the Hydra app) end to end on a tiny checkpoint."""
from __future__ import annotations

from pathlib import Path

from toolkit.bin.generate import main


def test_cli_generates_into_the_derived_folder(tmp_path, short_checkpoint, capsys):
    code = main([f"exp_dir={tmp_path}", f"generate.checkpoint={short_checkpoint}", "generate.clips_per_category=1",
                 "generate.noise_scale={DogBark: 0.5, Footstep: 0.6, GunShot: 0.7, Keyboard: 0.8, "
                 "MovingMotorVehicle: 0.9, Rain: 1.0, sneeze_cough: 1.1}", "generate.batch_size=7", "generate.threads=1"])
    assert code == 0
    out = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert out.parent == tmp_path and out.name.startswith("gen_last_")
    assert len(list(out.glob("generated_audio/*/0001.wav"))) == 7


def test_cli_refuses_model_overrides(capsys):
    assert main(["model.inter_channels=8"]) == 2
    assert "saved config" in capsys.readouterr().err


def test_cli_reports_a_missing_checkpoint_in_one_line(tmp_path, capsys):
    assert main([f"exp_dir={tmp_path}"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "generate.checkpoint: no such file" in errors[0]


def test_stage_dirs_names_the_generated_set_by_generation_settings_and_its_scores_by_scoring_ones(
        tmp_path, short_checkpoint, capsys):
    """What run.sh names its folders with: score.* settings never change the generated set's folder."""
    from toolkit.bin.stage_dirs import main as stage_dirs
    from toolkit.generate import GenerateOptions

    checkpoint = short_checkpoint

    def dirs(*overrides: str) -> list[Path]:
        assert stage_dirs([f"exp_dir={tmp_path}", f"hydra.run.dir={tmp_path / 'hydra'}", f"generate.checkpoint={checkpoint}",
                           f"score.reference_dir={tmp_path}", *overrides]) == 0
        return [Path(line) for line in capsys.readouterr().out.splitlines()]

    gen, score = dirs()
    options = GenerateOptions(checkpoint=str(checkpoint))
    assert gen == options.output_dir(tmp_path, options.plan()) and score.parent == gen
    rescored = dirs("score.embedding=vggish", "score.mode=dcase2023", "score.k=3", "select.noise_scales=[1.0]")
    assert rescored[0] == gen and rescored[1].parent == gen and rescored[1] != score
    regenerated = dirs("generate.seed=7")
    assert regenerated[0] != gen and regenerated[1].name == score.name
