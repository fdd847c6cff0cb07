"""Build the wheel, install it without dependencies into a fresh venv, and compose the packaged config.

Catches YAML (or any package data) left out of the wheel. The temporary venv sees the project venv's
packages through a path entry, so no dependency is downloaded.
"""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_wheel_contains_and_composes_the_config(tmp_path, repo_root):
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(wheel_dir), str(repo_root)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = wheel_dir.glob("foley_toolkit-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # the project venv's packages (torch, hydra, ...) without processing its .pth files (no editable toolkit)
    (site / "project_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    script = textwrap.dedent("""
        import toolkit, sys
        from hydra import compose, initialize_config_module
        assert "site-packages" in toolkit.__file__, toolkit.__file__
        with initialize_config_module(config_module="toolkit.conf", version_base="1.3"):
            for bundle in ("vifs", "vits"):
                cfg = compose(config_name="config", overrides=[f"model={bundle}"])
                assert cfg.model.prior_encoder.name == bundle
            print(cfg.model.decoder.name)
    """)
    result = subprocess.run([str(python), "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hifigan"
