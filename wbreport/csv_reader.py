"""Read a folder of CSV files (UTF-8, BOM allowed, comma separated, header row).

Every cell arrives as text. Columns whose values repeat (codes, dates, flags, titles)
arrive as categoricals of text, so that validation and typing work once per distinct
value.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from wbreport.errors import Problem, not_utf8
from wbreport.frames import RawTable
from wbreport.rawpackage import (
    MAX_CELL_CHARS,
    RawPackage,
    clean_header,
    first_of_each_name,
    hash_in_background,
    header_problems,
    input_file_problem,
    long_cells,
    missing_table,
)
from wbreport.schema import TABLES, Table


def read_csv_folder(root: Path) -> RawPackage:
    """Read each table's ``<name>.csv`` of the folder ``root``."""
    pkg = RawPackage(root, "csv")
    try:  # names that differ only in case or spaces ("Targets.csv") are named, not skipped
        present = [p.name for p in root.iterdir() if ".csv" in p.name.lower()]
    except OSError:
        present = []
    for table in TABLES:
        file = root / f"{table.name}.csv"
        if not file.exists() and not file.is_symlink():
            folder = root.name or root.resolve().name  # "--data ." names the folder
            missing_table(
                pkg, table.name, f"{folder}/{table.name}.csv", present, f"{table.name}.csv"
            )
            continue
        pkg.files.append(file)
        raw = read_csv_file(file, pkg.problems, table, pkg.digests)
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
            io.BytesIO(body),
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


_SEPARATORS = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}


def _other_separator(first_line: str, header: list[str]) -> str | None:
    """How the header is separated when it is not by commas (``None``: by commas).

    A spreadsheet set to a decimal comma saves "CSV" with semicolons; read as commas,
    its header is one column name holding the separators.
    """
    if len(header) > 1:
        return None
    counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
    separator = max(counts, key=lambda sep: counts[sep])
    return _SEPARATORS[separator] if counts[separator] else None


def longest_line(body: bytes) -> int:
    """Length in bytes of the longest line (an upper bound of any cell's length)."""
    if len(body) <= MAX_CELL_CHARS:
        return len(body)
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    edges = np.concatenate(([-1], ends, [len(body)]))
    return int(np.diff(edges).max())


def _is_blank(data: bytes) -> bool:
    """True when the file holds nothing but whitespace (in the sense of ``str.strip``)."""
    if _VISIBLE_ASCII.search(data):
        return False
    return not data.decode("utf-8-sig").strip()


def _first_record_width(body: bytes) -> int | None:
    """Number of fields in the first record after the header (``None``: none, or unreadable
    here). pandas would take surplus fields there as an index and shift every column."""
    records = csv.reader(io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline=""))
    try:
        next(records, None)
        first = next(records, None)
    except (csv.Error, UnicodeDecodeError):
        return None  # e.g. a cell above csv's field limit: pandas reads and reports it
    return None if first is None else len(first)


def read_csv_file(
    file: Path,
    problems: list[Problem],
    table: Table | None = None,
    digests: dict[Path, Callable[[], str]] | None = None,
) -> pd.DataFrame | None:
    """One CSV file as a frame of text indexed by spreadsheet row numbers.

    ``None`` (with the reason added to ``problems``) when the file cannot be read as
    a comma-separated UTF-8 text file with a header row.
    """
    source = file.name
    data = _file_bytes(file, source, problems)
    if data is None:
        return None
    if digests is not None:
        # The fingerprint is taken from the very bytes parsed below (hashlib releases
        # the GIL on large buffers, so this overlaps with parsing).
        digests[file] = hash_in_background(data)
    refused = _text_problem(data, source)
    if refused is not None:
        problems.append(refused)
        return None
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if b"\r" in body and b"\n" not in body:  # old Mac line endings (CR only): one per record
        body = body.replace(b"\r", b"\n")
    raw_header = _header(body, source, problems)
    if raw_header is None:
        return None
    frame, checked = _parse(body, raw_header, table, source, problems)
    if frame is None:
        return None
    header = clean_header(raw_header)
    problems.extend(header_problems(source, header))
    if len(header) == frame.shape[1]:
        frame.columns = header
    else:
        frame.columns = clean_header([str(c) for c in frame.columns])
    frame = first_of_each_name(frame)
    # A spreadsheet shows one row per CSV record (header = row 1), blank ones included.
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    if not checked and longest_line(body) > MAX_CELL_CHARS:
        problems.extend(long_cells(frame, source))
    return _drop_blank_rows(frame)


