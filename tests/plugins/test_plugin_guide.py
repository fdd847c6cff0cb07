"""docs/plugins.md's complete package: built from the page's own code blocks, installed, trained at size tiny."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "plugins.md"
#: a fenced block that names the file it is, e.g. ```python file=foley_conv_prior/prior.py
FILE_BLOCK = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```$", re.M | re.S)


def guide_files() -> dict[str, str]:
    return {name: text for name, text in FILE_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def test_the_guide_holds_the_whole_package():
    assert sorted(guide_files()) == ["foley_conv_prior/__init__.py", "foley_conv_prior/hooks.py",
                                     "foley_conv_prior/prior.py", "pyproject.toml"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The guide's package installed (pip, no index, no dependencies) into a folder of its own."""
    root = tmp_path_factory.mktemp("guide")
    for name, text in guide_files().items():
        (root / "foley-conv-prior" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "foley-conv-prior" / name).write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--target", str(root / "site"), str(root / "foley-conv-prior")],
                   check=True, capture_output=True, text=True)
    return root / "site"


def toolkit(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_guides_package_installs_and_trains_at_size_tiny(installed, tmp_path):
    from toolkit.bin import dump, obtain, prepare

    data, dumped, exp = tmp_path / "data" / "demo", tmp_path / "dump" / "demo", tmp_path / "exp"
    assert obtain.main(["--dataset", "demo", "--out", str(data / "source"), "--clips-per-category", "2"]) == 0
    stages = [f"exp_dir={exp}", f"data.data_dir={data}", f"data.dump_dir={dumped}", "data.category_set=dcase23"]
    assert prepare.main(stages + ["data.valid_fraction=0.5"]) == 0 and dump.main(stages) == 0

    listed = toolkit(installed, tmp_path, "-m", "toolkit.bin.cli", "list", "prior_encoder")
    assert re.search(r"conv +foley_conv_prior\.prior:ConvPriorEncoder +foley-conv-prior +0\.1\.0 +ok", listed.stdout)
    trained = toolkit(installed, tmp_path, "-m", "toolkit.bin.train", *stages, "model/prior_encoder=conv",
                      "model/size=tiny", "train.max_steps=2", "train.batch_size=2", "train.num_workers=0",
                      "train.device=cpu", "train.valid_interval=1000", "train.valid_audio=false")
    assert trained.returncode == 0, trained.stderr[-3000:]
    model = yaml.safe_load((exp / "config.yaml").read_text())["model"]
    assert model["prior_encoder"] == {"name": "conv", "kernel_size": 5, "n_layers": 2}  # the plugin's tiny size
    assert model["hidden_channels"] == 32 and (exp / "checkpoints" / "last.pt").is_file()
    assert "training stopped at step 2" in (exp / "logs" / "train.log").read_text()
