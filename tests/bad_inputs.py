"""A corpus of broken data packages and parameter files, each built into a folder on demand.

Every case is a function that writes one broken input and returns a :class:`Case`:
what to pass to ``wbreport`` and the words its error must contain to name the place
(file or table, and row and column where the problem has one). ``tests/test_bad_inputs.py``
runs them all; every one must end with exit code 2, no traceback and nothing published.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from tests.conftest import write_csv_package
from tests.formats import to_sqlite, to_xlsx
from wbreport.project import sample_data_path


@dataclass
class Case:
    """One broken input: ``data`` and/or ``params`` (a params folder) to run with."""

    data: Path | None = None
    params: Path | None = None
    period: str | None = None
    where: tuple[str, ...] = ()  # every one must appear in the error output
    absent: tuple[str, ...] = ()  # none may appear in the output (what must not be read)
    hold: Callable[[], None] | None = None  # releases what the case holds (a SQLite lock)


Builder = Callable[[Path], Case]
CASES: dict[str, Builder] = {}


def case(function: Builder) -> Builder:
    CASES[function.__name__] = function
    return function


# --- a valid base package ------------------------------------------------------------

BASE = {
    "activities": [
        {"activity_id": "A1"},
        {"activity_id": "A2", "type": "training", "module": "Inclusion"},
        {"activity_id": "A3", "scope": "regional", "partner": "WB", "organisers": "UNHCR;IOM"},
    ],
    "participation": [
        {"activity_id": "A1"},
        {"activity_id": "A2", "participants": "12", "women": "7"},
        {"activity_id": "A3", "partner": "RS", "participants": "4", "women": "2"},
    ],
    "milestones": [
        {"milestone_id": "M1"},
        {"milestone_id": "M2", "status": "achieved", "achieved_date": "2020-06-01"},
    ],
    "tools": [
        {"tool_id": "T1"},
        {
            "tool_id": "T1",
            "partner": "BA",
            "language": "bs",
            "status": "published",
            "published_date": "2020-11-01",
        },
    ],
    "targets": [{"indicator": "participants", "partner": "AL", "target": "20"}],
}


def base(tmp: Path, name: str = "pkg") -> Path:
    """A small valid CSV package."""
    return write_csv_package(tmp / name, BASE)


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> Path:
    """Set one cell; ``row`` counts as a spreadsheet does (header = 1)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)
    return folder