#: What to do about a file that is not comma-separated UTF-8.
SAVE_AS_CSV = " -- save the sheet as 'CSV UTF-8 (comma delimited)'"


def _file_bytes(file: Path, source: str, problems: list[Problem]) -> bytes | None:
    refused = input_file_problem(file, source)
    if refused is None:
        try:
            return file.read_bytes()
        except OSError as exc:
            refused = Problem(source, None, None, None, f"cannot read file: {exc.strerror}")
    problems.append(refused)
    return None


def _text_problem(data: bytes, source: str) -> Problem | None:
    """Why ``data`` is not UTF-8 text with something in it (``None``: it is)."""
    if not data.isascii():
        # (UTF-32's little-endian mark begins with UTF-16's: it is looked for first)
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return Problem(source, 1, None, None, "file is UTF-32 text" + SAVE_AS_CSV)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return Problem(
                source, 1, None, None, "file is UTF-16 text ('Unicode Text')" + SAVE_AS_CSV
            )
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            # the text around the byte, as far as it is UTF-8 (the rest shows as �); the
            # offsets are in exc.object, which is the text after a byte-order mark
            body, at = exc.object, exc.start
            start = max(body.rfind(b"\n", 0, at) + 1, at - 30)
            around = body[start : at + 10].decode("utf-8", "replace").split("\n")[0]
            line, message = not_utf8(exc)
            return Problem(source, line, None, around, message + SAVE_AS_CSV)
    if b"\x00" in data:
        return Problem(
            source,
            _line_of(data, data.find(b"\x00")),
            None,
            None,
            "NUL byte found: this is not a text CSV file",
        )
    if _is_blank(data):
        return Problem(source, 1, None, None, "file is empty: a header row is required")
    return None


def _header(body: bytes, source: str, problems: list[Problem]) -> list[str] | None:
    """The header's names as written (``None`` with a problem when unusable).

    Trailing empty names (the empty columns a spreadsheet leaves) are dropped.
    """
    end_of_line = body.find(b"\n")
    first_line = (body if end_of_line < 0 else body[:end_of_line]).decode("utf-8")
    try:
        raw_header = next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error as exc:
        problems.append(Problem(source, 1, None, None, f"malformed CSV header: {exc}"))
        return None
    if first_line.strip().lower() == "sep=,":  # ("sep=;" is named by its separator below)
        problems.append(
            Problem(
                source,
                1,
                None,
                first_line.strip(),
                "a spreadsheet's 'sep=' line above the header: delete it so that the "
                "header is row 1",
            )
        )
        return None
    separator = _other_separator(first_line, raw_header)
    if separator is not None:
        problems.append(
            Problem(
                source,
                1,
                None,
                first_line[:60],
                f"columns are separated by {separator}: the separator must be a comma (,)"
                + SAVE_AS_CSV,
            )
        )
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
    return raw_header


def _parse(
    body: bytes, raw_header: list[str], table: Table | None, source: str, problems: list[Problem]
) -> tuple[pd.DataFrame | None, bool]:
    """The cells as text, and whether cell lengths were checked already."""
    fast = _parse_arrow(body, raw_header, table)
    if fast is not None:
        return fast, True
    return _parse_pandas(body, raw_header, table, source, problems), False


def _arrow_options(body: bytes, width: int) -> dict[str, Any]:
    names = [f"c{i}" for i in range(width)]
    return {
        "read_options": pa_csv.ReadOptions(
            skip_rows=1, column_names=names, use_threads=True, block_size=4 << 20
        ),
        # Quoted fields may hold line breaks only when the file has quotes at all;
        # without, blocks are split at any line break (faster).
        "parse_options": pa_csv.ParseOptions(
            newlines_in_values=b'"' in body, ignore_empty_lines=False
        ),
        "convert_options": pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
            true_values=[],
            false_values=[],
        ),
    }


