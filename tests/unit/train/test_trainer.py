"""The training loop: exact resume, the non-finite guard, logging, precision, and overfitting a few clips."""
from __future__ import annotations

import logging
import shlex
import shutil
import sys

import matplotlib
import numpy as np
import pytest
import torch
from tensorboard.plugins.hparams import plugin_data_pb2

from toolkit.data.manifest import read_manifest, write_manifest
from toolkit.errors import ConfigError, DataError
from toolkit.train.checkpoint import load_checkpoint
from toolkit.train.images import mel_images
from toolkit.train.nonfinite import TrainingDiverged
from toolkit.train.precision import Precision
from toolkit.train.trainer import Trainer

from .conftest import cli_overrides


def _params(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}


def test_resumed_run_equals_an_uninterrupted_one(tiny_config, recorder, tmp_path):
    common = ("train.valid_interval=2", "train.checkpoint_interval=2")  # 2 batches per epoch
    straight = Trainer(tiny_config("train.max_steps=4", *common, exp_dir=tmp_path / "a"))
    straight.fit()
    reference = recorder.series("loss/g/total")
    recorder.scalars.clear()

    Trainer(tiny_config("train.max_steps=3", *common, exp_dir=tmp_path / "b")).fit()  # stops mid-epoch 1
    recorder.scalars.clear()
    resumed = Trainer(tiny_config("train.max_steps=4", *common, exp_dir=tmp_path / "b"))
    assert (resumed.step, resumed.epoch, resumed.batch_in_epoch) == (3, 1, 1)
    resumed.fit()

    assert (resumed.step, resumed.epoch, resumed.batch_in_epoch) == (straight.step, straight.epoch, 2) == (4, 1, 2)
    for module in ("generator", "discriminator"):
        expected, got = _params(getattr(straight, module)), _params(getattr(resumed, module))
        assert all(torch.equal(expected[name], got[name]) for name in expected), module
    assert recorder.series("loss/g/total") == {4: reference[4]}
    assert resumed.sched_g.get_last_lr() == straight.sched_g.get_last_lr()
    assert resumed.optim_d.state_dict()["state"][0]["step"] == straight.optim_d.state_dict()["state"][0]["step"]


@pytest.mark.parametrize("override, message", [
    ("model.gin_channels=8", "model.gin_channels: 16 in the checkpoint, 8 now"),
    ("model/discriminator=mpd_msd", "model.discriminator.name: avocodo in the checkpoint, mpd_msd now"),
])
def test_resuming_with_another_model_is_a_config_error(tiny_config, override, message):
    Trainer(tiny_config("train.max_steps=1")).fit()
    with pytest.raises(ConfigError, match=message):
        Trainer(tiny_config("train.max_steps=2", override))


def test_resuming_may_change_the_optimiser_and_loss_settings(tiny_config, caplog):
    Trainer(tiny_config("train.max_steps=3")).fit()  # epochs of 2 batches: the schedule stepped once
    with caplog.at_level(logging.INFO):
        resumed = Trainer(tiny_config("train.max_steps=5", "model.optim.learning_rate=1e-3",
                                      "model.optim.lr_decay=0.5", "model.loss.mel=20"))
    assert "resuming with model.optim.learning_rate=0.001 (the checkpoint has 0.0002)" in caplog.text
    assert "resuming with model.loss.mel=20 (the checkpoint has 15.0)" in caplog.text
    assert resumed.step == 3 and resumed.weights.mel == 20
    for optimiser in (resumed.optim_g, resumed.optim_d):
        assert optimiser.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.5)
    resumed.fit()
    assert resumed.sched_g.get_last_lr() == pytest.approx([1e-3 * 0.25])


def _poisoned_dump(data_dir, tmp_path, poisoned: int) -> str:
    """A copy of the train dump whose first ``poisoned`` features are NaN."""
    dump = tmp_path / "dump"
    shutil.copytree(data_dir / "dump", dump)
    entries = read_manifest(dump / "train" / "manifest.jsonl", required=())
    for entry in entries:
        entry["feature_path"] = str(dump / "train" / "features" / entry["feature_path"].rsplit("/", 1)[1])
    for entry in entries[:poisoned]:
        torch.save(torch.full((513, 344), float("nan")), entry["feature_path"])
    write_manifest(dump / "train" / "manifest.jsonl", entries)
    return f"++data.dump_dir={dump}"


