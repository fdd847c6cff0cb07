"""``toolkit dump [OVERRIDES...]``: cache the linear spectrograms of the train and valid manifests.

Reads ``data.train_manifest`` and ``data.valid_manifest`` and writes ``<data.dump_dir>/<split>/manifest.jsonl``
plus the features; unchanged clips are reused, so rerunning is cheap.
"""
from __future__ import annotations

import sys

from toolkit.bin.app import dataset_logs, hydra_app


def dump(cfg) -> None:
    from toolkit.data.dump import dump_from_config

    dump_from_config(cfg)


main = hydra_app(dump, "dump", dataset_logs)

if __name__ == "__main__":
    sys.exit(main())
