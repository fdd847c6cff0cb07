"""``toolkit prepare [OVERRIDES]`` (Hydra app): validate and convert ``data.source_dir`` into manifests.

Writes ``<data.data_dir>/{train,valid}/manifest.jsonl``, ``<data.data_dir>/categories.txt`` and
``<data.data_dir>/rejected.tsv``; keys used: ``data.source_dir``, ``data.data_dir``, ``data.category_set``,
``data.table.*`` (a metadata table instead of category folders), ``data.categories`` (a subset),
``data.valid_fraction``, ``data.valid_folds``, ``data.split_seed``, ``data.sample_rate``,
``data.clip_samples`` and ``model.segment_size`` (a clip must hold one training window).
"""
from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import OmegaConf

from toolkit.audio import ClipFormat
from toolkit.bin.app import dataset_logs, hydra_app
from toolkit.data.prepare import check_clip_format, prepare_dataset, table_corpus
from toolkit.data.table import TableColumns, read_table
from toolkit.errors import ConfigError

CATEGORY_SETS = ("folders", "dcase23")


def _list_or_none(value, key: str):
    if value is None:
        return None
    if OmegaConf.is_list(value) or isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError(f"{key} must be a list such as [dog,rooster] or null, got '{value}'")


def table_source(data):
    """The corpus of ``data.table`` (paths relative to ``data.source_dir``), or None for category folders."""
    table = data.get("table")
    if table is None or table.get("path") is None:
        return None
    source = Path(data.source_dir)
    audio_dir = table.get("audio_dir")
    columns = TableColumns(file=str(table.file_column), category=str(table.category_column),
                           fold=None if table.get("fold_column") is None else str(table.fold_column),
                           order=None if table.get("order_column") is None else str(table.order_column))
    return table_corpus(read_table(source / str(table.path), columns,
                                   None if audio_dir is None else source / str(audio_dir)))


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
    corpus = table_source(data)
    if corpus is not None and categories is not None:
        raise ConfigError("data.table.path and data.category_set=dcase23 exclude each other: a table defines "
                          "its own categories")
    prepare_dataset(data.source_dir if corpus is None else corpus, data.data_dir, float(data.valid_fraction),
                    int(data.split_seed), fmt, categories,
                    subset=_list_or_none(data.get("categories"), "data.categories"),
                    valid_folds=_list_or_none(data.get("valid_folds"), "data.valid_folds"))


main = hydra_app(run, "prepare", dataset_logs)

if __name__ == "__main__":
    sys.exit(main())