def test_a_nonfinite_step_is_skipped_and_counted(tiny_config, data_dir, recorder, tmp_path):
    override = _poisoned_dump(data_dir, tmp_path, poisoned=1)
    trainer = Trainer(tiny_config("train.max_steps=4", "train.batch_size=1", override))
    trainer.fit()
    assert trainer.guard.total == 1 and trainer.step == 4
    assert all(torch.isfinite(t).all() for t in trainer.generator.state_dict().values())
    assert recorder.series("nonfinite_steps")[4] == 1.0
    assert (tmp_path / "exp" / "checkpoints" / "last.pt").is_file()


def test_no_checkpoint_is_written_during_skipped_steps(tiny_config, data_dir, recorder, tmp_path, caplog):
    override = _poisoned_dump(data_dir, tmp_path, poisoned=1)
    settings = ("train.batch_size=1", "train.checkpoint_interval=1", override)
    checkpoints = tmp_path / "exp" / "checkpoints"
    with caplog.at_level(logging.WARNING):
        Trainer(tiny_config("train.max_steps=2", *settings)).fit()  # the poisoned clip comes second in epoch 0
    assert "training ended inside a run of 1 skipped steps" in caplog.text
    assert load_checkpoint(checkpoints / "last.pt")["step"] == 1

    resumed = Trainer(tiny_config("train.max_steps=3", *settings))
    assert resumed.step == 1
    resumed.fit()  # step 2 is skipped again; its checkpoint waits for step 3
    assert recorder.series("nonfinite_steps") == {1: 0.0, 2: 1.0, 3: 1.0}
    assert sorted(p.name for p in checkpoints.glob("step_*.pt")) == ["step_00000001.pt", "step_00000003.pt"]
    assert load_checkpoint(checkpoints / "last.pt")["step"] == 3


def test_a_nonfinite_generator_loss_undoes_the_discriminator_step(tiny_config, tmp_path):
    """A learning rate of 1e6: the discriminator's loss is finite, its update makes the generator's NaN."""
    trainer = Trainer(tiny_config("train.max_steps=10", "model.optim.learning_rate=1e6", "train.max_nonfinite_steps=3",
                                  "train.checkpoint_interval=1"))
    generator, discriminator = _params(trainer.generator), _params(trainer.discriminator)
    with pytest.raises(TrainingDiverged, match=r"non-finite loss .* e\.g\. model\.optim\.learning_rate=100000$"):
        trainer.fit()
    assert trainer.guard.total == 3
    for before, module in ((generator, trainer.generator), (discriminator, trainer.discriminator)):
        assert all(torch.equal(before[name], tensor) for name, tensor in module.state_dict().items())
    assert trainer.optim_d.state_dict()["state"] == {} and trainer.optim_g.state_dict()["state"] == {}
    assert [p.name for p in (tmp_path / "exp" / "checkpoints").iterdir()] == ["initial.pt"]


def test_the_divergence_message_prints_a_resume_command_that_is_accepted(data_dir, tmp_path, capfd):
    from toolkit.bin.train import main

    exp = tmp_path / "exp"
    assert main(cli_overrides(data_dir, exp, "train.max_steps=1")) == 0
    assert main(cli_overrides(data_dir, exp, "train.max_steps=10", "model.optim.learning_rate=1e6",
                              "train.max_nonfinite_steps=2")) == 1
    error = [line for line in capfd.readouterr().err.splitlines() if "ERROR" in line]
    assert len(error) == 1 and "training stopped at step 3: 2 consecutive steps" in error[0]
    command = shlex.split(error[0].split("with a lower learning rate: ", 1)[1])
    assert command[:3] == [sys.executable, "-m", "toolkit.bin.train"] and f"exp_dir={exp}" in command
    assert command[-1] == "model.optim.learning_rate=100000" and "model.optim.learning_rate=1e6" not in command

    main(command[3:])  # still too high a rate for this test's purpose: it must only be accepted
    log = capfd.readouterr().err
    assert "resuming with model.optim.learning_rate=100000 (the checkpoint has 0.0002)" in log  # step 1's
    assert "resumed from " + str(exp / "checkpoints" / "last.pt") + ": step 1," in log


