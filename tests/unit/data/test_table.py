"""Metadata-table corpora: the table reader, configurable columns, category order and subsets, folds."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from omegaconf import OmegaConf

from toolkit.categories import CategorySet, dataset_categories
from toolkit.data.manifest import read_manifest
from toolkit.data.prepare import folder_corpus, prepare_dataset, table_corpus
from toolkit.data.table import TableColumns, read_table
from toolkit.errors import ConfigError, DataError

SR = 22050
ORDERED = TableColumns(file="path", category="label", fold="split", order="class_id")


def clip(path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), 0.3 * np.random.default_rng(seed).standard_normal(SR), SR, subtype="PCM_16")


def write_table(path, rows: list[str], header: str = "path\tlabel\tsplit\tclass_id") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


@pytest.fixture
def corpus(tmp_path):
    """A TSV table with its own column names; class ids 2, 0, 1 put Zebra first and Aardvark last."""
    rows = []
    for number, (label, class_id) in enumerate([("Aardvark", 2), ("Zebra", 0), ("Mole", 1)] * 3):
        clip(tmp_path / "sounds" / f"{number}.wav", number)
        rows.append(f"{number}.wav\t{label}\t{'valid' if number >= 6 else 'train'}\t{class_id}")
    write_table(tmp_path / "meta.tsv", rows)
    return tmp_path


def test_order_column_gives_the_class_ids_and_folds_are_kept(corpus):
    table = read_table(corpus / "meta.tsv", ORDERED, corpus / "sounds")
    assert list(table.categories) == ["Zebra", "Mole", "Aardvark"]
    assert [(row.line, row.path.name, row.category, row.fold) for row in table.rows[:2]] == [
        (2, "0.wav", "Aardvark", "train"), (3, "1.wav", "Zebra", "train")]
    unordered = read_table(corpus / "meta.tsv", TableColumns(file="path", category="label"), corpus / "sounds")
    assert list(unordered.categories) == ["Aardvark", "Mole", "Zebra"]  # no order column: sorted names


def test_a_subset_keeps_the_corpus_order_whatever_order_it_is_named_in(corpus):
    whole = table_corpus(read_table(corpus / "meta.tsv", ORDERED, corpus / "sounds"))
    chosen = whole.select(["aardvark", "Zebra"])  # tolerant spelling, any order
    assert list(chosen.categories) == ["Zebra", "Aardvark"] and chosen.skipped == 3
    assert sorted({(f.path.name, f.category_id) for f in chosen.files})[:2] == [("0.wav", 1), ("1.wav", 0)]
    with pytest.raises(DataError, match="data.categories: unknown category 'Okapi'; the categories are: Zebra, Mole"):
        whole.select(["Okapi"])
    with pytest.raises(DataError, match="names no category"):
        whole.select([])


@pytest.mark.parametrize("rows, header, message", [
    (["0.wav\tZebra\ttrain\t0"], "file\tlabel\tsplit\tclass_id", r"meta.tsv: no column 'path' \(data.table.file_column\); "
                                                                 "its columns are: file, label, split, class_id"),
    (["0.wav\tZebra\ttrain\t0", "1.wav\t\ttrain\t0"], None, r"meta.tsv:3: empty 'label' cell \(data.table.category_column\)"),
    (["0.wav\tZebra\ttrain\t0", "0.wav\tZebra\ttrain\t0"], None, r"meta.tsv:3: 0.wav is listed again \(first on line 2\)"),
    (["0.wav\tZebra\ttrain\tfirst"], None, r"meta.tsv:2: 'class_id' is 'first', not a number"),
    (["0.wav\tZebra\ttrain\t0", "1.wav\tZebra\ttrain\t3"], None, "meta.tsv:3: category 'Zebra' has class_id 3, but 0 on line 2"),
    (["0.wav\tZebra\ttrain\t0", "1.wav\tMole\ttrain\t0"], None, r"meta.tsv:3: class_id 0 is given to 'Mole' and to 'Zebra' \(line 2\)"),
    (["0.wav\tZebra\ttrain\t0", "1.wav\tzebra\ttrain\t1"], None, "meta.tsv: categories 'Zebra' and 'zebra' differ only in case"),
    ([], None, "meta.tsv lists no clip"),
])
def test_table_problems_are_one_line_naming_file_row_and_column(tmp_path, rows, header, message):
    write_table(tmp_path / "meta.tsv", rows, **({"header": header} if header else {}))
    with pytest.raises(DataError, match=message) as info:
        read_table(tmp_path / "meta.tsv", ORDERED)
    assert "\n" not in str(info.value)


def test_comma_separated_table_with_default_columns_relative_to_its_folder(tmp_path):
    clip(tmp_path / "set" / "a" / "x.wav", 0)
    write_table(tmp_path / "set" / "meta.csv", ["a/x.wav,Rain"], header="file,category")
    table = read_table(tmp_path / "set" / "meta.csv")
    assert table.rows[0].path == tmp_path / "set" / "a" / "x.wav" and list(table.categories) == ["Rain"]
    with pytest.raises(DataError, match="metadata table .*missing.csv does not exist; check data.table.path"):
        read_table(tmp_path / "set" / "missing.csv")


def test_prepare_splits_a_table_by_folds_and_rejects_missing_files_naming_the_row(corpus, tmp_path):
    clip(tmp_path / "sounds" / "unlisted.wav", 99)
    (tmp_path / "sounds" / "4.wav").unlink()
    out = tmp_path / "prepared"
    report = prepare_dataset(table_corpus(read_table(corpus / "meta.tsv", ORDERED, corpus / "sounds")), out,
                             subset=["Mole", "Zebra"], valid_folds=["valid"])
    assert (out / "categories.txt").read_text().splitlines() == ["Zebra", "Mole"]
    valid = read_manifest(out / "valid" / "manifest.jsonl")
    assert [(e["category"], e["category_id"], e["fold"]) for e in valid] == [("Zebra", 0, "valid"), ("Mole", 1, "valid")]
    assert {e["fold"] for e in read_manifest(out / "train" / "manifest.jsonl")} == {"train"}
    assert report.rejected == [(str(tmp_path / "sounds" / "4.wav"), f"missing (listed on {corpus / 'meta.tsv'}:6)")]
    with pytest.raises(DataError, match="data.valid_folds names fold.s. test that no usable clip has; the folds are: "
                                        "train, valid"):
        prepare_dataset(table_corpus(read_table(corpus / "meta.tsv", ORDERED, corpus / "sounds")), out,
                        valid_folds=["test"])


def test_category_folders_take_a_subset_but_no_folds(tmp_path):
    for name in ("Rain", "DoorSlam", "Wind"):
        for index in range(2):
            clip(tmp_path / "set" / name / f"{index}.wav", index)
    out = tmp_path / "prepared"
    prepare_dataset(tmp_path / "set", out, valid_fraction=0.5, subset=["wind", "door_slam"])
    assert (out / "categories.txt").read_text().splitlines() == ["DoorSlam", "Wind"]
    with pytest.raises(ConfigError, match="data.valid_folds needs a metadata table with a fold column"):
        prepare_dataset(folder_corpus(tmp_path / "set"), out, valid_folds=[5])


def test_later_stages_take_the_prepared_order_of_a_subset(tmp_path):
    CategorySet(("Zebra", "Mole")).write(tmp_path / "categories.txt")
    def data(names):
        return OmegaConf.create({"categories_file": str(tmp_path / "categories.txt"), "categories": names})

    assert list(dataset_categories(data(["mole", "Zebra"]))) == ["Zebra", "Mole"]
    assert list(dataset_categories(data(None))) == ["Zebra", "Mole"]
    # a set that is not the prepared one stays as given (the manifest check then names the difference)
    assert list(dataset_categories(data(["Mole", "Okapi"]))) == ["Mole", "Okapi"]
