"""The indicator table as ``wbreport indicators`` prints it: JSON records and a terminal
table (the CSV form is :func:`wbreport.targets.csv_text`)."""

from __future__ import annotations

import json

import pandas as pd
from rich.table import Table
from rich.text import Text

from wbreport.targets import formatted

_RAG_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def indicators_json(table: pd.DataFrame) -> str:
    """JSON records of the indicators.csv columns (text as in the CSV), plus ``n`` (an
    integer or null) and ``suppressed`` (true when disclosure control hides the figure)."""
    records = formatted(table).to_dict("records")
    for record, n, hidden in zip(records, table["n"], table["suppressed"], strict=True):
        record["n"] = None if pd.isna(n) else int(n)
        record["suppressed"] = bool(hidden)
    return json.dumps(records, ensure_ascii=False, indent=1)


def _rag(text: str) -> Text:
    """A styled cell (a Text, not markup: the command line prints without markup)."""
    return Text(text, style=_RAG_STYLE.get(text) or "")


def indicators_rich_table(table: pd.DataFrame, title: str, threshold: int) -> Table:
    """A terminal table: one row per (partner, indicator) with the period and to-date
    figures; a suppressed figure reads "n < threshold"."""
    text = formatted(table)
    grid = Table(title=title, show_lines=False, header_style="bold")
    for name, justify in (
        ("partner", "left"),
        ("indicator", "left"),
        ("value", "right"),
        ("baseline", "right"),
        ("target", "right"),
        ("achiev.", "right"),
        ("RAG", "left"),
        ("to date", "right"),
        ("td target", "right"),
        ("td achiev.", "right"),
        ("td RAG", "left"),
        ("n", "right"),
    ):
        grid.add_column(name, justify=justify, no_wrap=name in ("partner", "indicator"))  # type: ignore[arg-type]
    previous = None
    for row, raw in zip(text.to_dict("records"), table.to_dict("records"), strict=True):
        hidden = f"n < {threshold}"
        value = hidden if raw["suppressed"] and not row["value"] else row["value"]
        to_date = hidden if raw["to_date_suppressed"] and not row["to_date"] else row["to_date"]
        n = "" if pd.isna(raw["n"]) else str(int(raw["n"]))
        grid.add_row(
            row["partner"] if row["partner"] != previous else "",
            row["indicator"],
            value,
            row["baseline"],
            row["target"],
            row["achievement"],
            _rag(row["rag"]),
            to_date,
            row["to_date_target"],
            row["to_date_achievement"],
            _rag(row["to_date_rag"]),
            n,
            end_section=False,
        )
        previous = row["partner"]
    return grid


__all__ = ["indicators_json", "indicators_rich_table"]
