"""``toolkit prepare [OVERRIDES]`` (Hydra app): validate and convert ``data.source_dir`` into manifests.

Writes ``<data.data_dir>/{train,valid}/manifest.jsonl``, ``<data.data_dir>/categories.txt`` and
``<data.data_dir>/rejected.tsv``; keys used: ``data.source_dir``, ``data.data_dir``, ``data.category_set``,
``data.valid_fraction``, ``data.split_seed``, ``data.sample_rate``, ``data.clip_samples`` and
``model.segment_size`` (a clip must hold one training window).
"""
from __future__ import annotations

import sys

from toolkit.audio import ClipFormat
from toolkit.bin.app import hydra_app
from toolkit.data.prepare import check_clip_format, prepare_dataset
from toolkit.errors import ConfigError

CATEGORY_SETS = ("folders", "dcase23")


def run(cfg) -> None:
    data = cfg.data
    fmt = ClipFormat(sample_rate=int(data.sample_rate), num_samples=int(data.clip_samples))
    check_clip_format(fmt, int(cfg.model.segment_size))
    choice = str(data.get("category_set", "folders"))
    if choice not in CATEGORY_SETS:
        raise ConfigError(f"data.category_set must be one of {', '.join(CATEGORY_SETS)}, got '{choice}'")
    categories = None
    if choice == "dcase23":
        from toolkit.dcase import CATEGORIES as categories
    prepare_dataset(data.source_dir, data.data_dir, float(data.valid_fraction), int(data.split_seed), fmt, categories)


main = hydra_app(run)

if __name__ == "__main__":
    sys.exit(main())
