"""The demo's clip count: one number in run.sh --help, toolkit obtain, the synthesiser and the docs."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from toolkit.bin import obtain
from toolkit.data.demo import DEFAULT_CLIPS_PER_CATEGORY

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "recipes" / "dcase23_task7"


def test_the_demo_clip_count_is_one_number_everywhere():
    helped = subprocess.run(["bash", "run.sh", "--help"], cwd=RECIPE, capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    shown = re.search(r"--demo-clips-per-category N\s+clips per category of the demo set \[(\d+)\]", helped.stdout)
    assert shown and int(shown[1]) == DEFAULT_CLIPS_PER_CATEGORY == 40
    assert obtain.parse_args(["--dataset", "demo", "--out", "x"]).clips_per_category == DEFAULT_CLIPS_PER_CATEGORY
    # `make demo` (conf/demo.sh) keeps the default, so --help shows what the demo writes
    assert "demo_clips_per_category" not in (RECIPE / "conf" / "demo.sh").read_text()
    recipe_doc = " ".join((REPO / "docs" / "recipe.md").read_text().split())
    assert f"writes {DEFAULT_CLIPS_PER_CATEGORY} clips per category" in recipe_doc
