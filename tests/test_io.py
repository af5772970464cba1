"""The three package forms give the same frames and indicators; hostile files are refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.formats import to_sqlite, to_xlsx
from wbreport.errors import ValidationError
from wbreport.indicators import compute
from wbreport.package import load_package
from wbreport.project import sample_data_path
from wbreport.readers import read_package
from wbreport.schema import TABLES


@pytest.mark.parametrize("form", ["xlsx", "sqlite"])
def test_forms_give_identical_frames_and_indicators(
    handmade_package: Path, tmp_path: Path, form: str
) -> None:
    other = (
        to_xlsx(handmade_package, tmp_path / "p.xlsx")
        if form == "xlsx"
        else to_sqlite(handmade_package, tmp_path / "p.db")
    )
    a, b = load_package(handmade_package), load_package(other)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, table.name), getattr(b, table.name), check_dtype=True
        )
    for period in ("2020Q4", "2020", "2021-01"):
        pd.testing.assert_frame_equal(compute(a, period), compute(b, period))


def test_xlsx_formula_is_an_error_with_place(handmade_package: Path, tmp_path: Path) -> None:
    path = to_xlsx(handmade_package, tmp_path / "p.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["participation"]["C3"] = "=1+1"
    workbook.save(path)
    with pytest.raises(ValidationError) as info:
        load_package(path)
    (problem,) = [p for p in info.value.problems if "formula" in p.allowed]
    assert (problem.source, problem.row, problem.column) == (
        "p.xlsx[participation]",
        3,
        "participants",
    )


def test_xlsx_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(ValidationError) as info:
        load_package(path)
    assert "zip bomb" in str(info.value)


def test_sqlite_opened_read_only(handmade_package: Path, tmp_path: Path) -> None:
    path = to_sqlite(handmade_package, tmp_path / "p.db")
    before = path.read_bytes()
    load_package(path)
    assert path.read_bytes() == before


def test_sqlite_locked_database_is_a_clean_error(handmade_package: Path, tmp_path: Path) -> None:
    path = to_sqlite(handmade_package, tmp_path / "p.db")
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ValidationError) as info:
            load_package(path)
        assert "locked" in str(info.value)
    finally:
        holder.close()


@pytest.mark.parametrize(
    "name,content,words",
    [
        ("fake.db", b"not a database at all", "not a SQLite database"),
        ("fake.xlsx", b"PK\x03\x04 truncated", "not a valid .xlsx"),
        ("data.txt", b"a,b\n", "not a data package: use a folder of CSV files"),
        # what the file is instead, so the user knows what to do
        ("locked.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "password-protected"),
        ("renamed.xlsx", "activity_id,títle\n".encode(), "text (a CSV file named .xlsx?)"),
        ("blank.xlsx", b"", "not a valid .xlsx workbook: the file is empty"),
        ("old.xls", b"x", "Excel 97-2003 workbook (.xls): save it as an Excel workbook (.xlsx)"),
        ("activities.csv", b"a,b\n", "one CSV file: give the folder"),
        ("package.zip", b"PK", "a zip archive: unpack it"),
    ],
)
def test_wrong_files_are_clean_errors(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError) as info:
        load_package(path)
    assert words in str(info.value)


def test_a_zip_archive_without_a_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activities.csv", "activity_id\n")
    with pytest.raises(ValidationError) as info:
        load_package(path)
    assert "a zip archive without a workbook inside" in str(info.value)


def test_every_table_is_a_typed_frame_in_every_form(tmp_path: Path) -> None:
    """The sample has all ten tables; CSV, xlsx and SQLite give the same typed frames."""
    folder = sample_data_path()
    forms = [
        load_package(folder),
        load_package(to_xlsx(folder, tmp_path / "s.xlsx")),
        load_package(to_sqlite(folder, tmp_path / "s.db")),
    ]
    for table in TABLES:
        frames = [getattr(p, table.name) for p in forms]
        assert list(frames[0].columns) == ["row", *table.column_names]
        assert len(frames[0]) > 0, table.name
        for other in frames[1:]:
            pd.testing.assert_frame_equal(frames[0], other, check_dtype=True)
    evaluations = forms[0].evaluations
    assert evaluations["respondents"].dtype == "int64"
    assert evaluations["pre_score_mean"].dtype == "float64"
    assert forms[0].followups["survey_date"].dtype.kind == "M"


def test_absent_optional_tables_are_empty_frames_with_their_columns(make_package) -> None:
    folder = make_package()
    for table in TABLES[4:]:
        (folder / f"{table.name}.csv").unlink(missing_ok=True)
    package = load_package(folder)
    for table in TABLES[4:]:
        frame = getattr(package, table.name)
        assert frame.empty and list(frame.columns) == ["row", *table.column_names]


def test_empty_optional_number_is_na_but_empty_baseline_is_zero(make_package) -> None:
    package = load_package(
        make_package(
            targets=[dict(indicator="participants", partner="AL", baseline="", target="5")],
            observations=[],
        )
    )
    assert package.targets["baseline"].tolist() == [0.0]


@pytest.mark.parametrize("empties", [1, 2, 3])
def test_trailing_empty_unnamed_columns_are_ignored(handmade_package: Path, empties: int) -> None:
    """The Excel habit: ",," at the end of every line, header included."""
    expected = load_package(handmade_package)
    for file in handmade_package.glob("*.csv"):
        lines = file.read_text(encoding="utf-8").splitlines()
        file.write_text("".join(line + "," * empties + "\n" for line in lines), encoding="utf-8")
    package = load_package(handmade_package)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(package, table.name), getattr(expected, table.name))


@pytest.mark.parametrize("suffix", [".xlsx", ".db"])
def test_fifo_package_is_refused_without_blocking(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"package{suffix}"
    os.mkfifo(path)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_package(path)
        except ValidationError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # unblock the reader, then fail
        with open(path, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert "FIFO" in str(outcome[0])


def test_size_limit_is_configurable(
    handmade_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = (handmade_package / "activities.csv").stat().st_size
    monkeypatch.setenv("WBREPORT_MAX_FILE_BYTES", str(size - 1))
    with pytest.raises(ValidationError) as info:
        load_package(handmade_package)
    (problem,) = [p for p in info.value.problems if p.source == "activities.csv"]
    assert f"({size:,} bytes)" in problem.allowed
    assert f"({size - 1:,} bytes) per file" in problem.allowed


def test_out_of_memory_is_one_line_not_a_traceback(
    handmade_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from wbreport.cli import app

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("wbreport.csv_reader._parse", exhausted)
    result = CliRunner().invoke(app, ["validate", "--data", str(handmade_package)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "not enough memory" in result.output


def test_long_cell_is_a_problem_in_csv(make_package) -> None:
    folder = make_package(activities=[dict(activity_id="A1", organisers="x" * 33_000)])
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    assert any(
        p.row == 2 and p.column == "organisers" and "32,767" in p.allowed
        for p in info.value.problems
    )


def test_semicolon_separator_is_named(handmade_package: Path, tmp_path: Path) -> None:
    folder = tmp_path / "semi"
    shutil.copytree(handmade_package, folder)
    path = folder / "participation.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    (problem,) = info.value.problems
    assert (problem.source, problem.row) == ("participation.csv", 1)
    assert "semicolons" in problem.allowed and "must be a comma" in problem.allowed


@pytest.mark.parametrize("column", ["organisers", "activity_id"])  # a categorical, an id
def test_cell_length_counts_characters_not_bytes(make_package, column: str) -> None:
    """Cells are measured from their bytes first; 20,000 'ë' are 40,000 bytes but within
    the 32,767 characters, 33,000 are not."""
    within = make_package(activities=[{"activity_id": "A1", column: "ë" * 20_000}])
    with pytest.raises(ValidationError) as info:
        load_package(within)
    assert not any("32,767" in p.allowed for p in info.value.problems)
    over = make_package(activities=[{"activity_id": "A1", column: "ë" * 33_000}])
    with pytest.raises(ValidationError) as info:
        load_package(over)
    assert any(
        p.row == 2 and p.column == column and "32,767" in p.allowed for p in info.value.problems
    )


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r\r\n", b"\r"])
def test_blank_lines_and_line_endings_give_the_same_package(
    handmade_package: Path, ending: bytes
) -> None:
    """A blank line between records (and CRLF, a doubled CR, old Mac CR-only endings) is
    not data: the package and its numbers are the same. (A blank line left an unused
    empty category that typing turned into int('') -- a traceback.)"""
    expected = load_package(handmade_package)
    for file in handmade_package.glob("*.csv"):
        lines = file.read_bytes().splitlines()
        body = [*lines[:2], b"", *lines[2:], b""]  # a blank line after the first record
        file.write_bytes(ending.join(body) + ending)
    package = load_package(handmade_package)
    for table in TABLES:
        frame, want = getattr(package, table.name), getattr(expected, table.name)
        pd.testing.assert_frame_equal(
            frame.drop(columns="row").reset_index(drop=True),
            want.drop(columns="row").reset_index(drop=True),
        )
    for period in ("2020Q4", "2021"):
        pd.testing.assert_frame_equal(compute(package, period), compute(expected, period))


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_byte_that_is_not_utf8_is_named_with_or_without_a_byte_order_mark(
    tmp_path: Path, bom: bytes
) -> None:
    """Behind a byte-order mark the decoder's offsets start after it: the byte, its line and
    the text around it were taken three bytes off."""
    folder = tmp_path / "pkg"
    shutil.copytree(sample_data_path(), folder)
    path = folder / "activities.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",", ",Trajnim në Tiranë ", 1)
    path.write_bytes(bom + "\n".join(lines).encode("latin-1"))
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    [problem] = info.value.problems
    assert (problem.source, problem.row) == ("activities.csv", 3)
    activity = lines[2].split(",")[0]
    assert problem.value is not None
    assert problem.value.startswith(f"{activity},Trajnim n\ufffd Tiran\ufffd ")
    assert problem.allowed.startswith("file must be UTF-8 encoded: byte 0xEB is not UTF-8 text")
