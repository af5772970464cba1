"""Read a data package (CSV folder, ``.xlsx`` workbook or SQLite file) into frames.

Reading never guesses types: every cell arrives as text (``""`` when empty) and
each frame is indexed by the row number a spreadsheet shows (header = row 1),
so validation can point at the exact place of every problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as _io
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from wbreport.errors import Problem, ValidationError
from wbreport.schema import TABLES, TABLES_BY_NAME

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
XLSX_SUFFIXES = (".xlsx",)
# Limits that keep a hostile workbook (zip bomb, huge sheet) from exhausting memory.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_CELL_CHARS = 32_767


@dataclass
class RawTable:
    """One table as text: ``frame`` is indexed by spreadsheet row number."""

    name: str
    source: str
    frame: pd.DataFrame


@dataclass
class RawPackage:
    """Everything read from a data package, plus problems met while reading."""

    path: Path
    form: str  # "csv" | "xlsx" | "sqlite"
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def fingerprint(self) -> dict[str, str]:
        return fingerprint(self.files, self.path)


def sample_data_path() -> Path:
    """Folder of the illustrative sample package shipped inside wbreport."""
    return Path(str(resources.files("wbreport") / "sample_data"))


def fingerprint(files: Iterable[Path], root: Path) -> dict[str, str]:
    """sha256 of each input file, keyed by its name relative to the package."""
    result: dict[str, str] = {}
    for file in sorted(files):
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        name = file.name if root.is_file() else file.relative_to(root).as_posix()
        result[name] = digest.hexdigest()
    return result


def read_package(path: str | Path | None = None) -> RawPackage:
    """Read all tables of the package at ``path`` (the sample when ``None``)."""
    root = Path(path) if path is not None else sample_data_path()
    if not root.exists():
        raise ValidationError([Problem(str(root), None, None, None, "no such file or folder")])
    if root.is_dir():
        return _read_csv_folder(root)
    suffix = root.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(root)
    if suffix in SQLITE_SUFFIXES:
        return _read_sqlite(root)
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


def _missing_table(pkg: RawPackage, name: str, where: str) -> None:
    if TABLES_BY_NAME[name].required:
        pkg.problems.append(Problem(where, None, None, None, f"required table {name!r} is missing"))


def _frame(header: list[str], rows: Iterable[list[str]], first_row: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=header, dtype=object)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def _clean_header(raw: list[str]) -> list[str]:
    return [str(h).strip().lstrip("\ufeff") for h in raw]


def _header_problems(source: str, header: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for name in header:
        if name in seen:
            problems.append(Problem(source, 1, name, name, "column names must be unique"))
        seen.add(name)
    return problems


# --- CSV folder ---------------------------------------------------------------


def _read_csv_folder(root: Path) -> RawPackage:
    pkg = RawPackage(root, "csv")
    for table in TABLES:
        file = root / f"{table.name}.csv"
        if not file.is_file():
            _missing_table(pkg, table.name, f"{root.name}/{table.name}.csv")
            continue
        pkg.files.append(file)
        raw = _read_csv_file(file, pkg.problems)
        if raw is not None:
            pkg.tables[table.name] = RawTable(table.name, file.name, raw)
    return pkg


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _read_csv_file(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    source = file.name
    try:
        data = file.read_bytes()
    except OSError as exc:
        problems.append(Problem(source, None, None, None, f"cannot read file: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4]
        problems.append(
            Problem(source, _line_of(data, exc.start), None, repr(bad), "file must be UTF-8 encoded")
        )
        return None
    if "\x00" in text:
        problems.append(
            Problem(source, _line_of(data, data.find(b"\x00")), None, None,
                    "NUL byte found: this is not a text CSV file")
        )
        return None
    if not text.strip():
        problems.append(Problem(source, 1, None, None, "file is empty: a header row is required"))
        return None
    try:
        frame = pd.read_csv(
            _io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) if match else None
        problems.append(Problem(source, row, None, None, f"malformed CSV: {exc}".strip()))
        return None
    header = _clean_header([str(c) for c in frame.columns])
    # pandas renames duplicated headers to "x.1"; re-read the raw header to report them.
    raw_header = _clean_header(next(csv.reader(_io.StringIO(text.split("\n", 1)[0]))))
    problems.extend(_header_problems(source, raw_header))
    frame.columns = header
    # A spreadsheet shows one row per CSV record (header = row 1), blank ones included.
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return _drop_blank_rows(frame)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    blank = (frame == "").all(axis=1)
    return frame[~blank] if blank.any() else frame


# --- xlsx workbook ------------------------------------------------------------


def _xlsx_bomb_problem(file: Path) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return "not a valid .xlsx workbook (the file is not a readable zip archive)"
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if len(infos) > 10_000 or total > MAX_XLSX_UNCOMPRESSED:
        return "workbook too large when uncompressed (possible zip bomb); limit 512 MiB"
    if total > 16 * 1024 * 1024 and total / packed > MAX_XLSX_RATIO:
        return "workbook compression ratio is suspicious (possible zip bomb)"
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(file: Path) -> RawPackage:
    pkg = RawPackage(file, "xlsx")
    pkg.files.append(file)
    bomb = _xlsx_bomb_problem(file)
    if bomb:
        pkg.problems.append(Problem(file.name, None, None, None, bomb))
        return pkg
    try:
        import openpyxl  # defusedxml, when installed, guards its XML parsing

        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        pkg.problems.append(
            Problem(file.name, None, None, None, f"cannot open workbook: {type(exc).__name__}: {exc}")
        )
        return pkg
    try:
        for table in TABLES:
            if table.name not in workbook.sheetnames:
                _missing_table(pkg, table.name, f"{file.name} (sheet {table.name!r})")
                continue
            source = f"{file.name}[{table.name}]"
            try:
                frame = _read_sheet(workbook[table.name], source, pkg.problems)
            except Exception as exc:
                pkg.problems.append(
                    Problem(source, None, None, None, f"cannot read sheet: {type(exc).__name__}: {exc}")
                )
                continue
            if frame is not None:
                pkg.tables[table.name] = RawTable(table.name, source, frame)
    finally:
        workbook.close()
    return pkg


def _read_sheet(sheet: object, source: str, problems: list[Problem]) -> pd.DataFrame | None:
    rows: Iterator[tuple[object, ...]] = sheet.iter_rows()  # type: ignore[attr-defined]
    header_cells = next(rows, None)
    if header_cells is None:
        problems.append(Problem(source, 1, None, None, "sheet is empty: a header row is required"))
        return None
    header = _clean_header([_cell_text(getattr(c, "value", None)) for c in header_cells])
    while header and header[-1] == "":
        header.pop()
    problems.extend(_header_problems(source, header))
    width = len(header)
    records: list[list[str]] = []
    numbers: list[int] = []
    for row_number, cells in enumerate(rows, start=2):
        values = []
        for col, cell in enumerate(cells[:width]):
            if getattr(cell, "data_type", None) == "f":
                problems.append(
                    Problem(source, row_number, header[col], str(cell.value)[:60],  # type: ignore[attr-defined]
                            "formulas are not allowed: enter the value itself")
                )
                values.append("")
                continue
            values.append(_cell_text(getattr(cell, "value", None)))
        values += [""] * (width - len(values))
        if any(values):
            records.append(values)
            numbers.append(row_number)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    frame.index = pd.Index(numbers, dtype="int64")
    return frame


# --- SQLite -------------------------------------------------------------------


def _sql_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return _cell_text(value)


def _read_sqlite(file: Path) -> RawPackage:
    pkg = RawPackage(file, "sqlite")
    pkg.files.append(file)
    try:
        with open(file, "rb") as handle:
            magic = handle.read(16)
    except OSError as exc:
        pkg.problems.append(Problem(file.name, None, None, None, f"cannot read file: {exc.strerror}"))
        return pkg
    if magic != b"SQLite format 3\x00":
        pkg.problems.append(Problem(file.name, None, None, None, "not a SQLite database file"))
        return pkg
    uri = f"{file.resolve().as_uri()}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        pkg.problems.append(Problem(file.name, None, None, None, f"cannot open database: {exc}"))
        return pkg
    try:
        con.execute("PRAGMA query_only = ON")
        names = {
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        }
        for table in TABLES:
            if table.name not in names:
                _missing_table(pkg, table.name, f"{file.name} (table {table.name!r})")
                continue
            source = f"{file.name}[{table.name}]"
            cursor = con.execute(f'SELECT * FROM "{table.name}"')
            header = _clean_header([d[0] for d in cursor.description])
            pkg.problems.extend(_header_problems(source, header))
            records = [[_sql_text(v) for v in row] for row in cursor]
            pkg.tables[table.name] = RawTable(table.name, source, _frame(header, records))
    except sqlite3.Error as exc:
        pkg.problems.append(Problem(file.name, None, None, None, f"cannot read database: {exc}"))
    finally:
        con.close()
    return pkg


# --- typed package ------------------------------------------------------------


@dataclass
class Package:
    """A validated data package as typed frames (dates as ``datetime64``, counts as ints)."""

    activities: pd.DataFrame
    participation: pd.DataFrame
    milestones: pd.DataFrame
    tools: pd.DataFrame
    targets: pd.DataFrame
    source: str
    fingerprint: dict[str, str]

    def latest_delivered_end(self) -> dt.date | None:
        delivered = self.activities.loc[self.activities["status"] == "delivered", "end_date"]
        return None if delivered.empty else delivered.max().date()


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != "", None), format="%Y-%m-%d")


def _typed(raw: RawPackage) -> Package:
    def frame(name: str) -> pd.DataFrame:
        table = TABLES_BY_NAME[name]
        if name in raw.tables:
            f = raw.tables[name].frame
            cols = [c.name for c in table.columns if c.name in f.columns]
            f = f[cols].copy()
        else:
            f = pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})
        for column in table.columns:
            if column.name not in f.columns:
                f[column.name] = ""
            values = f[column.name].astype(str)
            if column.type == "date":
                f[column.name] = _dates(values)
            elif column.type == "bool":
                f[column.name] = values.str.lower() == "true"
            elif column.type == "int":
                f[column.name] = values.astype("int64")
            elif column.type == "number":
                f[column.name] = pd.to_numeric(values.where(values.str.strip() != "", "0"))
            else:
                f[column.name] = values
        f.attrs["source"] = raw.tables[name].source if name in raw.tables else name
        return f.reset_index(names="row")

    return Package(
        activities=frame("activities"),
        participation=frame("participation"),
        milestones=frame("milestones"),
        tools=frame("tools"),
        targets=frame("targets"),
        source=str(raw.path),
        fingerprint=raw.fingerprint(),
    )


def load_package(path: str | Path | None = None) -> Package:
    """Read and validate a data package; raise :class:`ValidationError` listing all problems.

    Parameters
    ----------
    path
        A folder of CSV files, an ``.xlsx`` workbook or a SQLite file; ``None`` for
        the illustrative sample shipped with wbreport.
    """
    from wbreport.validate import validate_raw  # validate imports this module

    raw = read_package(path)
    problems = validate_raw(raw)
    if problems:
        raise ValidationError(problems)
    return _typed(raw)
