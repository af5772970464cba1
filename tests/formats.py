"""Write one CSV package as an xlsx workbook or a SQLite file (test helpers)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import openpyxl


def read_csv_tables(folder: Path) -> dict[str, list[list[str]]]:
    tables = {}
    for file in sorted(folder.glob("*.csv")):
        with open(file, newline="", encoding="utf-8-sig") as handle:
            tables[file.stem] = list(csv.reader(handle))
    return tables


def to_xlsx(folder: Path, target: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in read_csv_tables(folder).items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(target)
    return target


def to_sqlite(folder: Path, target: Path) -> Path:
    con = sqlite3.connect(target)
    for name, rows in read_csv_tables(folder).items():
        header, body = rows[0], rows[1:]
        columns = ", ".join(f'"{c}" TEXT' for c in header)
        con.execute(f'CREATE TABLE "{name}" ({columns})')
        marks = ", ".join("?" for _ in header)
        con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', body)
    con.commit()
    con.close()
    return target
