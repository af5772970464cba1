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
    raise ValidationError([Problem(root.name, None, None, None, _not_a_package(suffix))])


#: What a file given as ``--data`` may be instead of a package, by its suffix.
_OTHER_FILES = {
    ".csv": "one CSV file: give the folder that holds the package's CSV files",
    ".xls": "an Excel 97-2003 workbook (.xls): save it as an Excel workbook (.xlsx)",
    ".xlsm": "a workbook with macros (.xlsm): save it as an Excel workbook (.xlsx)",
    ".ods": "an OpenDocument spreadsheet (.ods): save it as an Excel workbook (.xlsx)",
    ".zip": "a zip archive: unpack it and give the folder of CSV files",
}


def _not_a_package(suffix: str) -> str:
    forms = "a folder of CSV files, an .xlsx workbook or a SQLite file (.db/.sqlite)"
    other = _OTHER_FILES.get(suffix)
    return f"not a data package but {other}" if other else f"not a data package: use {forms}"