def add_row(folder: Path, table: str, values: dict[str, str], like: int = 2) -> Path:
    """Append a copy of row ``like`` with ``values`` changed."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    new = list(rows[like - 1])
    for column, value in values.items():
        new[rows[0].index(column)] = value
    write_rows(path, [*rows, new])
    return folder


# A cell that reading refused is named once, not again as an empty or invalid value.
ONE_PROBLEM = "invalid input: 1 problem(s)"


def bad_cell(table: str, row: int, column: str, value: str) -> Builder:
    """A case: one cell of the base package holds ``value``."""

    def build(tmp: Path) -> Case:
        return Case(
            set_cell(base(tmp), table, row, column, value),
            where=(f"{table}.csv", f"row {row}", f"column {column!r}"),
        )

    return build


# --- encodings and file-level damage -------------------------------------------------


@case
def latin1_csv(tmp: Path) -> Case:
    folder = base(tmp)
    rows = read_rows(folder / "activities.csv")
    rows[2][rows[0].index("title")] = "Trajnim në Tiranë"
    write_rows(folder / "activities.csv", rows, encoding="latin-1")
    return Case(
        folder,
        where=("activities.csv", "row 3", "Trajnim n\ufffd Tiran\ufffd", "byte 0xEB", "'CSV UTF-8"),
    )


def _participation_in(tmp: Path, encoding: str, named: str) -> Case:
    """participation.csv saved in ``encoding`` (with its byte-order mark)."""
    folder = base(tmp)
    text = (folder / "participation.csv").read_text(encoding="utf-8")
    (folder / "participation.csv").write_bytes(text.encode(encoding))
    return Case(folder, where=("participation.csv", "row 1", named, "'CSV UTF-8"))


@case
def utf16_csv(tmp: Path) -> Case:
    return _participation_in(tmp, "utf-16", "UTF-16")


@case
def utf32_csv(tmp: Path) -> Case:
    """UTF-32's byte-order mark begins with UTF-16's: it was called UTF-16."""
    return _participation_in(tmp, "utf-32", "UTF-32 text")


@case
def nul_bytes_csv(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "tools.csv"
    path.write_bytes(path.read_bytes() + b"T2,Guide\x00\x00,AL,sq,planned,\n")
    return Case(folder, where=("tools.csv", "row 4", "NUL"))


@case
def zero_byte_csv(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "milestones.csv").write_bytes(b"")
    return Case(folder, where=("milestones.csv", "empty"))


@case
def missing_table_csv(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "tools.csv").unlink()
    return Case(folder, where=("tools.csv", "required table 'tools'"))


@case
def malformed_quote_csv(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "activities.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + 'A9,"never closed,workshop\n', encoding="utf-8"
    )
    return Case(folder, where=("activities.csv", "malformed CSV"))


@case
def truncated_csv(tmp: Path) -> Case:
    """The file was cut off in the middle of a record (disk full, interrupted copy)."""
    folder = base(tmp)
    path = folder / "activities.csv"
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b",WB,") + 4])
    return Case(folder, where=("activities.csv", "row 4"))


@case
def huge_cell_csv(tmp: Path) -> Case:
    """A 60 MB title in one cell."""
    return bad_cell("activities", 2, "title", "x" * 60_000_000)(tmp)


@case
def wide_row_csv(tmp: Path) -> Case:
    """A record with far more fields than the header has names."""
    folder = base(tmp)
    path = folder / "milestones.csv"
    rows = read_rows(path)
    rows[1] = rows[1] + ["extra"] * 200_000
    write_rows(path, rows)
    return Case(folder, where=("milestones.csv",))


@case
def extra_field_first_record(tmp: Path) -> Case:
    """One surplus field in the first record (pandas would shift every column by one)."""
    folder = base(tmp)
    path = folder / "tools.csv"
    rows = read_rows(path)
    rows[1].append("surplus")
    write_rows(path, rows)
    return Case(folder, where=("tools.csv", "row 2", "malformed"))


@case
def huge_header_name(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "targets.csv"
    rows = read_rows(path)
    rows[0][-1] = "y" * 200_000
    write_rows(path, rows)
    return Case(folder, where=("targets.csv", "row 1"))


@case
def duplicate_header(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "activities.csv"
    rows = read_rows(path)
    rows = [[*r, r[rows[0].index("status")]] for r in rows]
    rows[0][-1] = "status"
    write_rows(path, rows)
    return Case(folder, where=("activities.csv", "row 1", "column 'status'", "unique"))


@case
def missing_column(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "participation.csv"
    rows = read_rows(path)
    drop = rows[0].index("women")
    write_rows(path, [[v for i, v in enumerate(r) if i != drop] for r in rows])
    return Case(folder, where=("participation.csv", "column 'women'", "missing"))


@case
def missing_path(tmp: Path) -> Case:
    return Case(tmp / "no-such-package", where=("no-such-package", "no such file"))


@case
def unsupported_file(tmp: Path) -> Case:
    path = tmp / "package.json"
    path.write_text('{"activities": []}', encoding="utf-8")
    return Case(path, where=("package.json", "not a data package"))


# --- types, values, dates ----------------------------------------------------------------

CASES["int_not_a_number"] = bad_cell("participation", 3, "participants", "ten")
CASES["int_negative"] = bad_cell("participation", 2, "participants", "-1")
CASES["int_decimal"] = bad_cell("participation", 2, "women", "2.5")
CASES["women_above_participants"] = bad_cell("participation", 2, "women", "11")
CASES["certified_not_ttt"] = bad_cell("participation", 2, "certified_trainers", "3")
CASES["date_impossible"] = bad_cell("activities", 2, "end_date", "2021-02-30")
CASES["date_format"] = bad_cell("activities", 3, "start_date", "15/10/2020")
CASES["date_end_before_start"] = bad_cell("activities", 2, "end_date", "2020-09-01")
CASES["achieved_without_date"] = bad_cell("milestones", 3, "achieved_date", "")
CASES["published_without_date"] = bad_cell("tools", 3, "published_date", "")
CASES["boolean_yes"] = bad_cell("activities", 2, "led_by_certified_trainer", "yes")
CASES["enum_unknown_type"] = bad_cell("activities", 2, "type", "party")
CASES["module_missing_for_training"] = bad_cell("activities", 3, "module", "")
CASES["empty_title"] = bad_cell("activities", 2, "title", "   ")
CASES["activity_id_path"] = bad_cell("activities", 2, "activity_id", "../../etc/passwd")
CASES["partner_dotdot"] = bad_cell("activities", 2, "partner", "../x")
CASES["partner_unknown"] = bad_cell("participation", 2, "partner", "XX")
CASES["regional_not_wb"] = bad_cell("activities", 4, "partner", "AL")
CASES["language_unknown"] = bad_cell("tools", 2, "language", "fr")
CASES["formula_text_csv"] = bad_cell("participation", 2, "participants", "=1+1")


@case
def broken_reference(tmp: Path) -> Case:
    return Case(
        set_cell(base(tmp), "participation", 3, "activity_id", "A404"),
        where=("participation.csv", "row 3", "column 'activity_id'", "A404"),
    )


@case
def national_partner_mismatch(tmp: Path) -> Case:
    return Case(
        set_cell(base(tmp), "participation", 2, "partner", "ME"),
        where=("participation.csv", "row 2", "column 'partner'"),
    )


@case
def duplicate_activity(tmp: Path) -> Case:
    return Case(
        add_row(base(tmp), "activities", {}),
        where=("activities.csv", "row 5", "column 'activity_id'"),
    )


@case
def duplicate_participation(tmp: Path) -> Case:
    return Case(
        add_row(base(tmp), "participation", {"participants": "3", "women": "1"}),
        where=("participation.csv", "row 5"),
    )


@case
def duplicate_tool_translation(tmp: Path) -> Case:
    return Case(add_row(base(tmp), "tools", {"title": "Same again"}), where=("tools.csv", "row 4"))


@case
def targets_unknown_indicator(tmp: Path) -> Case:
    return Case(
        set_cell(base(tmp), "targets", 2, "indicator", "happiness"),
        where=("targets.csv", "row 2", "column 'indicator'"),
    )


CASES["targets_period_lowercase"] = bad_cell("targets", 2, "period", "2020q4")
CASES["targets_not_a_number"] = bad_cell("targets", 2, "target", "lots")


@case
def targets_duplicate(tmp: Path) -> Case:
    return Case(add_row(base(tmp), "targets", {"target": "25"}), where=("targets.csv", "row 3"))


@case
def header_only_then_reference(tmp: Path) -> Case:
    """An empty activities table (header only) is valid data, but rows that refer to it
    are then broken references."""
    folder = base(tmp)
    path = folder / "activities.csv"
    write_rows(path, read_rows(path)[:1])
    return Case(folder, where=("participation.csv", "row 2", "column 'activity_id'"))


# --- workbooks -----------------------------------------------------------------------


def workbook(tmp: Path, name: str = "package.xlsx") -> Path:
    return to_xlsx(base(tmp, "src"), tmp / name)


@contextmanager
def edited_workbook(tmp: Path) -> Iterator[tuple[Path, Any]]:
    """The base package as a workbook, opened for the block to change and saved after it."""
    path = workbook(tmp)
    book = openpyxl.load_workbook(path)
    yield path, book
    book.save(path)


def column_of(sheet: Any, name: str) -> int:
    """The (1-based) column of ``sheet`` whose header is ``name``."""
    return [c.value for c in sheet[1]].index(name) + 1


def workbook_with_cell(tmp: Path, sheet: str, column: str, row: int, value: object) -> Path:
    """The base package as a workbook with one cell of ``sheet`` (its column named by the
    header) set to ``value``."""
    with edited_workbook(tmp) as (path, book):
        book[sheet].cell(row=row, column=column_of(book[sheet], column), value=value)
    return path


@case
def xlsx_formula(tmp: Path) -> Case:
    path = workbook_with_cell(tmp, "participation", "participants", 3, "=SUM(1,2)")
    return Case(
        path,
        where=("package.xlsx[participation]", "row 3", "column 'participants'", "formula"),
        absent=("a whole number",),  # the cell is named once, not as empty as well
    )


@case
def xlsx_missing_sheet(tmp: Path) -> Case:
    with edited_workbook(tmp) as (path, book):
        del book["milestones"]
    return Case(path, where=("package.xlsx", "milestones"))


@case
def xlsx_bad_value(tmp: Path) -> Case:
    path = workbook_with_cell(tmp, "activities", "status", 4, "done")
    return Case(path, where=("package.xlsx[activities]", "row 4", "column 'status'"))


def _rewrite_zip(
    source: Path, target: Path, replace: dict[str, bytes], level: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", level) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.pop(info.filename, old.read(info.filename)))
        for name, data in replace.items():
            new.writestr(name, data)
    return target


def _sheet_part(path: Path, sheet: str) -> str:
    """The zip member of ``sheet`` (openpyxl names them sheet1.xml, sheet2.xml …)."""
    book = openpyxl.load_workbook(path, read_only=True)
    index = book.sheetnames.index(sheet) + 1
    book.close()
    return f"xl/worksheets/sheet{index}.xml"


@case
def xlsx_zip_bomb_ratio(tmp: Path) -> Case:
    """A sheet padded with 64 MB of whitespace: a few dozen KB compressed."""
    source = workbook(tmp, "clean.xlsx")
    part = _sheet_part(source, "activities")
    with zipfile.ZipFile(source) as archive:
        xml = archive.read(part)
    padded = xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 64_000_000, 1)
    path = _rewrite_zip(source, tmp / "package.xlsx", {part: padded})
    return Case(path, where=("package.xlsx", "zip bomb"))


@case
def xlsx_zip_bomb_declared(tmp: Path) -> Case:
    """A member whose directory entry declares 4 GiB uncompressed."""
    source = workbook(tmp, "clean.xlsx")
    part = _sheet_part(source, "tools")
    data = bytearray(source.read_bytes())
    name = part.encode()
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # central directory entry
    data[central + 24 : central + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    path = tmp / "package.xlsx"
    path.write_bytes(bytes(data))
    return Case(path, where=("package.xlsx",))


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>activity_id</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>
</sheetData></worksheet>"""


