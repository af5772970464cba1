"""Shared constants and vectorised text helpers of the demo generator."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wbreport.schema import TABLES

REFERENCE_DATE = np.datetime64("2021-12-31", "D")  # last day of delivered work
WORKPLAN_END = np.datetime64("2022-03-31", "D")  # planned work runs into 2022Q1
PANDEMIC_START = np.datetime64("2020-03-15", "D")  # delivery turns largely virtual
PROGRAMME_START = np.datetime64("2019-01-01", "D")  # programme.start of params/defaults.yaml


def first_year(scale: int) -> int:
    """First year of the generated time span (the span always ends in 2021)."""
    return 2019 if scale < 10 else 2016 if scale < 100 else 2010


def text(values: np.ndarray | str) -> np.ndarray:
    """Object array of ``str``; equal cells share one object, which saves most memory."""
    values = np.asarray(values)
    if values.dtype == object:
        return values
    if values.dtype.kind in "iu" and values.size and values.min() >= 0 and values.max() < 1 << 20:
        return _counts(int(values.max()) + 1)[values]  # small counts: a lookup, no sort
    unique, inverse = np.unique(values, return_inverse=True)
    return unique.astype(str).astype(object)[inverse]


def _counts(n: int) -> np.ndarray:
    """``"0"``, ``"1"``, … ``str(n - 1)`` as an object array."""
    return np.arange(n).astype(str).astype(object)


def pick(choices: Sequence[str], index: np.ndarray) -> np.ndarray:
    """``choices[index]`` as an object array of shared ``str`` objects."""
    return np.array(choices, dtype=object)[index]


def join(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate arrays (or scalars) of any type element-wise as text."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


def iso(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """ISO dates as text; ``""`` where ``present`` is false."""
    dates = text(days.astype("datetime64[D]"))
    return dates if present is None else np.where(present, dates, "")


def serial(n: int) -> np.ndarray:
    """Zero-padded running numbers ``00001``… of equal width."""
    return np.char.zfill(np.arange(1, n + 1).astype(str), max(5, len(str(n))))


def frame(name: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The table ``name`` with exactly its schema columns (missing ones empty), as text."""
    table = next(t for t in TABLES if t.name == name)
    n = len(next(iter(columns.values())))
    return pd.DataFrame(
        {
            c: text(columns[c]) if c in columns else np.full(n, "", dtype=object)
            for c in table.column_names
        },
        dtype=str,
    )
