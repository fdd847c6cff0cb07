"""``toolkit prepare [OVERRIDES]`` (Hydra app): validate and convert ``data.source_dir`` into manifests.

Writes ``<data.data_dir>/{train,valid}/manifest.jsonl`` and ``<data.data_dir>/rejected.tsv``; keys used:
``data.source_dir``, ``data.data_dir``, ``data.valid_fraction``, ``data.split_seed``, ``data.sample_rate``,
``data.clip_samples``.
"""
from __future__ import annotations

import sys

from toolkit.audio import ClipFormat
from toolkit.bin.app import hydra_app
from toolkit.data.prepare import prepare_dataset


def run(cfg) -> None:
    data = cfg.data
    fmt = ClipFormat(sample_rate=int(data.sample_rate), num_samples=int(data.clip_samples))
    prepare_dataset(data.source_dir, data.data_dir, float(data.valid_fraction), int(data.split_seed), fmt)


main = hydra_app(run)

if __name__ == "__main__":
    sys.exit(main())