def test_too_many_nonfinite_steps_stop_without_a_checkpoint(tiny_config, data_dir, tmp_path):
    override = _poisoned_dump(data_dir, tmp_path, poisoned=4)
    trainer = Trainer(tiny_config("train.max_steps=10", "train.max_nonfinite_steps=3", override))
    before = _params(trainer.generator)
    with pytest.raises(TrainingDiverged, match="3 consecutive steps had a non-finite loss"):
        trainer.fit()
    assert all(torch.equal(before[name], tensor) for name, tensor in trainer.generator.state_dict().items())
    # nothing written after the divergence: only the untrained baseline from before the first step
    assert [p.name for p in (tmp_path / "exp" / "checkpoints").iterdir()] == ["initial.pt"]


def test_logs_reach_tensorboard(tiny_config, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    Trainer(tiny_config("train.max_steps=2", "train.valid_interval=2", "train.valid_audio=true")).fit()
    events = EventAccumulator(str(tmp_path / "exp" / "tensorboard"), size_guidance={"audio": 0, "images": 0}).Reload()
    tags = events.Tags()
    assert {"loss/d/total", "loss/g/mel", "loss/g/kl", "loss/g/latent_meanstd", "lr/g", "grad_norm/g",
            "speed/steps_per_second", "valid/mel"} <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("loss/g/mel")] == [1, 2]
    assert {"mel/valid_real", "mel/valid_reconstructed", "mel/generated_DogBark"} <= set(tags["images"])
    assert len(tags["audio"]) == 7
    # whole clips (80 mels x 344 frames of 4 s), not 1024-sample training windows (4 frames)
    assert {(image.height, image.width) for tag in tags["images"] for image in events.Images(tag)} == {(80, 344)}
    (config,) = events.Tensors("config/text_summary")
    text = config.tensor_proto.string_val[0].decode()
    assert "    max_steps: 2" in text and "sample_rate: 22050" in text and "${" not in text  # resolved
    hparams = events.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(hparams["_hparams_/session_start_info"])
    values = start.session_start_info.hparams
    assert values["model.prior_encoder.name"].string_value == "vifs" and values["train.max_steps"].number_value == 2
    assert values["model.loss.mel"].number_value == tiny_config().model.loss.mel
    experiment = plugin_data_pb2.HParamsPluginData.FromString(hparams["_hparams_/experiment"]).experiment
    assert {metric.name.tag for metric in experiment.metric_infos} == {"valid/mel", "valid/kl", "loss/g/mel"}


def test_validation_pictures_share_one_colour_scale():
    quiet = torch.linspace(-8.0, -2.0, 80 * 10).reshape(80, 10)
    images = mel_images({"real": quiet, "loud": quiet + 4.0, "same": quiet.clone()})
    assert np.array_equal(images["real"], images["same"]) and images["real"].shape == (80, 10, 3)
    top = (np.array(matplotlib.colormaps["magma"](1.0)[:3]) * 255).round()
    assert (images["loud"] == top).all(axis=-1).any()  # the loudest value takes the top colour ...
    assert not (images["real"] == top).all(axis=-1).any()  # ... which the quieter picture never reaches


def test_cpu_bf16_training_runs_in_bf16(tiny_config, recorder, caplog):
    with caplog.at_level(logging.INFO, logger="toolkit.train.precision"):
        trainer = Trainer(tiny_config("train.max_steps=2", "train.precision=bf16"))
    assert trainer.precision.name == "bf16" and "training precision: bf16 on cpu" in caplog.text
    assert not trainer.scaler_g.is_enabled()
    dtypes = set()

    def record(_module, _inputs, output):
        if isinstance(output, torch.Tensor):
            dtypes.add(output.dtype)

    for module in trainer.generator.modules():
        if not list(module.children()):
            module.register_forward_hook(record)
    before = _params(trainer.generator)
    trainer.fit()
    assert torch.bfloat16 in dtypes
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())  # fp32 master weights
    assert any(not torch.equal(before[name], t) for name, t in trainer.generator.state_dict().items())
    assert all(torch.isfinite(torch.tensor(v)) for v in recorder.series("loss/g/total").values())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                    reason="torch.compile on the CPU (inductor) needs a C compiler")
