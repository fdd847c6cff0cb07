"""The example logger plugin (plugins/foley-jsonl-logger, installed editable by `make install`)."""
from __future__ import annotations

import pytest

pytest.importorskip("foley_jsonl_logger", reason="install it with: pip install -e plugins/foley-jsonl-logger")

import foley_jsonl_logger  # noqa: E402
from toolkit.plugins import load_plugin_manager  # noqa: E402


def test_its_entry_point_registers_against_the_toolkits_hookspecs(tmp_path):
    pm, failures = load_plugin_manager()
    assert failures == []
    assert pm.get_plugin("foley-jsonl-logger:foley_jsonl_logger") is foley_jsonl_logger.PLUGIN
    pm.check_pending()
    pm.hook.toolkit_log_start(exp_dir=tmp_path, config={"seed": 1}, rank=0, world_size=1, step=0)
    pm.hook.toolkit_log_scalars(step=1, scalars={"loss/g/mel": 2.5})
    pm.hook.toolkit_log_close(step=1, status="finished")
    records = foley_jsonl_logger.read_metrics(tmp_path / "metrics.jsonl")
    assert [(r["event"], r["step"]) for r in records] == [("start", 0), ("scalars", 1), ("close", 1)]
    assert records[1]["scalars"] == {"loss/g/mel": 2.5}


def test_disabled_by_distribution_name():
    pm, _ = load_plugin_manager({"TOOLKIT_DISABLE_PLUGINS": "foley-jsonl-logger"})
    assert pm.get_plugin("foley-jsonl-logger:foley_jsonl_logger") is None
