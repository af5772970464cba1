"""Read a data package (CSV folder, ``.xlsx`` workbook or SQLite file) into frames.

Reading never guesses types: every cell arrives as text (``""`` when empty) and
each frame is indexed by the row number a spreadsheet shows (header = row 1),
so validation can point at the exact place of every problem. CSV columns whose
values repeat (codes, dates, flags, titles) arrive as categoricals of text, so
that validation and typing work once per distinct value.

:func:`load_package` reads, validates (:mod:`wbreport.validate`) and types a
package; a large package that validated before is served from the
validated-package cache (see the section at the end of this module).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io as _io
import json
import os
import pickle
import re
import sqlite3
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from wbreport.errors import Problem, ValidationError
from wbreport.schema import TABLES, TABLES_BY_NAME, Table

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
    # Columns already factorised (by validation), reused when typing.
    _distinct: dict[str, _Distinct] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _factors(self, column: str) -> _Distinct:
        """The column as distinct values and codes (computed once, then cached)."""
        if column not in self._distinct:
            self._distinct[column] = _factorize(self.frame[column])
        return self._distinct[column]


@dataclass(eq=False)
class _Distinct:
    """A text column as its distinct values (an object array of ``str``) and a code per row.

    ``memo`` holds results computed per distinct value; columns factorised together
    share ``uniques`` and ``memo``.
    """

    uniques: np.ndarray
    codes: np.ndarray
    memo: dict[object, Any] = field(default_factory=dict)


@dataclass
class RawPackage:
    """Everything read from a data package, plus problems met while reading."""

    path: Path
    form: str  # "csv" | "xlsx" | "sqlite"
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # sha256 of files already read while loading (taken from the bytes parsed).
    _digests: dict[Path, Callable[[], str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fingerprint(self) -> dict[str, str]:
        return _fingerprint(self.files, self.path, self._digests)


def sample_data_path() -> Path:
    """Folder of the illustrative sample package shipped inside wbreport."""
    return Path(str(resources.files("wbreport") / "sample_data"))


def fingerprint(files: Iterable[Path], root: Path) -> dict[str, str]:
    """sha256 of each input file, keyed by its name relative to the package."""
    return _fingerprint(files, root, {})


def _fingerprint(
    files: Iterable[Path], root: Path, known: dict[Path, Callable[[], str]]
) -> dict[str, str]:
    result: dict[str, str] = {}
    for file in sorted(files):
        hexdigest = known[file]() if file in known else _file_sha256(file)
        name = file.name if root.is_file() else file.relative_to(root).as_posix()
        result[name] = hexdigest
    return result


def _file_sha256(file: Path) -> str:
    with open(file, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fingerprint_parallel(files: list[Path], root: Path) -> dict[str, str]:
    """:func:`fingerprint` with the files hashed on two threads (hashlib and file reads
    release the GIL), largest first."""
    order = sorted(files, key=lambda f: f.stat().st_size, reverse=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = dict(zip(order, pool.map(_file_sha256, order), strict=True))
    return _fingerprint(files, root, {f: functools.partial(digests.__getitem__, f) for f in files})


def _hash_in_background(data: bytes) -> Callable[[], str]:
    """Start hashing ``data`` on another thread; the returned call waits for the digest."""
    digest = hashlib.sha256()
    if len(data) < 1 << 20:
        digest.update(data)
        value = digest.hexdigest()
        return lambda: value
    worker = threading.Thread(target=digest.update, args=(data,), daemon=True)
    worker.start()

    def finish() -> str:
        worker.join()
        return digest.hexdigest()

    return finish


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


def _first_of_each_name(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the first of columns sharing a name (the duplicate is reported as a problem)."""
    repeated = frame.columns.duplicated()
    return frame.loc[:, ~repeated] if repeated.any() else frame


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
        raw = _read_csv_file(file, pkg.problems, table, pkg._digests)
        if raw is not None:
            pkg.tables[table.name] = RawTable(table.name, file.name, raw)
    return pkg


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# Columns whose values repeat a lot (codes, dates, flags, free text such as titles) are
# read as categoricals: the C parser then makes one string per distinct value instead
# of one per cell, and validation checks each distinct value once. Identifiers are
# mostly distinct (sorting half a million categories costs more than it saves), and
# counts are read as plain text because pandas may turn all-numeric categories into
# numbers ("007" -> 7), which would lose the text.
_PLAIN_TYPES = ("id", "int")
_VISIBLE_ASCII = re.compile(rb"[!-~]")


