"""CSV cells that a spreadsheet opens as text, never as a formula ("CSV injection").

A spreadsheet evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return) as a formula, which can run commands or send data
away. :func:`safe_cell` prefixes such text with ``'``, which spreadsheets show as the
text itself; numbers such as ``-3`` or ``-0.25`` are left as they are. Every CSV that
wbreport writes with text in it passes its text columns through :func:`safe_cell`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet evaluates; numbers unchanged.

    >>> safe_cell("=1+2"), safe_cell("-3"), safe_cell("-0.25"), safe_cell("AL")
    ("'=1+2", '-3', '-0.25', 'AL')
    """
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_columns(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy of ``frame`` whose text ``columns`` went through :func:`safe_cell`."""
    safe = frame.copy()
    for column in columns:
        safe[column] = safe[column].map(lambda v: safe_cell(v) if isinstance(v, str) else v)
    return safe


__all__ = ["FORMULA_STARTS", "safe_cell", "safe_columns"]
