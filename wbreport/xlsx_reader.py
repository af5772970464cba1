"""Read an ``.xlsx`` workbook, one sheet per table, refusing formulas and zip or XML bombs."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from wbreport.errors import Problem
from wbreport.frames import RawTable
from wbreport.rawpackage import (
    MAX_CELL_CHARS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNCOMPRESSED,
    RawPackage,
    cell_text,
    clean_header,
    header_problems,
    input_file_problem,
    long_cells,
    missing_table,
    text_frame,
    trim_empty_names,
)
from wbreport.schema import TABLES

#: The first bytes of an OLE compound file: Excel 97-2003, or an .xlsx with a password.
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _what_it_is(file: Path) -> str:
    """What a file named .xlsx that is no zip archive is, as far as its first bytes tell."""
    try:
        with file.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return "the file cannot be read"
    if head.startswith(_OLE_MAGIC):
        return (
            "a password-protected workbook or an Excel 97-2003 (.xls) file: remove the"
            " password, or save it as an Excel workbook (.xlsx)"
        )
    if not head:
        return "the file is empty"
    if head.startswith(b"PK"):  # a zip archive's first bytes, the rest unreadable
        return (
            "a damaged or incomplete workbook (a download or copy cut short?): save it"
            " again from Excel, or copy it again"
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not only a character cut at the 512th byte
            return "the file is not a readable zip archive"
    return "the file is text (a CSV file named .xlsx?): give the folder of CSV files"


def _archive_problem(file: Path) -> str | None:
    """Why ``file`` is no workbook to open (not a zip, no workbook inside, a zip bomb)."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return "not a valid .xlsx workbook: " + _what_it_is(file)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if len(infos) > 10_000 or total > MAX_XLSX_UNCOMPRESSED:
        return "workbook too large when uncompressed (possible zip bomb); limit 512 MiB"
    if total > 16 * 1024 * 1024 and total / packed > MAX_XLSX_RATIO:
        return "workbook compression ratio is suspicious (possible zip bomb)"
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        return "not a valid .xlsx workbook: a zip archive without a workbook inside"
    return None


def read_xlsx(file: Path) -> RawPackage:
    """Read each table's sheet of the workbook ``file`` (values only: formulas are refused)."""
    pkg = RawPackage(file, "xlsx")
    pkg.files.append(file)
    refused = input_file_problem(file, file.name)
    if refused is not None:
        pkg.problems.append(refused)
        return pkg
    wrong = _archive_problem(file)
    if wrong:
        pkg.problems.append(Problem(file.name, None, None, None, wrong))
        return pkg
    try:
        import openpyxl  # defusedxml, when installed, guards its XML parsing

        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        pkg.problems.append(
            Problem(
                file.name, None, None, None, f"cannot open workbook: {type(exc).__name__}: {exc}"
            )
        )
        return pkg
    try:
        for table in TABLES:
            if table.name not in workbook.sheetnames:
                missing_table(
                    pkg, table.name, f"{file.name} (sheet {table.name!r})", workbook.sheetnames
                )
                continue
            source = f"{file.name}[{table.name}]"
            try:
                frame = _read_sheet(workbook[table.name], source, pkg.problems)
            except Exception as exc:
                pkg.problems.append(
                    Problem(
                        source, None, None, None, f"cannot read sheet: {type(exc).__name__}: {exc}"
                    )
                )
                continue
            if frame is not None:
                pkg.tables[table.name] = RawTable(table.name, source, frame)
    finally:
        workbook.close()
    return pkg


def _read_sheet(sheet: object, source: str, problems: list[Problem]) -> pd.DataFrame | None:
    if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
        problems.append(
            Problem(source, None, None, None, "is a chart sheet: the table must be a worksheet")
        )
        return None
    rows: Iterator[tuple[object, ...]] = sheet.iter_rows()  # type: ignore[attr-defined]
    header_cells = next(rows, None)
    if header_cells is None:
        problems.append(Problem(source, 1, None, None, "sheet is empty: a header row is required"))
        return None
    header = trim_empty_names(
        clean_header([cell_text(getattr(c, "value", None)) for c in header_cells])
    )
    problems.extend(header_problems(source, header))
    width = len(header)
    records: list[list[str]] = []
    numbers: list[int] = []
    for row_number, cells in enumerate(rows, start=2):
        values = [
            _cell_value(cell, source, row_number, header[col], problems)
            for col, cell in enumerate(cells[:width])
        ]
        values += [""] * (width - len(values))
        if any(values):
            records.append(values)
            numbers.append(row_number)
    return text_frame(header, records, numbers)


def _cell_value(
    cell: object, source: str, row_number: int, column: str, problems: list[Problem]
) -> str:
    """One cell as text; a formula, an error value (#REF!, #N/A) or a cell above the
    length limit is a problem (and an empty cell)."""
    kind = getattr(cell, "data_type", None)
    if kind in ("f", "e"):
        problems.append(
            Problem(
                source,
                row_number,
                column,
                str(getattr(cell, "value", ""))[:60],
                "formulas are not allowed: enter the value itself"
                if kind == "f"
                else "a spreadsheet error value: enter the value itself",
            )
        )
        return ""
    text = cell_text(getattr(cell, "value", None))
    if len(text) > MAX_CELL_CHARS:
        problems.extend(long_cells(pd.DataFrame({column: [text]}, index=[row_number]), source))
        return ""
    return text