@case
def xlsx_xml_bomb(tmp: Path) -> Case:
    """Billion laughs: entities that expand to 10^9 'lol's in one cell."""
    source = workbook(tmp, "clean.xlsx")
    part = _sheet_part(source, "activities")
    path = _rewrite_zip(source, tmp / "package.xlsx", {part: BILLION_LAUGHS})
    return Case(path, where=("package.xlsx",))


@case
def xlsx_external_entity(tmp: Path) -> Case:
    """XXE: a cell whose text is an external entity naming a local file."""
    source = workbook(tmp, "clean.xlsx")
    secret = tmp / "secret.txt"
    secret.write_text("XXE-CANARY-4711", encoding="utf-8")
    xml = BILLION_LAUGHS.replace(
        BILLION_LAUGHS[BILLION_LAUGHS.index(b"<!DOCTYPE") : BILLION_LAUGHS.index(b"]>") + 2],
        b'<!DOCTYPE x [<!ENTITY lol9 SYSTEM "' + secret.as_uri().encode() + b'">]>',
    )
    path = _rewrite_zip(source, tmp / "package.xlsx", {_sheet_part(source, "activities"): xml})
    return Case(path, where=("package.xlsx",), absent=("XXE-CANARY-4711",))


@case
def xlsx_truncated(tmp: Path) -> Case:
    source = workbook(tmp, "clean.xlsx")
    path = tmp / "package.xlsx"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Case(path, where=("package.xlsx", "damaged or incomplete workbook"))


@case
def xlsx_zip_header_then_text(tmp: Path) -> Case:
    """A zip's first bytes and then anything: named as text ("a CSV file named .xlsx?")."""
    path = tmp / "package.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"activity_id,title\n" * 40)
    return Case(path, where=("package.xlsx", "damaged or incomplete workbook"), absent=("CSV",))


@case
def xlsx_not_a_zip(tmp: Path) -> Case:
    path = tmp / "package.xlsx"
    shutil.copy(base(tmp) / "activities.csv", path)
    return Case(path, where=("package.xlsx", "not a valid .xlsx"))


@case
def xlsx_zero_bytes(tmp: Path) -> Case:
    path = tmp / "package.xlsx"
    path.write_bytes(b"")
    return Case(path, where=("package.xlsx",))


# --- SQLite ------------------------------------------------------------------------------


def database(tmp: Path, name: str = "package.db") -> Path:
    return to_sqlite(base(tmp, "src"), tmp / name)


def edited_database(tmp: Path, *statements: str) -> Path:
    """The base package as a SQLite file, with ``statements`` run on it."""
    path = database(tmp)
    with sqlite3.connect(path) as con:
        for statement in statements:
            con.execute(statement)
    return path


@case
def sqlite_not_sqlite(tmp: Path) -> Case:
    path = tmp / "package.db"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not a database" * 100)
    return Case(path, where=("package.db", "not a SQLite database"))


@case
def sqlite_zero_bytes(tmp: Path) -> Case:
    path = tmp / "package.sqlite"
    path.write_bytes(b"")
    return Case(path, where=("package.sqlite", "not a SQLite database"))


@case
def sqlite_truncated(tmp: Path) -> Case:
    source = database(tmp, "clean.db")
    path = tmp / "package.db"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Case(path, where=("package.db",))


