"""Metadata-table corpora: a CSV or TSV file that names each clip's audio file, category and fold.

The column names are configurable (``data.table.*``); a file column is relative to the audio folder. The
category order (the class ids) follows an optional numeric order column (ESC-50's ``target``), else the
sorted names, as for category folders. Every problem with the table itself is one :class:`DataError` naming
the file, the line and the column.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.categories import CategorySet, folder_categories
from toolkit.errors import DataError

#: Name endings of tab-separated tables (anything else is read as comma-separated).
TSV_SUFFIXES = (".tsv", ".tab")


@dataclass(frozen=True)
class TableColumns:
    """Column names: the audio file, its category, and optionally its fold and the category's order."""

    file: str = "file"
    category: str = "category"
    fold: str | None = None
    order: str | None = None

    def named(self) -> dict[str, str]:
        """``{config key: column}`` for the columns in use (``file_column``, ``category_column``, ...)."""
        keys = {"file_column": self.file, "category_column": self.category, "fold_column": self.fold,
                "order_column": self.order}
        return {key: column for key, column in keys.items() if column}


@dataclass(frozen=True)
class TableRow:
    """One clip of a table: where it is listed (``line``, counting the header as 1) and what it says."""

    line: int
    path: Path
    category: str
    fold: str | None
    cells: dict[str, str] = field(repr=False)


@dataclass(frozen=True)
class Table:
    """A read table: its rows in file order and the category set it defines."""

    path: Path
    rows: tuple[TableRow, ...]
    categories: CategorySet

    def where(self, row: TableRow) -> str:
        """``<table>:<line>``, the prefix of every message about a row."""
        return f"{self.path}:{row.line}"


def read_table(path: str | Path, columns: TableColumns = TableColumns(), audio_dir: str | Path | None = None,
               key_prefix: str | None = "data.table") -> Table:
    """Read ``path``: every row names a file (below ``audio_dir``, default the table's folder) and a category.

    One :class:`DataError` for a missing table or column (naming the setting ``<key_prefix>.<key>`` unless
    ``key_prefix`` is None), an empty cell, a file listed twice, a non-numeric order value, or two order
    values for one category (or one for two).
    """
    path = Path(path)

    def setting(key: str) -> str:
        return f" ({key_prefix}.{key})" if key_prefix else ""

    if not path.is_file():
        raise DataError(f"metadata table {path} does not exist" + (f"; check {key_prefix}.path" if key_prefix else ""))
    audio_dir = Path(audio_dir) if audio_dir is not None else path.parent
    delimiter = "\t" if path.suffix.lower() in TSV_SUFFIXES else ","
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        header = reader.fieldnames or []
        for key, column in columns.named().items():
            if column not in header:
                raise DataError(f"{path}: no column '{column}'{setting(key)}; its columns are: "
                                f"{', '.join(header) or 'none (empty file)'}")
        rows, seen, orders = [], {}, {}
        for cells in reader:
            line = reader.line_num
            values = {key: (cells.get(column) or "").strip() for key, column in columns.named().items()}
            for key, value in values.items():
                if not value:
                    raise DataError(f"{path}:{line}: empty '{columns.named()[key]}' cell{setting(key)}")
            file = values["file_column"]
            if file in seen:
                raise DataError(f"{path}:{line}: {file} is listed again (first on line {seen[file]})")
            seen[file] = line
            if columns.order:
                _record_order(orders, values["category_column"], values["order_column"], path, line, columns.order)
            rows.append(TableRow(line, audio_dir / file, values["category_column"], values.get("fold_column"),
                                 {k: (v or "").strip() for k, v in cells.items() if k is not None}))
    if not rows:
        raise DataError(f"{path} lists no clip; expected a header line and one row per audio file")
    names = [row.category for row in rows]
    try:
        categories = (CategorySet(tuple(sorted(orders, key=lambda name: orders[name][0]))) if columns.order
                      else folder_categories(set(names)))
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    return Table(path, tuple(rows), categories)


def _record_order(orders: dict[str, tuple[float, int]], category: str, value: str, path: Path, line: int,
                  column: str) -> None:
    """Note ``category``'s order value; one category with two values, or one value for two, is an error."""
    try:
        number = float(value)
    except ValueError:
        raise DataError(f"{path}:{line}: '{column}' is '{value}', not a number") from None
    known = orders.setdefault(category, (number, line))
    if known[0] != number:
        raise DataError(f"{path}:{line}: category '{category}' has {column} {value}, but {known[0]:g} on line "
                        f"{known[1]}")
    twin = next((name for name, (other, _) in orders.items() if other == number and name != category), None)
    if twin is not None:
        raise DataError(f"{path}:{line}: {column} {value} is given to '{category}' and to '{twin}' (line "
                        f"{orders[twin][1]})")