def test_compiled_training_steps_like_eager(tiny_config, recorder, tmp_path, monkeypatch):
    import torch._inductor.config as inductor

    monkeypatch.setattr(inductor, "fallback_random", True)  # the same random noise as eager
    Trainer(tiny_config("train.max_steps=1", exp_dir=tmp_path / "eager")).fit()
    eager = recorder.series("loss/g/mel")[1]
    recorder.scalars.clear()
    compiled = Trainer(tiny_config("train.max_steps=1", "train.compile=true", exp_dir=tmp_path / "compiled"))
    assert compiled.run_g is not compiled.generator  # the loop calls the compiled wrapper
    compiled.fit()
    assert recorder.series("loss/g/mel")[1] == pytest.approx(eager, rel=1e-3)


def test_fp16_on_the_cpu_and_unknown_precisions_are_refused():
    with pytest.raises(ConfigError, match="train.precision=fp16 needs a GPU; on the CPU use bf16"):
        Precision("fp16", torch.device("cpu"))
    with pytest.raises(ConfigError, match="train.precision 'fp8' is unknown"):
        Precision("fp8", torch.device("cpu"))


@pytest.mark.slow
def test_overfits_a_handful_of_demo_clips(tiny_config, recorder):
    trainer = Trainer(tiny_config("train.max_steps=80", "model.segment_size=2048", "model.optim.learning_rate=1e-3"))
    trainer.fit()
    mel = list(recorder.series("loss/g/mel").values())
    first, last = sum(mel[:10]) / 10, sum(mel[-10:]) / 10
    assert last <= 0.7 * first, f"mel loss fell only from {first:.3f} to {last:.3f}"


def test_stale_or_missing_dump_is_one_clear_error(tiny_config, tmp_path):
    with pytest.raises(DataError, match="were dumped with other data settings"):
        Trainer(tiny_config("train.max_steps=1", "data.peak_normalize=0.5"))
    with pytest.raises(DataError, match=r"prepare and dump the data first \(\./run\.sh --stage 0 --stop-stage 2 in the recipe\)"):
        Trainer(tiny_config("train.max_steps=1", f"++data.dump_dir={tmp_path / 'nowhere'}"))


def test_generator_gradients_are_value_clipped(tiny_config):
    trainer = Trainer(tiny_config("train.max_steps=1", "train.grad_clip_value=1e-4"))
    trainer.train_step(next(trainer.train_loader.epoch(0)))
    g_max = max(p.grad.abs().max().item() for p in trainer.generator.parameters() if p.grad is not None)
    d_max = max(p.grad.abs().max().item() for p in trainer.discriminator.parameters() if p.grad is not None)
    assert g_max == pytest.approx(1e-4)  # clamped, and some gradient reached the bound
    assert d_max > 1e-4  # the discriminator is not clipped (as in the reference)


def _enabled_cpu_scalers(monkeypatch):
    """What fp16 brings on a GPU, on the CPU: an enabled GradScaler per optimiser (autocast stays off)."""
    monkeypatch.setattr(Precision, "grad_scaler", lambda self: torch.amp.GradScaler("cpu"))


def test_an_enabled_grad_scaler_survives_skipped_steps_and_changes_nothing(tiny_config, data_dir, recorder,
                                                                           tmp_path, monkeypatch):
    """The scaler unscales once per applied step, after the finite check; a scale of 2**16 is exact in fp32."""
    override = _poisoned_dump(data_dir, tmp_path, poisoned=1)
    common = ("train.max_steps=4", "train.batch_size=1", "train.log_interval=1", override)
    plain = Trainer(tiny_config(*common, exp_dir=tmp_path / "plain"))
    plain.fit()
    expected = {tag: recorder.series(tag) for tag in ("loss/g/total", "grad_norm/d", "grad_norm/g")}
    recorder.scalars.clear()

    _enabled_cpu_scalers(monkeypatch)
    scaled = Trainer(tiny_config(*common, exp_dir=tmp_path / "scaled"))
    assert scaled.scaler_d.is_enabled() and scaled.scaler_g.is_enabled()
    scaled.fit()
    assert scaled.guard.total == plain.guard.total == 1
    assert scaled.scaler_d.get_scale() == scaled.scaler_g.get_scale() == 2.0 ** 16
    for tag, series in expected.items():
        assert recorder.series(tag) == pytest.approx(series, rel=1e-5, nan_ok=True), tag
    for module in ("generator", "discriminator"):
        reference, got = _params(getattr(plain, module)), _params(getattr(scaled, module))
        assert all(torch.allclose(reference[name], got[name], rtol=1e-5, atol=1e-7) for name in reference), module
