"""The trainer's logger hooks: start, scalars/images/audio and close, on rank 0, for old and new implementations."""
from __future__ import annotations

import pytest

from toolkit.hookspecs import hookimpl
from toolkit.log import LOG_DIR_ENV
from toolkit.plugins import get_plugin_manager
from toolkit.train.trainer import Trainer

from .conftest import cli_overrides


class RunLogger:
    """A logger in the shape of a W&B or MLflow plugin: it needs the run's folder, config and rank."""

    def __init__(self, fail_at: int | None = None, error: type[BaseException] = RuntimeError):
        self.calls: list[tuple] = []
        self.fail_at, self.error = fail_at, error

    @hookimpl
    def toolkit_log_start(self, exp_dir, config, rank, world_size, step):
        self.calls.append(("start", exp_dir, config["train"]["max_steps"], rank, world_size, step))

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        self.calls.append(("scalars", step))
        if step == self.fail_at:
            raise self.error("the logging service went away")

    @hookimpl
    def toolkit_log_close(self, step, status):
        self.calls.append(("close", step, status))


class OldLogger:
    """A logger written before the start and close hooks existed."""

    def __init__(self):
        self.steps: list[int] = []

    @hookimpl
    def toolkit_log_scalars(self, step, scalars):
        self.steps.append(step)


class FolderOnly:
    """An implementation may declare a subset of a hook's arguments."""

    def __init__(self):
        self.folders = []

    @hookimpl
    def toolkit_log_start(self, exp_dir):
        self.folders.append(exp_dir)


@pytest.fixture
def registered():
    manager = get_plugin_manager()
    plugins = []

    def register(plugin):
        manager.register(plugin)
        plugins.append(plugin)
        return plugin

    yield register
    for plugin in plugins:
        manager.unregister(plugin)


def test_hooks_bracket_each_run_and_old_implementations_keep_working(tiny_config, tmp_path, registered):
    run, old, folder = registered(RunLogger()), registered(OldLogger()), registered(FolderOnly())
    Trainer(tiny_config("train.max_steps=2")).fit()
    Trainer(tiny_config("train.max_steps=3")).fit()  # resumes from last.pt at step 2
    exp = (tmp_path / "exp").resolve()
    assert run.calls == [("start", exp, 2, 0, 1, 0), ("scalars", 1), ("scalars", 2), ("close", 2, "finished"),
                         ("start", exp, 3, 0, 1, 2), ("scalars", 3), ("close", 3, "finished")]
    assert old.steps == [1, 2, 3] and folder.folders == [exp, exp]
    assert get_plugin_manager().get_plugins() >= {run, old, folder}  # the trainer unregistered only its TensorBoard


@pytest.mark.parametrize("error, status", [(RuntimeError, "failed"), (KeyboardInterrupt, "interrupted")])
def test_close_says_how_the_run_ended(tiny_config, registered, error, status):
    run = registered(RunLogger(fail_at=2, error=error))
    with pytest.raises(error, match="went away"):
        Trainer(tiny_config("train.max_steps=4")).fit()
    assert run.calls[-2:] == [("scalars", 2), ("close", 2, status)]


def test_the_train_stage_writes_its_log_file(data_dir, tmp_path, monkeypatch):
    from toolkit.bin.train import main

    monkeypatch.delenv(LOG_DIR_ENV, raising=False)  # outside the recipe: next to the checkpoints
    assert main(cli_overrides(data_dir, tmp_path / "exp", "train.max_steps=1")) == 0
    text = (tmp_path / "exp" / "logs" / "train.log").read_text()
    assert "train started: " in text and "INFO toolkit.train.trainer: training stopped at step 1 (epoch 0)" in text
