"""The ``toolkit`` console script: list, summary errors, dispatch."""
from __future__ import annotations

import subprocess
import sys

from toolkit.bin import cli
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
