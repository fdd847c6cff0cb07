from __future__ import annotations

import math

import pluggy
import pytest

import foley_jsonl_logger
from foley_jsonl_logger import FILE_NAME, JsonLinesLogger, read_metrics

hookspec = pluggy.HookspecMarker("foley_toolkit")


class Specs:
    """The toolkit's logger hookspecs as this plugin sees them (the toolkit itself is not imported)."""

    @hookspec
    def toolkit_log_start(self, exp_dir, config, rank, world_size, step):
        pass

    @hookspec
    def toolkit_log_scalars(self, step, scalars):
        pass

    @hookspec
    def toolkit_log_close(self, step, status):
        pass


@pytest.fixture
def hook():
    pm = pluggy.PluginManager("foley_toolkit")
    pm.add_hookspecs(Specs)
    pm.register(JsonLinesLogger())
    return pm.hook


def run(hook, exp_dir, start, stop, status="finished"):
    hook.toolkit_log_start(exp_dir=exp_dir, config={"train": {"max_steps": stop}}, rank=0, world_size=1, step=start)
    for step in range(start + 1, stop + 1):
        hook.toolkit_log_scalars(step=step, scalars={"loss/g/mel": 1.0 / step, "lr/g": 1e-3})
    hook.toolkit_log_close(step=stop, status=status)


def test_a_run_writes_start_scalars_and_close(hook, tmp_path):
    run(hook, tmp_path, 0, 3)
    records = read_metrics(tmp_path / FILE_NAME)
    assert [r["event"] for r in records] == ["start", "scalars", "scalars", "scalars", "close"]
    assert records[0]["config"] == {"train": {"max_steps": 3}} and records[0]["world_size"] == 1
    assert [r["step"] for r in records[1:4]] == [1, 2, 3] and records[2]["scalars"]["loss/g/mel"] == 0.5
    assert records[-1] == {**records[-1], "step": 3, "status": "finished"}


def test_a_resumed_run_drops_the_steps_it_repeats(hook, tmp_path):
    run(hook, tmp_path, 0, 5, status="interrupted")  # checkpoint at step 2, then killed at step 5
    run(hook, tmp_path, 2, 6)
    steps = [(r["event"], r["step"]) for r in read_metrics(tmp_path / FILE_NAME)]
    assert steps == [("start", 0), ("scalars", 1), ("scalars", 2), ("start", 2), ("scalars", 3), ("scalars", 4),
                     ("scalars", 5), ("scalars", 6), ("close", 6)]


def test_non_finite_values_are_null_and_the_file_stays_json(hook, tmp_path):
    hook.toolkit_log_start(exp_dir=tmp_path, config={}, rank=0, world_size=2, step=0)
    hook.toolkit_log_scalars(step=1, scalars={"loss/d/total": math.nan, "loss/g/total": math.inf, "ok": 2})
    hook.toolkit_log_close(step=1, status="failed")
    records = read_metrics(tmp_path / FILE_NAME)
    assert records[1]["scalars"] == {"loss/d/total": None, "loss/g/total": None, "ok": 2.0}
    assert records[-1]["status"] == "failed"


def test_calls_outside_a_run_write_nothing(hook, tmp_path):
    hook.toolkit_log_scalars(step=1, scalars={"x": 1.0})
    hook.toolkit_log_close(step=1, status="finished")
    assert not (tmp_path / FILE_NAME).exists()


def test_the_entry_point_names_one_plugin_object():
    assert isinstance(foley_jsonl_logger.PLUGIN, JsonLinesLogger)
