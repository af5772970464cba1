"""The three package forms give the same frames and indicators; hostile files are refused."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.formats import to_sqlite, to_xlsx
from wbreport.errors import ValidationError
from wbreport.indicators import compute
from wbreport.package import load_package


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
    for name in ("activities", "participation", "milestones", "tools", "targets"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=True)
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
        ("data.txt", b"a,b\n", "not a data package"),
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