def _csv_dtypes(header: list[str], table: Table | None) -> dict[str, str | type[object]]:
    types = {c.name: c.type for c in table.columns} if table is not None else {}
    return {
        name: (
            object if types.get(name.strip().lstrip("\ufeff"), "id") in _PLAIN_TYPES else "category"
        )
        for name in header
    }


def _text_categories(frame: pd.DataFrame, body: bytes, table: Table | None) -> pd.DataFrame:
    """Undo pandas' type inference on categorical columns, so every cell stays text.

    pandas 3 turns categories that all read as booleans or numbers into ``bool`` or
    numbers. In a boolean column (every cell then a spelling of true/false, all valid)
    they become ``"true"``/``"false"``, which is all that validation and typing look
    at; any other column that was converted is read again as plain text (rare: codes,
    dates and titles are not all numbers or booleans).
    """
    flags = {c.name for c in table.columns if c.type == "bool"} if table is not None else set()
    again = []
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            continue
        kind = values.cat.categories.dtype
        if pd.api.types.is_object_dtype(kind) or pd.api.types.is_string_dtype(kind):
            continue
        if pd.api.types.is_bool_dtype(kind) and str(frame.columns[position]).strip() in flags:
            frame.isetitem(
                position,
                values.cat.rename_categories(
                    ["true" if c else "false" for c in values.cat.categories]
                ).array,
            )
        else:
            again.append(position)
    if again:
        plain = pd.read_csv(
            _io.BytesIO(body),
            usecols=again,
            dtype=object,
            encoding="utf-8",
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
        for position in again:
            frame.isetitem(position, plain.iloc[:, again.index(position)].to_numpy())
    return frame


def _is_blank(data: bytes) -> bool:
    """True when the file holds nothing but whitespace (in the sense of ``str.strip``)."""
    if _VISIBLE_ASCII.search(data):
        return False
    return not data.decode("utf-8-sig").strip()


def _first_record_width(body: bytes) -> int | None:
    """Number of fields in the first record after the header (``None``: none, or unreadable
    here). pandas would take surplus fields there as an index and shift every column."""
    records = csv.reader(_io.TextIOWrapper(_io.BytesIO(body), encoding="utf-8", newline=""))
    try:
        next(records, None)
        first = next(records, None)
    except (csv.Error, UnicodeDecodeError):
        return None  # e.g. a cell above csv's field limit: pandas reads and reports it
    return None if first is None else len(first)


def _read_csv_file(
    file: Path,
    problems: list[Problem],
    table: Table | None = None,
    digests: dict[Path, Callable[[], str]] | None = None,
) -> pd.DataFrame | None:
    source = file.name
    try:
        data = file.read_bytes()
    except OSError as exc:
        problems.append(Problem(source, None, None, None, f"cannot read file: {exc.strerror}"))
        return None
    if digests is not None:
        # The fingerprint is taken from the very bytes parsed below (hashlib releases
        # the GIL on large buffers, so this overlaps with parsing).
        digests[file] = _hash_in_background(data)
    if not data.isascii():
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 4]
            problems.append(
                Problem(
                    source, _line_of(data, exc.start), None, repr(bad), "file must be UTF-8 encoded"
                )
            )
            return None
    if b"\x00" in data:
        problems.append(
            Problem(
                source,
                _line_of(data, data.find(b"\x00")),
                None,
                None,
                "NUL byte found: this is not a text CSV file",
            )
        )
        return None
    if _is_blank(data):
        problems.append(Problem(source, 1, None, None, "file is empty: a header row is required"))
        return None
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    end_of_line = body.find(b"\n")
    first_line = (body if end_of_line < 0 else body[:end_of_line]).decode("utf-8")
    # pandas renames duplicated headers to "x.1"; the raw header reports them.
    try:
        raw_header = next(csv.reader(_io.StringIO(first_line)), [])
    except csv.Error as exc:
        problems.append(Problem(source, 1, None, None, f"malformed CSV header: {exc}"))
        return None
    width = _first_record_width(body)
    if width is not None and width > len(raw_header):
        problems.append(
            Problem(
                source,
                2,
                None,
                None,
                f"malformed CSV: {width:,} fields but the header names {len(raw_header)} columns",
            )
        )
        return None
    try:
        frame = pd.read_csv(
            _io.BytesIO(body),
            index_col=False,  # never an index made of surplus fields
            dtype=_csv_dtypes(raw_header, table),
            encoding="utf-8",
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
    frame = _text_categories(frame, body, table)
    header = _clean_header([str(c) for c in frame.columns])
    problems.extend(_header_problems(source, _clean_header(raw_header)))
    frame.columns = header
    frame = _first_of_each_name(frame)
    # A spreadsheet shows one row per CSV record (header = row 1), blank ones included.
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return _drop_blank_rows(frame)


def _empty_cells(values: pd.Series) -> np.ndarray:
    """Per row: is the cell the empty string?"""
    if isinstance(values.dtype, pd.CategoricalDtype):
        position = values.cat.categories.get_indexer(pd.Index([""]))[0]
        if position < 0:
            return np.zeros(len(values), dtype=bool)
        return values.cat.codes.to_numpy() == position
    return values.to_numpy(dtype=object) == ""


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        blank &= _empty_cells(frame.iloc[:, position])
        if not blank.any():
            return frame
    return frame[~blank]


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
            Problem(
                file.name, None, None, None, f"cannot open workbook: {type(exc).__name__}: {exc}"
            )
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
                    Problem(
                        source,
                        row_number,
                        header[col],
                        str(cell.value)[:60],  # type: ignore[attr-defined]
                        "formulas are not allowed: enter the value itself",
                    )
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
    return _first_of_each_name(frame)


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
        pkg.problems.append(
            Problem(file.name, None, None, None, f"cannot read file: {exc.strerror}")
        )
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
        names = dict(
            con.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        )
        for table in TABLES:
            if table.name not in names:
                _missing_table(pkg, table.name, f"{file.name} (table {table.name!r})")
                continue
            if names[table.name] == "view":  # a view can compute rows without end
                pkg.problems.append(
                    Problem(
                        f"{file.name} (table {table.name!r})",
                        None,
                        None,
                        None,
                        "is a view: store the rows in a table",
                    )
                )
                continue
            source = f"{file.name}[{table.name}]"
            cursor = con.execute(f'SELECT * FROM "{table.name}"')
            header = _clean_header([d[0] for d in cursor.description])
            pkg.problems.extend(_header_problems(source, header))
            records = [[_sql_text(v) for v in row] for row in cursor]
            pkg.tables[table.name] = RawTable(
                table.name, source, _first_of_each_name(_frame(header, records))
            )
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
    evaluations: pd.DataFrame  # optional tables (SPEC §8): empty frames when absent
    followups: pd.DataFrame
    source: str
    fingerprint: dict[str, str]

    def latest_delivered_end(self) -> dt.date | None:
        delivered = self.activities.loc[self.activities["status"] == "delivered", "end_date"]
        return None if delivered.empty else delivered.max().date()


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != "", None), format="%Y-%m-%d")


