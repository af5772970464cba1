"""An empty data-collection workbook that validates the first time (``wbreport template``).

One sheet per table of :mod:`wbreport.schema` (required and optional) with the header
in row 1, drop-down lists for every column with allowed values, date cells with a
date check, whole-number checks for counts, text cells for ids, codes and periods (so
``007`` and ``2021-03`` stay as typed), and an ``instructions`` sheet. Sheets that name
no table (``instructions``, ``lists``) are ignored when the workbook is read as a
data package (SPEC §2). The wording lives in ``resources/template_help.yaml``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wbreport.errors import UsageError
from wbreport.registry import BUILTIN_NAMES
from wbreport.schema import TABLES, Column, Table

__all__ = ["INSTRUCTIONS", "LISTS", "ROWS", "write_template"]

ROWS = 5000  # rows 2..ROWS carry the checks; more rows can be added by copying row 2
INSTRUCTIONS = "instructions"
LISTS = "lists"  # hidden sheet holding the drop-down values
TEXT, DATE = "@", "yyyy-mm-dd"
# Columns whose values are the ids of another sheet's rows: (table, column) -> sheet, column.
REFERENCES = {
    ("participation", "activity_id"): ("activities", "activity_id"),
    ("evaluations", "activity_id"): ("activities", "activity_id"),
    ("followups", "activity_id"): ("activities", "activity_id"),
    ("results", "parent_id"): ("results", "result_id"),
    ("observations", "indicator"): ("indicator_definitions", "indicator"),
}
# Columns whose drop-down suggests values but accepts others (custom indicators).
SUGGESTED = {("targets", "indicator"): BUILTIN_NAMES}
BOUNDS = {"pre_score_mean": (0, 100), "post_score_mean": (0, 100)}


def help_text() -> dict[str, Any]:
    """The workbook's wording: general notes and per-table descriptions of the columns."""
    text = (resources.files("wbreport") / "resources" / "template_help.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def write_template(out: Path, force: bool = False) -> Path:
    """Write the empty workbook to ``out`` (an ``.xlsx`` path).

    Parameters
    ----------
    out
        File to write; its folder is created when missing.
    force
        Replace an existing file (otherwise refused).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    UsageError
        When ``out`` exists (without ``force``), is a folder, or does not end in ``.xlsx``.
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out}: the template is an .xlsx workbook; name it FILE.xlsx")
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as {out}/data.xlsx")
    if out.exists() and not force:
        raise UsageError(f"{out} exists; choose another file name or add --force to replace it")
    from wbreport.publication import refuse_inside_sets

    refuse_inside_sets(out, "template")
    book = build_workbook()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temp = out.parent / f".{out.name}.{os.getpid()}.tmp"  # replaced atomically below
        try:
            book.save(temp)
            os.replace(temp, out)
        finally:
            Path(temp).unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out


def build_workbook() -> Any:
    """The template as an ``openpyxl.Workbook`` (instructions, the tables, hidden lists)."""
    from openpyxl import Workbook

    wording = help_text()
    book = Workbook()
    _instructions(book.active, wording)
    lists = book.create_sheet(LISTS)
    ranges = _lists(lists)
    for table in TABLES:
        sheet = book.create_sheet(table.name)
        about = wording["tables"].get(table.name, {}).get("columns", {})
        _table_sheet(sheet, table, about, ranges)
    lists.sheet_state = "hidden"
    return book


def _allowed_lists() -> dict[tuple[str, ...], str]:
    """Each distinct list of allowed values, keyed by the values, with a column letter."""
    from openpyxl.utils import get_column_letter

    values: list[tuple[str, ...]] = []
    for table in TABLES:
        for column in table.columns:
            allowed = _allowed(table, column)
            if allowed and allowed not in values:
                values.append(allowed)
    return {v: get_column_letter(i + 1) for i, v in enumerate(values)}


def _allowed(table: Table, column: Column) -> tuple[str, ...]:
    if column.type == "bool":
        return ("true", "false")
    return SUGGESTED.get((table.name, column.name), column.allowed)


def _lists(sheet: Any) -> dict[tuple[str, ...], str]:
    """Write every list of allowed values into a column of ``sheet``; return their ranges."""
    ranges = {}
    for values, letter in _allowed_lists().items():
        for row, value in enumerate(values, start=1):
            sheet[f"{letter}{row}"] = value
        ranges[values] = f"{LISTS}!${letter}$1:${letter}${len(values)}"
    return ranges


def _instructions(sheet: Any, wording: dict[str, Any]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.title = INSTRUCTIONS
    bold = Font(bold=True)
    lines: list[tuple[str, ...]] = [("wbreport data package: how to fill in this workbook",)]
    lines += [(note,) for note in wording["general"]]
    for table in TABLES:
        about = wording["tables"].get(table.name, {})
        need = "required table" if table.required else "optional table"
        lines += [(), (f"Sheet {table.name} ({need})", about.get("about", ""))]
        lines.append(("column", "meaning", "allowed values", "column required", "may be empty"))
        for column in table.columns:
            allowed = _allowed(table, column)
            shown = ", ".join(allowed) if allowed else _kind(column)
            lines.append(
                (
                    column.name,
                    about.get("columns", {}).get(column.name, ""),
                    shown,
                    "yes" if column.required else "no",
                    "yes" if column.nullable else "no",
                )
            )
    for number, line in enumerate(lines, start=1):
        for col, value in enumerate(line, start=1):
            cell = sheet.cell(number, col, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col == 1 and (number == 1 or value.startswith("Sheet ") or value == "column"):
                cell.font = bold
    for letter, width in zip("ABCDE", (34, 70, 40, 16, 14), strict=True):
        sheet.column_dimensions[letter].width = width


def _kind(column: Column) -> str:
    return {
        "id": "text id: letters, digits, _ and -",
        "text": "text",
        "code": "a code",
        "date": "a date (YYYY-MM-DD)",
        "bool": "true or false",
        "int": "whole number ≥ 0",
        "number": "a number",
        "period": "2021, 2021H1, 2021Q4 or 2021-03",
    }[column.type]


def _table_sheet(
    sheet: Any, table: Table, about: dict[str, str], ranges: dict[tuple[str, ...], str]
) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    required = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(table.columns, start=1):
        letter = get_column_letter(col)
        cell = sheet.cell(1, col, column.name)
        cell.font = Font(bold=True)
        if column.required and not column.nullable:
            cell.fill = required
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.name) + 4))
        _format_cells(sheet, letter, column)
        check = _validation(table, column, ranges, about.get(column.name, ""))
        if check is not None:
            check.add(f"{letter}2:{letter}{ROWS}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"


def _format_cells(sheet: Any, letter: str, column: Column) -> None:
    """Date or text format of the whole column (text keeps codes and periods as typed)."""
    fmt = DATE if column.type == "date" else TEXT if column.type in TEXTUAL else None
    if fmt is not None:
        sheet.column_dimensions[letter].number_format = fmt


TEXTUAL = ("id", "text", "code", "period")


def _validation(
    table: Table, column: Column, ranges: dict[tuple[str, ...], str], prompt: str
) -> Any:
    """The Excel data validation of one column, or None when no check applies."""
    from openpyxl.worksheet.datavalidation import DataValidation

    allowed = _allowed(table, column)
    reference = REFERENCES.get((table.name, column.name))
    options: dict[str, Any] = {}
    if allowed:
        options = {"type": "list", "formula1": ranges[allowed]}
        if (table.name, column.name) in SUGGESTED:
            options["errorStyle"] = "warning"  # custom names are allowed too
    elif reference is not None:
        letter = _letter(*reference)
        options = {"type": "list", "formula1": f"{reference[0]}!${letter}$2:${letter}${ROWS}"}
    elif column.type == "date":
        options = {
            "type": "date",
            "operator": "between",
            "formula1": "DATE(1900,1,1)",
            "formula2": "DATE(9999,12,31)",
        }
    elif column.type == "int":
        options = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}
    elif column.type == "number":
        low, high = BOUNDS.get(column.name, (-1e15, 1e15))
        options = {"type": "decimal", "operator": "between"}
        options.update(formula1=str(low), formula2=str(high))
    elif column.type == "id":
        options = {"type": "textLength", "operator": "between", "formula1": "1", "formula2": "64"}
    if not options:
        return None
    return DataValidation(
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=bool(prompt),
        errorTitle=f"{table.name}.{column.name}"[:32],
        error=_error(column, allowed)[:255],
        promptTitle=column.name[:32],
        prompt=prompt[:255],
        **options,
    )


def _error(column: Column, allowed: tuple[str, ...]) -> str:
    if allowed:
        return "Pick one of: " + ", ".join(allowed)
    return f"Expected {_kind(column)}; see the instructions sheet."


def _letter(table_name: str, column_name: str) -> str:
    from openpyxl.utils import get_column_letter

    table = next(t for t in TABLES if t.name == table_name)
    return str(get_column_letter(table.column_names.index(column_name) + 1))
