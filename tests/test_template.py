"""``wbreport template``: an empty workbook partners fill in that validates the first time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from wbreport.cli import app
from wbreport.schema import TABLES

D = dt.date


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "data.xlsx"
    code, output = _run("template", "--out", str(path))
    assert code == 0, output
    return path


def test_one_sheet_per_table_with_the_schema_headers(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames[0] == "instructions"
    for table in TABLES:
        sheet = book[table.name]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert header == list(table.column_names)
        assert sheet.max_row == 1  # no data rows
    assert book["lists"].sheet_state == "hidden"


def _checks(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, object]:
    """Data validations by column letter of the first data row."""
    found = {}
    for check in sheet.data_validations.dataValidation:
        for cells in check.sqref.ranges:
            assert cells.min_row == 2 and cells.max_row >= 1000
            found[openpyxl.utils.get_column_letter(cells.min_col)] = check
    return found


def _list_values(book: openpyxl.Workbook, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    return [c.value for row in book[sheet][cells.replace("$", "")] for c in row]


def test_every_column_with_allowed_values_has_a_drop_down(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    for table in TABLES:
        checks = _checks(book[table.name])
        for i, column in enumerate(table.columns, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            check = checks.get(letter)
            where = f"{table.name}.{column.name}"
            if column.allowed:
                assert check is not None and check.type == "list", where
                assert _list_values(book, check.formula1) == list(column.allowed), where
            elif column.type == "bool":
                assert _list_values(book, check.formula1) == ["true", "false"], where
            elif column.type == "int":
                assert check.type == "whole" and check.operator == "greaterThanOrEqual", where
                assert check.formula1 == "0"
            elif column.type == "date":
                assert check.type == "date", where
                dims = book[table.name].column_dimensions[letter]
                assert dims.number_format == "yyyy-mm-dd", where
            if column.type in ("id", "code", "period") or column.name == "partner":
                assert book[table.name].column_dimensions[letter].number_format == "@", where


def test_partner_codes_and_indicator_names_offered(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    acts = _checks(book["activities"])
    assert _list_values(book, acts["F"].formula1) == ["AL", "BA", "XK", "ME", "MK", "RS", "WB"]
    part = _checks(book["participation"])
    assert _list_values(book, part["B"].formula1) == ["AL", "BA", "XK", "ME", "MK", "RS"]
    assert part["A"].formula1.startswith("activities!$A$2")  # ids of the activities sheet
    indicator = _checks(book["targets"])["A"]
    assert "participants" in _list_values(book, indicator.formula1)
    assert indicator.errorStyle == "warning"  # custom indicators may be typed in
    assert _checks(book["observations"])["A"].formula1.startswith("indicator_definitions!$A$2")


def test_instructions_explain_every_table_and_column(template: Path) -> None:
    sheet = openpyxl.load_workbook(template)["instructions"]
    text = "\n".join(
        " | ".join(str(v) for v in row if v) for row in sheet.iter_rows(values_only=True)
    )
    assert "Row 1" in text and "header" in text and "Kosovo*" in text
    for table in TABLES:
        assert f"Sheet {table.name} (" in text
        for column in table.columns:
            assert column.name in text
    assert "training, train_the_trainers, workshop" in text
    assert "period, to_date" in text


def _fill(path: Path) -> None:
    """A small package typed into the template as a partner would (dates as dates)."""
    book = openpyxl.load_workbook(path)
    rows = {
        "activities": [
            ("AL-2021-01", "Interview Techniques training", "training", "Interview Techniques",
             "national", "AL", D(2021, 2, 1), D(2021, 2, 3), "in_person", "delivered", "EASO",
             "true"),
            ("WB-2021-01", "Regional train-the-trainers: Inclusion", "train_the_trainers",
             "Inclusion", "regional", "WB", D(2021, 3, 8), D(2021, 3, 12), "virtual",
             "delivered", "EASO;UNHCR", "false"),
            ("007", "Workshop on age assessment", "workshop", None, "national", "XK",
             D(2021, 3, 30), D(2021, 3, 30), "blended", "delivered", None, None),
        ],
        "participation": [
            ("AL-2021-01", "AL", 18, 10, 0),
            ("WB-2021-01", "AL", 3, 2, 3),
            ("WB-2021-01", "RS", 4, 1, 4),
            ("007", "XK", 12, 7, 0),
        ],
        "milestones": [
            ("AL-R2-01", "AL", "second_generation_roadmap", "Training", "Curriculum adopted",
             D(2021, 3, 31), "achieved", D(2021, 3, 19), None),
            ("RS-R2-01", "RS", "second_generation_roadmap", "Reception", "Contingency plan",
             D(2021, 3, 31), "in_progress", None, "EC Progress Report 2020, Chapter 24"),
        ],
        "tools": [
            ("IPSN", "Tool for Identification of Persons with Special Needs", "AL", "sq",
             "published", D(2021, 3, 2)),
            ("IPSN", "Tool for Identification of Persons with Special Needs", "XK", "sr-Latn",
             "in_translation", None),
        ],
        "targets": [
            ("participants", "AL", "2021Q1", 0, 20, "period"),
            ("participants", "WB", "2021", None, 120, "to_date"),
            ("quality_score", "AL", "2021Q1", 55, 70, None),
        ],
        "evaluations": [
            ("AL-2021-01", "AL", 15, 0, 1, 2, 7, 5, 13, 18, 17, 48.5, 66.0, 14),
            ("007", "XK", 10, 0, 0, 1, 4, 5, 9, 0, 11, None, 71.0, 9),
        ],
        "followups": [("AL-2021-01", "AL", D(2021, 6, 15), 9, 7)],
        "results": [
            ("IMPACT", "impact", None, "WB", "Protection space enhanced", "quality_score", None),
            ("OC-AL", "outcome", "IMPACT", "AL", "Roadmap implemented",
             "milestone_completion_rate", "Roadmap reviews"),
            ("OP-AL", "output", "OC-AL", "AL", "Staff trained", "participants;satisfied_share",
             None),
        ],
        "indicator_definitions": [("quality_score", "Decision quality score", "score", "higher")],
        "observations": [("quality_score", "AL", "2021Q1", 61.5, "Audit")],
    }  # fmt: skip
    for name, records in rows.items():
        sheet = book[name]
        for r, record in enumerate(records, start=2):
            for c, value in enumerate(record, start=1):
                sheet.cell(r, c, value)
    book.save(path)


def test_round_trip_fill_validate_compute(template: Path, tmp_path: Path) -> None:
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(template.read_bytes())
    _fill(filled)
    code, output = _run("validate", "--data", str(filled))
    assert code == 0, output
    code, output = _run("indicators", "--data", str(filled), "--period", "2021Q1")
    assert code == 0, output
    rows = {tuple(line.split(",")[1:4]) for line in output.splitlines()[1:]}
    assert ("AL", "participants", "21") in rows
    assert ("WB", "activities_delivered", "3") in rows
    assert ("XK", "activities_delivered", "1") in rows  # the id 007 stayed text
    assert ("AL", "satisfaction_mean", "4.0667") in rows  # (2 + 6 + 28 + 25) / 15
    assert ("XK", "pass_rate", "0.8182") in rows  # 9 / 11
    assert ("AL", "quality_score", "61.5000") in rows  # a custom indicator observed


def test_the_empty_template_is_a_valid_package(template: Path) -> None:
    code, output = _run("validate", "--data", str(template))
    assert code == 0, output


def test_template_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"the partner's filled workbook")
    code, output = _run("template", "--out", str(path))
    assert code == 2 and "--force" in output and "Traceback" not in output
    assert path.read_bytes() == b"the partner's filled workbook"
    code, output = _run("template", "--out", str(path), "--force")
    assert code == 0, output
    assert openpyxl.load_workbook(path).sheetnames[0] == "instructions"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.xlsx"]  # no temporary left


@pytest.mark.parametrize("name", ["data.csv", "folder"])
def test_template_refuses_a_folder_or_another_suffix(tmp_path: Path, name: str) -> None:
    (tmp_path / "folder").mkdir()
    code, output = _run("template", "--out", str(tmp_path / name))
    assert code == 2 and "Traceback" not in output
