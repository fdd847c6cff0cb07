"""The ``toolkit`` console script: list, summary errors, dispatch."""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit.bin
from toolkit.bin import cli, list_components, summary
from toolkit.registry import KINDS

RECIPE_CONF = Path(__file__).resolve().parents[2] / "recipes" / "TEMPLATE" / "conf"
BIN_MODULES = sorted(module.name for module in pkgutil.iter_modules(toolkit.bin.__path__))


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


def test_no_arguments_prints_the_help_and_fails(capsys):
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: toolkit <command>") and "summary" in err and "completion" in err


def test_version(capsys):
    from importlib.metadata import version

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"toolkit (foley-toolkit) {version('foley-toolkit')}\n"


@pytest.mark.parametrize("name", BIN_MODULES)
def test_every_module_runs_as_python_m_and_prints_plain_help(name, capsys):
    """``python -m toolkit.bin.<name>`` runs its main (or says it is no command); --help is plain text."""
    module = importlib.import_module(f"toolkit.bin.{name}")
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert 'if __name__ == "__main__":' in source, f"python -m toolkit.bin.{name} would print nothing"
    if not hasattr(module, "main"):
        return
    try:
        code = module.main(["--help"])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr().out
    assert code in (0, None) and out.startswith("usage: "), out
    assert "``" not in out and ":mod:" not in out and ":func:" not in out, out


def test_python_m_help_of_a_command_and_of_the_plumbing():
    result = subprocess.run([sys.executable, "-m", "toolkit.bin.summary", "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("usage: toolkit summary"), result.stderr
    result = subprocess.run([sys.executable, "-m", "toolkit.bin.app"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "not a command; run: toolkit --help" in result.stderr


def test_hydra_app_help_names_the_command_and_its_groups(capsys):
    from toolkit.bin import train

    assert train.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: toolkit train [OVERRIDES...]")
    assert "powered by Hydra" not in out and "model/prior_encoder: " in out and "exp_dir" in out


def test_list_json(capsys):
    assert list_components.main(["prior_encoder", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    vifs = next(row for row in rows if row["name"] == "vifs")
    assert vifs == {"kind": "prior_encoder", "name": "vifs", "class": "toolkit.components.prior_encoders.vifs:VIFSPriorEncoder",
                    "distribution": "foley-toolkit", "version": vifs["version"], "status": "ok"}
    assert {row["kind"] for row in rows} == {"prior_encoder"}


def test_summary_of_a_recipe_preset_shows_slots_and_loss_weights(capsys):
    assert summary.main(["--config-dir", str(RECIPE_CONF), "+experiment=vits", "--json"]) == 0
    vits = json.loads(capsys.readouterr().out)
    assert {slot: chosen["name"] for slot, chosen in vits["components"].items()} == {
        "prior_encoder": "vits", "posterior_encoder": "wavenet", "flow": "residual_coupling",
        "decoder": "hifigan", "discriminator": "mpd_msd", "augmentation": "none"}
    assert vits["loss"]["latent"] == 0.0 and vits["loss"]["mel"] == 45.0
    assert vits["parameters"]["generator.total"] > 0
    assert summary.main(["--config-dir", str(RECIPE_CONF), "+experiment=vifs_demo", "model.loss.mel=20"]) == 0
    text = capsys.readouterr().out
    assert "  prior_encoder      vifs " in text and "VIFSPriorEncoder" in text
    assert "loss weights: adv 1.0, fm 2.0, mel 20, kl 10.0, latent 1.0" in text


def test_summary_config_dir_must_exist(tmp_path, capsys):
    assert summary.main(["--config-dir", str(tmp_path / "nowhere"), "+experiment=vifs_demo"]) == 2
    assert "--config-dir" in capsys.readouterr().err


def complete(shell: str, lines, home: Path) -> list[list[str]]:
    """What the completion function offers for each command line (cursor at its end), run in ``shell``."""
    script = [f'eval "$(toolkit completion {shell})"']
    for line in lines:
        script.append(f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _toolkit_complete; echo "${{COMPREPLY[*]}}"')
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    flags = ["-c"] if shell == "bash" else ["-f", "-c"]  # zsh: no start-up files (compinit writes into $HOME)
    result = subprocess.run([shell, *flags, "\n".join(script)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PATH": path, "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return [line.split() for line in result.stdout.splitlines()]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_options_and_hydra_choices(tmp_path):
    checks = {"toolkit su": "summary", "toolkit list --j": "--json", "toolkit list pri": "prior_encoder",
              "toolkit train model/prior_encoder=vi": "vifs vits"}
    assert complete("bash", checks, tmp_path) == [words.split() for words in checks.values()]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="needs zsh")
def test_zsh_completion_offers_whole_words_for_zsh_to_match(tmp_path):
    offered = complete("zsh", ["toolkit su", "toolkit list --j", "toolkit train model/prior_encoder=vi"], tmp_path)
    assert "summary" in offered[0] and "--json" in offered[1] and "list" not in offered[1]
    assert {"model/prior_encoder=vifs", "model/prior_encoder=vits"} <= set(offered[2])
