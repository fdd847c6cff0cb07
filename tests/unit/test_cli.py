"""The ``toolkit`` console script: list, summary errors, dispatch."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from toolkit.bin import cli, summary
from toolkit.registry import KINDS


def run_toolkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.bin.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_list_shows_all_seven_kinds():
    result = run_toolkit("list")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:6] == ["kind", "name", "class", "distribution", "version", "status"]
    assert {row.split()[0] for row in rows} == set(KINDS)
    assert all(row.split()[3] for row in rows)


def test_list_one_kind_in_the_singular():
    result = run_toolkit("list", "prior_encoder")
    assert result.returncode == 0
    names = {row.split()[1] for row in result.stdout.splitlines()[1:]}
    assert {"vifs", "vits"} <= names
    assert run_toolkit("list", "prior_encoders").returncode != 0


def test_summary_with_unknown_component_is_one_line_without_traceback():
    result = run_toolkit("summary", "model/prior_encoder=nonexistent")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "unknown prior_encoder 'nonexistent'; available:" in lines[0] and "vifs" in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_command(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


@pytest.mark.parametrize("override, fragments", [
    ("model.prior_encoder.fpn_layer=4", [
        "unknown config key 'model.prior_encoder.fpn_layer': 'model.prior_encoder' (vifs) has no key 'fpn_layer'; "
        "valid keys: ", "fpn_layers", "did you mean model.prior_encoder.fpn_layers?"]),
    ("modle.hidden_channels=4", [
        "unknown config key 'modle.hidden_channels': the config has no key 'modle'; valid keys: ", "train",
        "did you mean model?"]),
    ("model=vifz", ["unknown model option 'vifz' (model=vifz); choose one of: ", "vits", "did you mean model=vifs?"]),
    ("model.hidden_channels.x=3", ["cannot set 'model.hidden_channels.x': 'model.hidden_channels' is a value"]),
    ("train.batch_size", ["cannot parse override 'train.batch_size' (missing EQUAL at '<EOF>'); write key=value"]),
])
def test_summary_bad_override_is_one_line_naming_the_choices(override, fragments, capsys):
    assert summary.main([override]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {fragments[0]}") and err.count("\n") == 1, err
    assert all(fragment in err for fragment in fragments[1:]), err


def test_list_survives_plugins_that_exit_at_import(tmp_path):
    """A component plugin and a hook plugin that call sys.exit() at import are listed as broken, not fatal."""
    (tmp_path / "quitting_plugin.py").write_text("import sys\nsys.exit('plugin says bye')\n")
    info = tmp_path / "quitting_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: quitting-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[foley_toolkit.prior_encoders]\nquits = quitting_plugin:Prior\n\n"
        "[foley_toolkit.plugins]\nquits_hooks = quitting_plugin\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "toolkit.bin.cli", "list"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    quits = next(row for row in rows if row[:2] == ["prior_encoder", "quits"])
    assert quits[3] == "quitting-plugin" and " ".join(quits[5:]) == "error: SystemExit: plugin says bye"
    assert any(row[:2] == ["prior_encoder", "vifs"] for row in rows)
    assert "hook plugin quits_hooks (quitting-plugin): error: SystemExit: plugin says bye" in result.stderr