@case
def sqlite_locked(tmp: Path) -> Case:
    """Another program holds an exclusive lock while it writes."""
    path = database(tmp)
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA locking_mode = EXCLUSIVE")
    con.execute("BEGIN EXCLUSIVE")
    con.execute("UPDATE activities SET title = title")
    return Case(path, where=("package.db", "locked"), hold=con.close)


@case
def sqlite_missing_table(tmp: Path) -> Case:
    path = edited_database(tmp, "DROP TABLE milestones")
    return Case(path, where=("package.db", "milestones"))


@case
def sqlite_bad_value(tmp: Path) -> Case:
    path = edited_database(
        tmp, "UPDATE participation SET participants = 10.5 WHERE activity_id = 'A2'"
    )
    return Case(path, where=("package.db[participation]", "row 3", "column 'participants'"))


@case
def sqlite_endless_view(tmp: Path) -> Case:
    """A view that never ends: a recursive query standing in for a table."""
    path = edited_database(
        tmp,
        "DROP TABLE tools",
        "CREATE VIEW tools AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
        " SELECT 'T' || i AS tool_id, 'Guide' AS title, 'AL' AS partner, 'sq' AS language,"
        " 'planned' AS status, '' AS published_date FROM n",
    )
    return Case(path, where=("package.db", "tools"))


# --- parameter files ---------------------------------------------------------------------


def params(tmp: Path, defaults: str | None = None, narrative: bytes | str | None = None) -> Case:
    folder = tmp / "params"
    folder.mkdir(parents=True, exist_ok=True)
    where: tuple[str, ...] = ()
    if defaults is not None:
        (folder / "defaults.yaml").write_text(defaults, encoding="utf-8")
        where = ("defaults.yaml",)
    if narrative is not None:
        (folder / "2021Q4").mkdir(exist_ok=True)
        data = narrative.encode("utf-8") if isinstance(narrative, str) else narrative
        (folder / "2021Q4" / "AL.yaml").write_bytes(data)
        where = ("AL.yaml",)
    return Case(sample_data_path(), folder, "2021Q4", where)


def with_where(built: Case, *more: str, absent: tuple[str, ...] = ()) -> Case:
    built.where = (*built.where, *more)
    built.absent = (*built.absent, *absent)
    return built


@case
def narrative_unknown_key(tmp: Path) -> Case:
    return with_where(
        params(tmp, narrative="highlights: fine\nhighlihgts: typo\n"),
        "key 'highlihgts'",
        "unknown key",
    )


@case
def narrative_key_written_twice(tmp: Path) -> Case:
    """PyYAML keeps the last value of a repeated key: the first text was lost silently."""
    text = "highlights: first\nnext_steps: steps\nhighlights: second\n"
    return with_where(
        params(tmp, narrative=text),
        "AL.yaml, line 3",
        "the key 'highlights' is written twice (first on line 1)",
    )


@case
def defaults_key_written_twice_in_a_section(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="rag:\n  green: 0.9\n  amber: 0.5\n  green: 0.8\n"),
        "defaults.yaml, line 4",
        "the key 'green' is written twice (first on line 2)",
    )


@case
def narrative_folder_not_named_by_a_period(tmp: Path) -> Case:
    """Narratives in ``params/2021-Q4/`` were read by no report, without a word."""
    built = params(tmp, defaults="")
    (built.params / "2021-Q4").mkdir()
    (built.params / "2021-Q4" / "AL.yaml").write_text("highlights: lost\n", encoding="utf-8")
    (built.params / ".ipynb_checkpoints").mkdir()  # hidden folders are not looked at
    (built.params / ".ipynb_checkpoints" / "AL.yaml").write_text("highlights: x\n")
    (built.params / "2021-h3").mkdir()  # no period: no name to suggest
    (built.params / "2021-h3" / "AL.yaml").write_text("highlights: x\n")
    built.where = ("2021-Q4 — no report reads this folder", "rename it 2021Q4", "2021-h3 — no")
    built.absent = (".ipynb_checkpoints", "rename it 2021H3")
    return built


@case
def params_given_one_folder_too_high(tmp: Path) -> Case:
    """``--params .`` in a project folder: its params were silently not read."""
    built = params(tmp, defaults="", narrative="highlights: mine\n")
    assert built.params is not None
    built.params = built.params.parent
    built.where = ("params — no report reads this folder", "a params folder itself: give --params")
    return built


@case
def narrative_python_tag(tmp: Path) -> Case:
    marker = tmp / "PWNED"
    return with_where(
        params(tmp, narrative=f'highlights: !!python/object/apply:os.system ["touch {marker}"]\n'),
        "AL.yaml",
    )


@case
def narrative_not_utf8(tmp: Path) -> Case:
    text = "# Albania\nhighlights: Trajnim në Tiranë\n"
    return with_where(
        params(tmp, narrative=text.encode("latin-1")),
        "AL.yaml, line 2",
        "must be UTF-8 encoded: byte 0xEB",
    )


@case
def narrative_bad_yaml(tmp: Path) -> Case:
    return with_where(
        params(tmp, narrative="highlights: [unclosed\nnext_steps: x\n"),
        "AL.yaml, line 2",
        "invalid YAML",
    )


@case
def narrative_wrong_type(tmp: Path) -> Case:
    """Markdown bullets written as a YAML list: the message says how to write them."""
    return with_where(
        params(tmp, narrative="highlights:\n  - a list\n  - not text\n"),
        "key 'highlights'",
        "expected text, found a list: for markdown bullets write 'highlights: |' and the '- '",
    )


@case
def narrative_yes_read_as_yes_or_no(tmp: Path) -> Case:
    """YAML reads an unquoted ``yes`` as a flag: the value is shown as YAML writes it, not
    as Python's ``True``, with the cure."""
    return with_where(
        params(tmp, narrative="highlights: yes\n"),
        "key 'highlights': value 'true'",
        "YAML reads an unquoted yes, no, true, false, on or off as yes-or-no; put the text in",
        absent=("True",),
    )


