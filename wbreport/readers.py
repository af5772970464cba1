"""Read a data package in any of its forms into raw text tables (:class:`RawPackage`).

The forms of SPEC §2: a folder of CSV files (:mod:`wbreport.csv_reader`), an ``.xlsx``
workbook (:mod:`wbreport.xlsx_reader`) or a SQLite file (:mod:`wbreport.sqlite_reader`).
"""

from __future__ import annotations

from pathlib import Path

from wbreport.csv_reader import read_csv_folder
from wbreport.errors import Problem, ValidationError
from wbreport.project import sample_data_path
from wbreport.rawpackage import (
    SQLITE_SUFFIXES,
    XLSX_SUFFIXES,
    RawPackage,
    input_file_problem,
)
from wbreport.sqlite_reader import read_sqlite
from wbreport.xlsx_reader import read_xlsx


def read_package(path: str | Path | None = None) -> RawPackage:
    """Read all tables of the package at ``path`` (the sample when ``None``).

    Raises :class:`ValidationError` when ``path`` is no package at all; problems met
    inside a package (unreadable files, bad headers, long cells) are collected on the
    returned :class:`RawPackage`.
    """
    root = Path(path) if path is not None else sample_data_path()
    if not root.exists():
        raise ValidationError([Problem(str(root), None, None, None, "no such file or folder")])
    if root.is_dir():
        return read_csv_folder(root)
    suffix = root.suffix.lower()
    if suffix in XLSX_SUFFIXES + SQLITE_SUFFIXES:
        # Checked here too so that a FIFO is refused before anything opens it.
        refused = input_file_problem(root, root.name)
        if refused is not None:
            raise ValidationError([refused])
        return read_xlsx(root) if suffix in XLSX_SUFFIXES else read_sqlite(root)
    raise ValidationError(
        [
            Problem(
                root.name,
                None,
                None,
                None,
                "not a data package: use a folder of CSV files, an .xlsx workbook"
                " or a SQLite file (.db/.sqlite)",
            )
        ]
    )