def _factorize(values: pd.Series) -> _Distinct:
    """Factorise a text column: categorical columns (how the CSV reader delivers most
    columns) are free; others are hashed, numbered in order of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _complete(
            np.asarray(values.cat.categories, dtype=object), values.cat.codes.to_numpy()
        )
    codes, found = pd.factorize(values.to_numpy(dtype=object))
    return _complete(np.asarray(found, dtype=object), codes)


def _complete(uniques: np.ndarray, codes: np.ndarray, memo: dict | None = None) -> _Distinct:
    if len(codes) and codes.min() < 0:  # a missing cell reads as ""
        uniques = np.append(uniques, "")
        codes = np.where(codes < 0, len(uniques) - 1, codes)
    return _Distinct(uniques, codes, {} if memo is None else memo)


def _factorize_together(columns: list[tuple[RawTable, str]]) -> None:
    """Factorise columns of several tables into one shared set of distinct values
    (e.g. ``activity_id`` of activities and participation, so that a participation
    row's activity is found by its code)."""
    arrays = [table.frame[name].to_numpy(dtype=object) for table, name in columns]
    codes, found = pd.factorize(np.concatenate(arrays) if arrays else np.array([], dtype=object))
    if len(codes) and codes.min() < 0:
        found = np.append(found, "")
        codes = np.where(codes < 0, len(found) - 1, codes)
    uniques = np.asarray(found, dtype=object)
    memo: dict[object, Any] = {}
    start = 0
    for (table, name), array in zip(columns, arrays, strict=True):
        table._distinct[name] = _Distinct(uniques, codes[start : start + len(array)], memo)
        start += len(array)


# A typed column before it becomes a frame column: (distinct values, codes), where the
# distinct values are text (an object array of str) or already converted (dates, flags,
# counts as numpy arrays); or a plain numpy array (numbers). The validated-package
# cache stores these parts, which are far smaller than the columns they make.
Part = tuple[np.ndarray, np.ndarray] | np.ndarray
TableParts = tuple[dict[str, Part], pd.Index, str]  # columns, row numbers, source


def _small_codes(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in the smallest integer type that holds ``count`` distinct values."""
    for kind in (np.int8, np.int16, np.int32):
        if count <= np.iinfo(kind).max:
            return codes.astype(kind, copy=False)
    return codes


def _typed_part(kind: str, factors: _Distinct, values: pd.Series) -> Part:
    """A validated column converted to its type, each distinct value converted once."""
    uniques, codes = factors.uniques, factors.codes
    if kind == "number":
        text = values.astype(str)
        return pd.to_numeric(text.where(text.str.strip() != "", "0")).to_numpy()
    codes = _small_codes(codes, len(uniques))
    if kind not in ("date", "bool", "int"):
        return uniques, codes
    distinct = pd.Series(uniques, dtype=str)
    if kind == "date":
        converted: pd.Series = _dates(distinct)
    elif kind == "bool":
        converted = distinct.str.lower() == "true"
    else:
        converted = distinct.astype("int64")
    return converted.to_numpy(), codes


def _table_parts(raw: RawPackage, name: str) -> TableParts:
    table = TABLES_BY_NAME[name]
    if name in raw.tables:
        source_table: RawTable | None = raw.tables[name]
        src = raw.tables[name].frame
    else:
        source_table = None
        src = pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})
    # Columns keep the schema order; a missing optional column comes last, empty.
    present = [c for c in table.columns if c.name in src.columns]
    missing = [c for c in table.columns if c.name not in src.columns]
    parts: dict[str, Part] = {}
    for column in present + missing:
        if column in present:
            values = src[column.name]
            factors = (
                source_table._factors(column.name)
                if source_table is not None
                else _factorize(values)
            )
        else:
            values = pd.Series("", index=src.index, dtype=object)
            factors = _factorize(values)
        parts[column.name] = _typed_part(column.type, factors, values)
    return parts, src.index, source_table.source if source_table is not None else name


def _text_array(uniques: np.ndarray) -> ExtensionArray:
    """Distinct values as the string array ``Series.astype(str)`` gives in this pandas."""
    return pd.Series(uniques, dtype=object).astype(str).array


_TABLE_NAMES = (
    "activities",
    "participation",
    "milestones",
    "tools",
    "targets",
    "evaluations",
    "followups",
)


def _package_parts(raw: RawPackage) -> dict[str, TableParts]:
    return {name: _table_parts(raw, name) for name in _TABLE_NAMES}


def _package(parts: dict[str, TableParts], source: str, fingerprint: dict[str, str]) -> Package:
    # Text columns sharing distinct values (activity_id of activities and participation)
    # share one string array, hence one string object per id.
    texts: dict[int, ExtensionArray] = {}
    frames = {}
    for name in _TABLE_NAMES:
        columns, rows, table_source = parts[name]
        data: dict[str, object] = {}
        for column, part in columns.items():
            if not isinstance(part, tuple):
                data[column] = part
                continue
            distinct, codes = part
            if distinct.dtype == object:
                if id(distinct) not in texts:
                    texts[id(distinct)] = _text_array(distinct)
                data[column] = texts[id(distinct)].take(codes)
            else:
                data[column] = distinct[codes]
        frame = pd.DataFrame(data, index=rows, copy=False)
        frame.attrs["source"] = table_source
        frames[name] = frame.reset_index(names="row")
    return Package(**frames, source=source, fingerprint=fingerprint)


def _typed(raw: RawPackage) -> Package:
    return _package(_package_parts(raw), str(raw.path), raw.fingerprint())


def _indexed(package: Package) -> Package:
    """Build the package's array views for indicators now, as part of loading it."""
    from wbreport.indicators import arrays  # indicators imports this module

    arrays(package)
    return package


def load_package(path: str | Path | None = None) -> Package:
    """Read and validate a data package; raise :class:`ValidationError` listing all problems.

    Parameters
    ----------
    path
        A folder of CSV files, an ``.xlsx`` workbook or a SQLite file; ``None`` for
        the illustrative sample shipped with wbreport.

    A large package that validated before is taken from the validated-package cache
    (see :func:`cache_dir`) when its files are byte for byte the same (sha256).
    """
    from wbreport.validate import validate_raw  # validate imports this module

    root = Path(path) if path is not None else sample_data_path()
    store = cache_dir()
    inputs = _package_inputs(root) if store is not None else None
    if store is None or inputs is None:
        raw = read_package(root)
        problems = validate_raw(raw)
        if problems:
            raise ValidationError(problems)
        return _indexed(_typed(raw))

    form, files = inputs
    prints = _fingerprint_parallel(files, root)
    cached = _cache_get(store, _cache_key(form, prints))
    if cached is not None:
        return _indexed(_package(cached, str(root), prints))

    raw = read_package(root)
    problems = validate_raw(raw)
    if problems:
        raise ValidationError(problems)
    parts = _package_parts(raw)
    package = _package(parts, str(raw.path), raw.fingerprint())
    # The entry is keyed by the fingerprint of what was read (CSV files are hashed from
    # the very bytes parsed); a file that changed while it was read is not cached.
    if package.fingerprint == prints:
        _cache_put(store, _cache_key(form, package.fingerprint), parts)
    return _indexed(package)


# --- validated-package cache ----------------------------------------------------------
#
# Validating a million rows takes about a second; the typed frames it yields depend only
# on the bytes of the input files and on this code. After a successful validation of a
# package of at least CACHE_MIN_BYTES, its typed columns are pickled to
# <cache dir>/<key>.pkl, where key = sha256 of (cache format, wbreport version, the
# source of the modules that read, validate and type data, Python/pandas/numpy versions,
# package form, and each file's name and sha256). A later load of byte-identical files
# hashes them (which it does anyway for the data fingerprint) and unpickles the columns,
# skipping parsing and validation. Problems are never cached: a package with problems is
# validated in full every time. Entries are written atomically (temporary file, then
# rename); an unreadable, foreign or corrupt entry is ignored and rebuilt; only the
# CACHE_MAX_ENTRIES most recently used entries are kept. The cache directory must be
# private to the user (it holds pickles): wbreport creates it with mode 0700 and ignores
# entries owned by another user or writable by group or others.

CACHE_FORMAT = 1
CACHE_MIN_BYTES = 8 * 1024 * 1024
CACHE_MAX_ENTRIES = 8
_CODE_MODULES = ("io", "validate", "schema", "partners", "periods", "errors")


def cache_dir() -> Path | None:
    """Folder of the validated-package cache, or ``None`` when caching is disabled.

    ``$WBREPORT_NO_CACHE`` (any value but ``0`` or empty) disables the cache;
    ``$WBREPORT_CACHE_DIR`` sets the folder; otherwise ``$XDG_CACHE_HOME/wbreport/packages``
    or ``~/.cache/wbreport/packages``.
    """
    if os.environ.get("WBREPORT_NO_CACHE", "") not in ("", "0"):
        return None
    configured = os.environ.get("WBREPORT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wbreport" / "packages"


def _package_inputs(root: Path) -> tuple[str, list[Path]] | None:
    """(form, input files) of a package worth caching; None otherwise (or if unsure)."""
    try:
        if root.is_dir():
            form = "csv"
            files = [root / f"{t.name}.csv" for t in TABLES if (root / f"{t.name}.csv").is_file()]
        elif root.is_file() and root.suffix.lower() in XLSX_SUFFIXES + SQLITE_SUFFIXES:
            form = "xlsx" if root.suffix.lower() in XLSX_SUFFIXES else "sqlite"
            files = [root]
        else:
            return None
        if sum(f.stat().st_size for f in files) < CACHE_MIN_BYTES:
            return None
    except OSError:
        return None
    return form, files


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for module in _CODE_MODULES:
        digest.update((folder / f"{module}.py").read_bytes())
    return digest.hexdigest()


def _cache_key(form: str, prints: dict[str, str]) -> str:
    from wbreport import __version__

    identity = {
        "format": CACHE_FORMAT,
        "wbreport": __version__,
        "code": _code_digest(),
        "python": sys.version,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "form": form,
        "files": prints,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _private(stat: os.stat_result) -> bool:
    owner = getattr(os, "getuid", None)
    return (owner is None or stat.st_uid == owner()) and not stat.st_mode & 0o022


def _cache_get(store: Path, key: str) -> dict[str, TableParts] | None:
    file = store / f"{key}.pkl"
    try:
        with open(file, "rb") as handle:
            if not _private(os.fstat(handle.fileno())):
                return None
            entry = pickle.load(handle)
        if not (
            isinstance(entry, dict)
            and entry.get("format") == CACHE_FORMAT
            and entry.get("key") == key
        ):
            raise ValueError("not a cache entry for this key")
        parts = entry["parts"]
        if set(parts) != set(_TABLE_NAMES):
            raise ValueError("incomplete cache entry")
    except FileNotFoundError:
        return None
    except Exception:  # corrupt or foreign: drop it, rebuild from the files
        with contextlib.suppress(OSError):
            file.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(file)  # most recently used
    return parts


def _cache_put(store: Path, key: str, parts: dict[str, TableParts]) -> None:
    try:
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".pkl", dir=store)
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(
                    {"format": CACHE_FORMAT, "key": key, "parts": parts},
                    out,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            os.replace(temporary, store / f"{key}.pkl")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        entries = sorted(store.glob("*.pkl"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in entries[CACHE_MAX_ENTRIES:]:
            with contextlib.suppress(OSError):
                old.unlink()
    except (OSError, pickle.PicklingError):
        pass  # a cache that cannot be written is only a missed speed-up