@case
def narrative_date_read_as_date(tmp: Path) -> Case:
    return with_where(
        params(tmp, narrative="next_steps: 2022-01-31\n"),
        "key 'next_steps': value '2022-01-31'",
        "YAML reads it as a date; put the text in quotes",
        absent=("datetime",),
    )


@case
def narrative_colon_inside_text(tmp: Path) -> Case:
    """The YAML error analysts meet most: ``: `` inside unquoted text."""
    return with_where(
        params(tmp, narrative="next_steps: fine\nhighlights: Note: the training moved\n"),
        "AL.yaml, line 2",
        "mapping values are not allowed here (a ': ' inside text): put the text in quotes",
    )


@case
def narrative_indented_with_a_tab(tmp: Path) -> Case:
    return with_where(
        params(tmp, narrative="highlights: |\n\tIndented with a tab\n"),
        "AL.yaml, line 2",
        "indent with spaces, not tabs",
    )


@case
def narrative_alias_bomb(tmp: Path) -> Case:
    """YAML "billion laughs": nested aliases (PyYAML shares them; the type check stops it)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("highlights: *i")
    return with_where(params(tmp, narrative="\n".join(lines) + "\n"), "unknown key")


@case
def narrative_deeply_nested(tmp: Path) -> Case:
    """Deeply nested YAML: PyYAML recurses per level (RecursionError before the fix)."""
    return with_where(
        params(tmp, narrative="highlights: " + "[" * 20000 + "]" * 20000 + "\n"), "too deeply"
    )


@case
def defaults_deeply_nested(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="rag: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n"), "too deeply"
    )


@case
def defaults_max_table_rows_zero(tmp: Path) -> Case:
    """0 rows printed "Showing the first 0 of 19 rows" under every table."""
    return with_where(
        params(tmp, defaults="report:\n  max_table_rows: 0\n"),
        "report.max_table_rows",
        "≥ 1 and ≤ 100,000",
    )


@case
def defaults_output_limit_too_small(tmp: Path) -> Case:
    """A cell that keeps ten characters would cut even an error's own message."""
    return with_where(
        params(tmp, defaults="output:\n  shown_chars: 10\n"),
        "output.shown_chars",
        "≥ 1,000 and ≤ 1,000,000,000",
    )


@case
def defaults_output_limit_not_a_number(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="output:\n  printed_chars: 1 million\n"), "output.printed_chars"
    )


@case
def defaults_negative_timeout(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="timeouts:\n  cell_seconds: -5\n"), "timeouts.cell_seconds", "-5"
    )


@case
def defaults_exponent_read_as_text(tmp: Path) -> Case:
    """YAML 1.1 reads ``1e3`` as text; "expected a number" alone left the analyst puzzled."""
    return with_where(
        params(tmp, defaults="rag:\n  green: 1e3\n"), "rag.green", "YAML reads it as text"
    )


@case
def defaults_zero_timeout(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="timeouts:\n  job_seconds: 0\n"), "timeouts.job_seconds", "> 0"
    )


@case
def defaults_unknown_key(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="rag:\n  green: 0.9\n  purple: 0.1\n"),
        "key 'rag.purple'",
        "unknown key",
    )


@case
def defaults_python_tag(tmp: Path) -> Case:
    marker = tmp / "PWNED"
    return params(tmp, defaults=f'rag: !!python/object/apply:os.system ["touch {marker}"]\n')


@case
def defaults_not_a_mapping(tmp: Path) -> Case:
    return with_where(params(tmp, defaults="- green\n- amber\n"), "'key: value' lines")


def linked_narrative(tmp: Path, text: str) -> Case:
    """A narrative that is a link to a file that is no narrative (a system file)."""
    other = tmp / "elsewhere" / "secret.txt"
    other.parent.mkdir(parents=True)
    other.write_text(text, encoding="utf-8")
    built = params(tmp)
    (built.params / "2021Q4").mkdir()
    (built.params / "2021Q4" / "AL.yaml").symlink_to(other)
    built.where = ("AL.yaml",)
    return built


@case
def narrative_link_to_key_value_lines(tmp: Path) -> Case:
    """Lines of another file are not repeated as unknown keys in the error (logs keep it)."""
    built = linked_narrative(tmp, "root:$6$Zq8hUnt3r2:19000:0:99999:7:::\nsvc: token-9f8e7d\n")
    built.where = (*built.where, "not a 'key: value' entry", "unknown key", "svc")
    built.absent = ("Zq8hUnt3r2", "token-9f8e7d")
    return built


@case
def narrative_link_to_one_line(tmp: Path) -> Case:
    built = linked_narrative(tmp, "sk-live-0a1b2c3d4e5f\n")
    built.where = (*built.where, "found a single value")
    built.absent = ("sk-live-0a1b2c3d4e5f",)
    return built


@case
def defaults_amber_above_green(tmp: Path) -> Case:
    return with_where(params(tmp, defaults="rag:\n  green: 0.5\n  amber: 0.8\n"), "rag.amber")


@case
def defaults_timeout_text(tmp: Path) -> Case:
    return with_where(
        params(tmp, defaults="timeouts:\n  job_seconds: forever\n"), "timeouts.job_seconds"
    )


# --- special and oversized files (issue 14, classes 4 and 5) ------------------------------
#
# Each is refused by what the file is (its stat), before anything opens it: opening a FIFO
# blocks until a writer comes, /dev/zero never ends, and a sparse 3 GiB file would take
# 3 GiB to read (it takes no disk space here).

HUGE = 3 * 1024**3


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int = HUGE) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


@case
def fifo_as_xlsx(tmp: Path) -> Case:
    return Case(fifo(tmp / "package.xlsx"), where=("package.xlsx", "FIFO", "regular file"))


@case
def fifo_as_sqlite(tmp: Path) -> Case:
    return Case(fifo(tmp / "package.db"), where=("package.db", "FIFO", "regular file"))