def _parse_arrow(body: bytes, raw_header: list[str], table: Table | None) -> pd.DataFrame | None:
    """Parse with pyarrow's multithreaded reader, every column as text.

    ``None`` when the file is not plain enough for it: a blank line, a record with
    another number of fields than the header, or anything pyarrow refuses; the pandas
    path then reads the file and names the place of each defect. Columns whose values
    repeat become categoricals of text (dictionary-encoded by pyarrow), identifiers
    plain object columns, as the pandas path gives them.
    """
    width = len(raw_header)
    # With two columns or more, pyarrow refuses a blank line (too few fields), and the
    # pandas path keeps the row numbers after it right.
    if width < 2 or body.find(b"\n") < 0:
        return None
    try:
        arrow = pa_csv.read_csv(pa.py_buffer(body), **_arrow_options(body, width))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    types = {c.name: c.type for c in table.columns} if table is not None else {}
    if any(_too_long(arrow.column(i)) for i in range(width)):
        return None  # the pandas path names each long cell
    names = clean_header(raw_header)

    def column(position: int) -> pd.Series:
        values = arrow.column(position)
        if types.get(names[position], "id") == "id":
            # Mostly distinct: kept as Arrow strings (no Python string per cell) and
            # factorised by Arrow when validation asks (wbreport.frames.factorize).
            return pd.Series(pd.arrays.ArrowStringArray(values), copy=False)
        return pd.Series(_categorical(values), copy=False)

    # Arrow's kernels release the GIL: the columns are encoded on two threads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = dict(enumerate(pool.map(column, range(width))))
    frame = pd.DataFrame(columns, copy=False)
    frame.columns = pd.RangeIndex(width)
    return frame


def _too_long(values: pa.ChunkedArray) -> bool:
    """Whether a cell has more than MAX_CELL_CHARS characters. Lengths in bytes (read
    from the offsets, without scanning the text) bound them; characters are counted
    only when the bytes exceed the limit."""
    if (pa_compute.max(pa_compute.binary_length(values)).as_py() or 0) <= MAX_CELL_CHARS:
        return False
    return (pa_compute.max(pa_compute.utf8_length(values)).as_py() or 0) > MAX_CELL_CHARS


def _categorical(values: pa.ChunkedArray) -> pd.Categorical:
    encoded = values.dictionary_encode()  # one dictionary shared by every chunk
    if encoded.num_chunks == 0:
        return pd.Categorical.from_codes(
            np.zeros(0, dtype=np.int32), dtype=pd.CategoricalDtype(pd.Index([], dtype=object))
        )
    dictionary = encoded.chunk(0).dictionary
    categories = dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    return pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(pd.Index(categories, dtype=object))
    )


def _parse_pandas(
    body: bytes, raw_header: list[str], table: Table | None, source: str, problems: list[Problem]
) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(
            io.BytesIO(body),
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
    return _text_categories(frame, body, table)


def _empty_cells(values: pd.Series) -> np.ndarray:
    """Per row: is the cell the empty string?"""
    if isinstance(values.dtype, pd.CategoricalDtype):
        position = values.cat.categories.get_indexer(pd.Index([""]))[0]
        if position < 0:
            return np.zeros(len(values), dtype=bool)
        return values.cat.codes.to_numpy() == position
    return np.asarray(values.eq(""), dtype=bool)


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    # Categorical columns first: comparing their codes is cheap, and usually enough.
    order = sorted(
        range(frame.shape[1]),
        key=lambda p: not isinstance(frame.dtypes.iloc[p], pd.CategoricalDtype),
    )
    for position in order:
        blank &= _empty_cells(frame.iloc[:, position])
        if not blank.any():
            return frame
    kept = frame[~blank]
    # The dropped rows' empty cells must not stay behind as categories that no row uses
    # (validation judges the values rows hold; typing converts every category).
    for position in range(kept.shape[1]):
        values = kept.iloc[:, position]
        if isinstance(values.dtype, pd.CategoricalDtype):
            kept.isetitem(position, values.cat.remove_unused_categories())
    return kept
