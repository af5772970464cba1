"""Read a SQLite database (``.db``/``.sqlite``), one table per name, opened read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wbreport.errors import Problem
from wbreport.frames import RawTable
from wbreport.rawpackage import (
    RawPackage,
    cell_text,
    clean_header,
    header_problems,
    input_file_problem,
    long_cells,
    missing_table,
    text_frame,
)
from wbreport.schema import TABLES

# A BLOB cell: binary data is no value of any column. (It was read as hex, so the bytes of
# "12" became the count 3132.) The marker is found by identity, then reported.
_BLOB = "".join(["<", "BLOB", ">"])
# A TEXT cell whose bytes are not UTF-8 (sqlite3 stopped the whole table at it, with no row).
_NOT_UTF8 = "".join(["<", "not UTF-8", ">"])
_MARKERS = {
    id(_BLOB): "binary data (a BLOB) is not a value: store it as text or a number",
    id(_NOT_UTF8): "text that is not UTF-8: store the database's text as UTF-8",
}


def _decoded(raw: bytes) -> str:
    """sqlite3's text factory: UTF-8 text, or the marker of a cell that is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _NOT_UTF8


def _sql_text(value: object) -> str:
    if isinstance(value, bytes):
        return _BLOB
    if value is _NOT_UTF8:
        return _NOT_UTF8
    return cell_text(value)


def _blob_problems(source: str, header: list[str], records: list[list[str]]) -> list[Problem]:
    """A problem for each BLOB or non-UTF-8 cell (emptied), with its row and column."""
    problems = []
    for number, record in enumerate(records, start=2):
        for position, value in enumerate(record):
            if id(value) in _MARKERS:
                record[position] = ""
                problems.append(
                    Problem(
                        source,
                        number,
                        header[position] if position < len(header) else None,
                        None,
                        _MARKERS[id(value)],
                    )
                )
    return problems


def read_sqlite(file: Path) -> RawPackage:
    """Read each table of the SQLite database ``file``, opened read-only."""
    pkg = RawPackage(file, "sqlite")
    pkg.files.append(file)
    refused = input_file_problem(file, file.name)
    if refused is not None:
        pkg.problems.append(refused)
        return pkg
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
        con.text_factory = _decoded
        con.execute("PRAGMA query_only = ON")
        names = dict(
            con.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        )
        for table in TABLES:
            if table.name not in names:
                missing_table(pkg, table.name, f"{file.name} (table {table.name!r})", names)
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
            header = clean_header([d[0] for d in cursor.description])
            pkg.problems.extend(header_problems(source, header))
            records = [[_sql_text(v) for v in row] for row in cursor]
            # (``in`` tests in C; a text "<BLOB>" passes it but is no BLOB to the check below)
            if any(_BLOB in record or _NOT_UTF8 in record for record in records):
                pkg.problems.extend(_blob_problems(source, header, records))
            frame = text_frame(header, records, list(range(2, 2 + len(records))))
            pkg.problems.extend(long_cells(frame, source))
            pkg.tables[table.name] = RawTable(table.name, source, frame)
    except sqlite3.Error as exc:
        pkg.problems.append(Problem(file.name, None, None, None, f"cannot read database: {exc}"))
    finally:
        con.close()
    return pkg