@case
def fifo_as_csv(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "participation.csv").unlink()
    fifo(folder / "participation.csv")
    return Case(folder, where=("participation.csv", "FIFO", "regular file"))


@case
def fifo_as_optional_csv(tmp: Path) -> Case:
    """An optional table is refused like a required one, not skipped."""
    folder = base(tmp)
    (folder / "targets.csv").unlink()
    fifo(folder / "targets.csv")
    return Case(folder, where=("targets.csv", "FIFO"))


@case
def dev_zero_as_csv(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "activities.csv").unlink()
    (folder / "activities.csv").symlink_to("/dev/zero")
    return Case(folder, where=("activities.csv", "device", "regular file"))


@case
def dev_zero_as_sqlite(tmp: Path) -> Case:
    path = tmp / "package.sqlite"
    path.symlink_to("/dev/zero")
    return Case(path, where=("package.sqlite", "device"))


@case
def dev_urandom_as_xlsx(tmp: Path) -> Case:
    path = tmp / "package.xlsx"
    path.symlink_to("/dev/urandom")
    return Case(path, where=("package.xlsx", "device"))


@case
def folder_as_csv(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "tools.csv").unlink()
    (folder / "tools.csv").mkdir()
    return Case(folder, where=("tools.csv", "folder", "regular file"))


@case
def huge_csv(tmp: Path) -> Case:
    folder = base(tmp)
    sparse(folder / "participation.csv")
    return Case(folder, where=("participation.csv", "too large", "3.0 GiB", "limit is 2.0 GiB"))


@case
def huge_optional_csv(tmp: Path) -> Case:
    folder = base(tmp)
    sparse(folder / "targets.csv")
    return Case(folder, where=("targets.csv", "too large", "limit is 2.0 GiB"))


@case
def huge_xlsx(tmp: Path) -> Case:
    return Case(sparse(tmp / "package.xlsx"), where=("package.xlsx", "too large", "3.0 GiB"))


@case
def huge_sqlite(tmp: Path) -> Case:
    return Case(sparse(tmp / "package.db"), where=("package.db", "too large", "3.0 GiB"))


# --- Excel habits (issue 14, class 7) --------------------------------------------------


def _semicolons(folder: Path, table: str, decimal_comma: bool = True) -> None:
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    text = "\n".join(
        ";".join(v.replace(".", ",") if decimal_comma else v for v in row) for row in rows
    )
    path.write_text(text + "\n", encoding="utf-8")


@case
def semicolon_csv(tmp: Path) -> Case:
    """Saved by a spreadsheet set to a decimal comma: semicolons between fields."""
    folder = base(tmp)
    _semicolons(folder, "participation")
    return Case(folder, where=("participation.csv", "row 1", "semicolons", "must be a comma"))


@case
def semicolon_decimal_comma_targets(tmp: Path) -> Case:
    folder = base(tmp)
    set_cell(folder, "targets", 2, "target", "20.5")
    _semicolons(folder, "targets")
    return Case(folder, where=("targets.csv", "row 1", "semicolons", "must be a comma"))


@case
def semicolon_csv_with_bom(tmp: Path) -> Case:
    folder = base(tmp)
    _semicolons(folder, "activities", decimal_comma=False)
    path = folder / "activities.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return Case(folder, where=("activities.csv", "row 1", "semicolons"))


@case
def excel_sep_line(tmp: Path) -> Case:
    """Excel's ``sep=;`` hint line above the header."""
    folder = base(tmp)
    _semicolons(folder, "milestones", decimal_comma=False)
    path = folder / "milestones.csv"
    path.write_text("sep=;\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return Case(folder, where=("milestones.csv", "row 1", "semicolons"))


@case
def tab_separated_csv(tmp: Path) -> Case:
    folder = base(tmp)
    path = folder / "tools.csv"
    path.write_text("\n".join("\t".join(row) for row in read_rows(path)) + "\n", encoding="utf-8")
    return Case(folder, where=("tools.csv", "row 1", "tabs", "must be a comma"))


@case
def trailing_empty_columns_and_duplicate(tmp: Path) -> Case:
    """Empty unnamed columns are ignored; a real duplicate name is still named, with its
    position."""
    folder = base(tmp)
    path = folder / "participation.csv"
    rows = read_rows(path)
    rows = [[*r, r[1], "", ""] for r in rows]
    rows[0][-3] = "partner"
    write_rows(path, rows)
    return Case(folder, where=("participation.csv", "row 1", "column 'partner'", "column 6"))


@case
def long_cell_csv(tmp: Path) -> Case:
    """A cell above the 32,767 characters a spreadsheet cell can hold."""
    return Case(
        set_cell(base(tmp), "activities", 3, "title", "t" * 40_000),
        # not "… non-empty text of at most 10,000 characters" as well
        where=("activities.csv", "row 3", "column 'title'", "32,767", ONE_PROBLEM),
    )


@case
def long_cell_xlsx(tmp: Path) -> Case:
    folder = set_cell(base(tmp), "milestones", 2, "description", "d" * 40_000)
    return Case(
        to_xlsx(folder, tmp / "package.xlsx"),
        # openpyxl cuts a cell to 32,767 characters when writing; validation's limit on text
        # (10,000) then names it
        where=("package.xlsx[milestones]", "row 2", "column 'description'"),
    )


@case
def long_cell_sqlite(tmp: Path) -> Case:
    folder = set_cell(base(tmp), "tools", 3, "title", "g" * 40_000)
    return Case(
        to_sqlite(folder, tmp / "package.db"),
        where=("package.db[tools]", "row 3", "column 'title'", "32,767", ONE_PROBLEM),
    )


# --- periods (issue 14, class 6) ---------------------------------------------------------


def bad_period(text: str, *where: str) -> Builder:
    """A case: ``--period text``; the message must quote ``where`` (default: all of it)."""

    def build(tmp: Path) -> Case:
        return Case(base(tmp), period=text, where=where or (repr(text),))

    return build


for _name, _text, _where in (
    ("period_year_zero", "0000Q1", ("'0000Q1'", "YYYYQ1")),
    ("period_quarter_five", "2020Q5", ("'2020Q5'", "YYYY-MM")),
    ("period_month_thirteen", "2020-13", ()),
    ("period_five_digit_year", "10000Q1", ()),
    ("period_range_reversed", "2021Q1:2020Q1", ("ends before it starts", "2020Q1:2021Q1")),
    ("period_range_mixed_kinds", "2020Q1:2021H1", ("two periods of one kind",)),
    ("period_range_past_9999", "9999Q4:10000Q1", ("'10000Q1'",)),
    ("period_lower_case", "2020q1", ()),
):
    CASES[_name] = bad_period(_text, *_where)


# --- second hostile pass: line endings, Unicode digits, impossible years -----------------


def _line_endings(folder: Path, table: str, ending: bytes, blank_after: int = 2) -> Path:
    """Rewrite ``table``'s file with ``ending`` and a blank line after row ``blank_after``."""
    path = folder / f"{table}.csv"
    lines = path.read_bytes().splitlines()
    lines.insert(blank_after, b"")
    path.write_bytes(ending.join(lines) + ending)
    return folder


@case
def blank_line_then_bad_value_crlf(tmp: Path) -> Case:
    """A blank line is no record, but a spreadsheet shows it as a row: the bad value after
    it is on row 4 (a blank line crashed typing before the fix)."""
    folder = set_cell(base(tmp), "participation", 3, "participants", "ten")
    _line_endings(folder, "participation", b"\r\n")
    return Case(folder, where=("participation.csv", "row 4", "column 'participants'", "'ten'"))


@case
def cr_only_line_ends_bad_value(tmp: Path) -> Case:
    """Old Mac CSV (CR only) is read as lines, and rows are numbered as shown."""
    folder = set_cell(base(tmp), "tools", 3, "language", "fr")
    _line_endings(folder, "tools", b"\r", blank_after=99)
    return Case(folder, where=("tools.csv", "row 3", "column 'language'", "'fr'"))


# Unicode digits are digits to int() and pandas ("１２" -> 12): refused like any other text.
CASES["int_full_width_digits"] = bad_cell("participation", 3, "participants", "１２")
CASES["int_arabic_indic_digits"] = bad_cell("participation", 2, "women", "٥")
CASES["date_full_width_digits"] = bad_cell("activities", 2, "end_date", "２０２０-10-02")
CASES["date_year_zero"] = bad_cell("activities", 2, "start_date", "0000-01-01")
CASES["period_full_width_digits"] = bad_period("２０２０Q4")
CASES["targets_period_full_width"] = bad_cell("targets", 2, "period", "２０２０Q4")


@case
def sqlite_blob_number(tmp: Path) -> Case:
    """The bytes of "12" stored as a BLOB were read as hex: 3132 participants."""
    path = edited_database(
        tmp, "UPDATE participation SET participants = X'3132' WHERE activity_id = 'A2'"
    )
    return Case(path, where=("package.db[participation]", "row 3", "column 'participants'", "BLOB"))


@case
def sqlite_blob_target(tmp: Path) -> Case:
    path = edited_database(tmp, "UPDATE targets SET target = X'3230'")
    return Case(path, where=("package.db[targets]", "row 2", "column 'target'", "BLOB"))


@case
def target_a_hair_above_baseline(tmp: Path) -> Case:
    """Achievement (22 − 0) / 1e-320 is no float: indicators.csv read 'inf' and green."""
    return Case(
        set_cell(base(tmp), "targets", 2, "target", "1e-320"),
        where=("targets.csv", "row 2", "column 'target'", "'1e-320'", "1e-9"),
    )


@case
def xlsx_denormal_target(tmp: Path) -> Case:
    path = workbook_with_cell(tmp, "targets", "baseline", 2, 5e-324)
    return Case(path, where=("package.xlsx[targets]", "row 2", "column 'baseline'"))


# Settings that YAML reads as numbers but that are no threshold, timeout or count.
for _name, _text, _where in (
    ("defaults_rag_nan", "rag:\n  green: .nan\n  amber: .nan\n", ("rag.green", "≥ 0")),
    ("defaults_rag_inf", "rag:\n  green: .inf\n", ("rag.green",)),
    ("defaults_timeout_inf", "timeouts:\n  cell_seconds: .inf\n", ("timeouts.cell_seconds",)),
    ("defaults_timeout_huge", "timeouts:\n  job_seconds: 1.0e+300\n", ("≤ 604,800",)),
    ("defaults_trend_huge", "report:\n  trend_periods: 100000000\n", ("≤ 120",)),
    ("defaults_trend_zero", "report:\n  trend_periods: 0\n", ("report.trend_periods", "≥ 1")),
    ("defaults_rows_fraction", "report:\n  max_table_rows: 2.5\n", ("whole number",)),
    (
        "defaults_title_format_spec",  # a gigabyte of padding in every title
        "reports:\n  programming: {notebook: notebooks/report.ipynb, title: '{name:>999999999}'}\n",
        ("reports.programming.title", "only {name} and {period}"),
    ),
    (
        "defaults_title_attribute",
        "reports:\n  programming: {notebook: notebooks/report.ipynb,"
        " title: '{name.__class__.__mro__}'}\n",
        ("reports.programming.title",),
    ),
):
    CASES[_name] = lambda tmp, t=_text, w=_where: with_where(params(tmp, defaults=t), *w)


# A table whose name differs only in case or spaces: named, not skipped (an optional table
# such as targets was silently left out, and every RAG with it).


@case
def csv_optional_table_capitalised(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "targets.csv").rename(folder / "Targets.csv")
    return Case(folder, where=("targets.csv", "'Targets.csv'", "not named exactly 'targets.csv'"))


@case
def csv_extension_upper_case(tmp: Path) -> Case:
    folder = base(tmp)
    (folder / "participation.csv").rename(folder / "participation.CSV")
    return Case(folder, where=("participation.csv", "'participation.CSV'", "not named exactly"))


@case
def xlsx_sheet_capitalised(tmp: Path) -> Case:
    with edited_workbook(tmp) as (path, book):
        book["activities"].title = "tmp"  # (openpyxl would make "Activities" "Activities1")
        book["tmp"].title = "Activities"
    return Case(path, where=("package.xlsx (sheet 'activities')", "'Activities'"))


@case
def xlsx_optional_sheet_trailing_space(tmp: Path) -> Case:
    with edited_workbook(tmp) as (path, book):
        book["targets"].title = "targets "
    return Case(path, where=("package.xlsx (sheet 'targets')", "'targets '"))


@case
def sqlite_table_capitalised(tmp: Path) -> Case:
    path = edited_database(
        tmp, "ALTER TABLE targets RENAME TO t_tmp", "ALTER TABLE t_tmp RENAME TO TARGETS"
    )
    return Case(path, where=("package.db (table 'targets')", "'TARGETS'"))


# Parameter files that are no regular file, or far too large: named, never skipped (a FIFO or
# a folder in their place silently gave the built-in defaults or no narrative) nor read whole.


def _odd_params_file(tmp: Path, name: str, make: Callable[[Path], object]) -> Case:
    built = params(tmp, defaults="rag:\n  green: 0.9\n")
    (built.params / "2021Q4").mkdir(exist_ok=True)
    target = built.params / name
    target.unlink(missing_ok=True)
    make(target)
    return Case(built.data, built.params, built.period, (name.split("/")[-1],))


for _name, _file, _make, _where in (
    ("narrative_fifo", "2021Q4/AL.yaml", fifo, "regular file"),
    ("narrative_folder", "2021Q4/AL.yaml", Path.mkdir, "a folder"),
    ("narrative_huge", "2021Q4/AL.yaml", sparse, "too large"),
    ("defaults_fifo", "defaults.yaml", fifo, "regular file"),
    ("defaults_folder", "defaults.yaml", Path.mkdir, "a folder"),
    ("defaults_dev_zero", "defaults.yaml", lambda p: p.symlink_to("/dev/zero"), "device"),
    ("defaults_dangling_link", "defaults.yaml", lambda p: p.symlink_to("/nonexistent"), "read"),
):
    CASES[_name] = lambda tmp, f=_file, m=_make, w=_where: with_where(
        _odd_params_file(tmp, f, m), w
    )


@case
def excel_sep_comma_line(tmp: Path) -> Case:
    """Excel's ``sep=,`` hint line: it was taken for a two-column header."""
    folder = base(tmp)
    path = folder / "activities.csv"
    path.write_bytes(b"sep=,\r\n" + path.read_bytes())
    return Case(folder, where=("activities.csv", "row 1", "'sep=,'", "delete it"))


@case
def narrative_too_long(tmp: Path) -> Case:
    """3 MB of '[' in a narrative: markdown took over a minute per report (cell timeout)."""
    return with_where(
        params(tmp, narrative="highlights: '" + "[" * 3_000_000 + "'\n"),
        "highlights",
        "at most 100,000 characters",
    )


@case
def defaults_kind_named_like_a_language(tmp: Path) -> Case:
    """Kind 'sq' in English is AL.sq.html, as is the programming report in Albanian: one
    would silently overwrite the other."""
    return with_where(
        params(
            tmp,
            defaults="reports:\n  programming: {notebook: notebooks/report.ipynb, title: x}\n"
            "  sq: {notebook: notebooks/evaluation.ipynb, title: y}\n",
        ),
        "reports.sq",
        "named like a report language",
    )


@case
def xlsx_error_value_in_text(tmp: Path) -> Case:
    """An error cell (#REF!) in a text column was taken as the module's name."""
    with edited_workbook(tmp) as (path, book):
        sheet = book["activities"]
        cell = sheet.cell(row=3, column=column_of(sheet, "module"))
        cell.value, cell.data_type = "#REF!", "e"
    return Case(
        path,
        where=("package.xlsx[activities]", "row 3", "column 'module'", "error value"),
        absent=("a module is required",),
    )


def _stray_narrative(tmp: Path, name: str) -> Case:
    built = params(tmp, narrative="highlights: Trainings resumed.\n")
    (built.params / "2021Q4" / "AL.yaml").rename(built.params / "2021Q4" / name)
    built.where = (name, "no report reads this file")
    return built


# A narrative named otherwise was silently left out of the report.
CASES["narrative_yml_extension"] = lambda tmp: _stray_narrative(tmp, "AL.yml")
CASES["narrative_lower_case_code"] = lambda tmp: _stray_narrative(tmp, "al.yaml")
CASES["narrative_unknown_kind"] = lambda tmp: _stray_narrative(tmp, "AL.evalution.yaml")
# A language's own narrative is AL.sq.yaml (the page's stem); no report is in "xx" or "SQ".
CASES["narrative_unknown_language"] = lambda tmp: _stray_narrative(tmp, "AL.xx.yaml")
CASES["narrative_language_in_capitals"] = lambda tmp: _stray_narrative(tmp, "AL.SQ.yaml")


@case
def narrative_of_a_language_unknown_key(tmp: Path) -> Case:
    """The Albanian page's own narrative is checked as the shared one is."""
    built = params(tmp, narrative="highlights: Trainings resumed.\n")
    assert built.params is not None
    (built.params / "2021Q4" / "AL.sq.yaml").write_text("highlihgts: Trajnimet rifilluan.\n")
    built.where = ("AL.sq.yaml", "key 'highlihgts'", "unknown key")
    return built


@case
def xlsx_chart_sheet_as_table(tmp: Path) -> Case:
    from openpyxl.chart import BarChart, Reference

    with edited_workbook(tmp) as (path, book):
        book["tools"].title = "tools_data"
        chart = BarChart()
        chart.add_data(Reference(book["participation"], min_col=3, min_row=1, max_row=4))
        book.create_chartsheet("tools").add_chart(chart)
    return Case(path, where=("package.xlsx[tools]", "chart sheet"))
