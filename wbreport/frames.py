"""Text tables and their columns as distinct values: factorising and typing.

A :class:`RawTable` is one table as read (every cell text, rows numbered as a
spreadsheet shows them). Validation (:mod:`wbreport.validate`) and typing work on its
columns factorised into distinct values and a code per row (:class:`Distinct`), so each
distinct value is checked and converted once. :func:`table_parts` turns a validated
table into typed column parts (dates, flags, counts, numbers, text), which
:mod:`wbreport.package` assembles into frames and :mod:`wbreport.cache` stores.

This module depends on the schema only; readers, validation and loading build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from wbreport.schema import Table

# Number columns whose empty cell means 0 (SPEC §2: "baseline (number, empty = 0)").
# Any other optional number column keeps an empty cell as NA.
ZERO_WHEN_EMPTY = frozenset({("targets", "baseline")})


@dataclass(eq=False)
class Distinct:
    """A text column as its distinct values (an object array of ``str``) and a code per row.

    ``memo`` holds results computed per distinct value; columns factorised together
    share ``uniques`` and ``memo``.
    """

    uniques: np.ndarray
    codes: np.ndarray
    memo: dict[object, Any] = field(default_factory=dict)


@dataclass
class RawTable:
    """One table as text: ``frame`` is indexed by spreadsheet row number."""

    name: str
    source: str
    frame: pd.DataFrame
    # Columns already factorised (by the reader or by validation), reused when typing.
    distinct: dict[str, Distinct] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def factors(self, column: str) -> Distinct:
        """The column as distinct values and codes (computed once, then cached)."""
        if column not in self.distinct:
            self.distinct[column] = factorize(self.frame[column])
        return self.distinct[column]

    # The name validation used before the reader modules were split.
    _factors = factors


def factorize(values: pd.Series) -> Distinct:
    """Factorise a text column.

    Categorical columns are free (their categories are the distinct values); others
    are hashed, numbered in order of first appearance. A missing cell reads as ``""``.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _complete(
            np.asarray(values.cat.categories, dtype=object), values.cat.codes.to_numpy()
        )
    text = _arrow_text(values)
    if text is not None:
        uniques, codes = _encode([text])
        return Distinct(uniques, codes[0], {})
    codes, found = pd.factorize(values.to_numpy(dtype=object))
    return _complete(np.asarray(found, dtype=object), codes)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The column's Arrow strings when it holds them (the CSV reader's identifier
    columns), else ``None``."""
    dtype = values.dtype
    if not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow":
        return None
    data = pa.array(values)
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def _encode(columns: list[pa.ChunkedArray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Distinct values of Arrow text columns together (in order of first appearance, a
    missing cell read as ``""``) and each column's codes; hashed by Arrow, not Python."""
    kind = columns[0].type
    chunks = [c for column in columns for c in column.cast(kind).chunks]
    text = pa.chunked_array(chunks, type=kind)
    if text.null_count:
        text = pa_compute.fill_null(text, "")
    encoded = text.dictionary_encode()
    if encoded.num_chunks == 0:
        return np.array([], dtype=object), [np.zeros(0, dtype=np.int32) for _ in columns]
    uniques = encoded.chunk(0).dictionary.to_numpy(zero_copy_only=False).astype(object)
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    edges = np.cumsum([len(column) for column in columns])[:-1]
    return uniques, np.split(codes, edges)


def _complete(uniques: np.ndarray, codes: np.ndarray) -> Distinct:
    if len(codes) and codes.min() < 0:  # a missing cell reads as ""
        uniques = np.append(uniques, "")
        codes = np.where(codes < 0, len(uniques) - 1, codes)
    return Distinct(uniques, codes, {})


def factorize_together(columns: list[tuple[RawTable, str]]) -> None:
    """Factorise columns of several tables into one shared set of distinct values.

    E.g. ``activity_id`` of activities and participation, so that a participation
    row's activity is found by its code. The result is cached on each table.
    """
    texts = [_arrow_text(table.frame[name]) for table, name in columns]
    if texts and all(text is not None for text in texts):
        uniques, split = _encode(texts)  # type: ignore[arg-type]
    else:
        arrays = [table.frame[name].to_numpy(dtype=object) for table, name in columns]
        codes, found = pd.factorize(
            np.concatenate(arrays) if arrays else np.array([], dtype=object)
        )
        if len(codes) and codes.min() < 0:
            found = np.append(found, "")
            codes = np.where(codes < 0, len(found) - 1, codes)
        uniques = np.asarray(found, dtype=object)
        split = np.split(codes, np.cumsum([len(a) for a in arrays])[:-1]) if arrays else []
    memo: dict[object, Any] = {}
    for (table, name), codes in zip(columns, split, strict=True):
        table.distinct[name] = Distinct(uniques, codes, memo)


def first_row_of_key(
    keys: np.ndarray, rows: np.ndarray, wanted: np.ndarray, total: int
) -> np.ndarray:
    """For each of ``wanted``: the first of ``rows`` whose key (in ``keys``) it is; -1 when
    none. Keys lie in ``range(total)``; a key space not much larger than the rows is
    looked up in a plain array (no hashing)."""
    distinct, first = np.unique(keys, return_index=True)
    if len(distinct) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    if total <= 8 * (len(keys) + len(wanted)) + 1024:
        row_of = np.full(total, -1, dtype=np.int64)
        row_of[distinct] = rows[first]
        return row_of[wanted]
    found = np.searchsorted(distinct, wanted)
    found = np.minimum(found, len(distinct) - 1)
    return np.where(distinct[found] == wanted, rows[first][found], -1)


# A typed column before it becomes a frame column: (distinct values, codes), where the
# distinct values are text (an object array of str) or already converted (dates, flags,
# counts as numpy arrays); or a plain numpy array (numbers). The validated-package
# cache stores these parts, which are far smaller than the columns they make.
Part = tuple[np.ndarray, np.ndarray] | np.ndarray
TableParts = tuple[dict[str, Part], pd.Index, str]  # columns, row numbers, source


def small_codes(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in the smallest integer type that holds ``count`` distinct values."""
    for kind in (np.int8, np.int16, np.int32):
        if count <= np.iinfo(kind).max:
            return codes.astype(kind, copy=False)
    return codes


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO ``YYYY-MM-DD`` text to ``datetime64`` (an empty cell is NaT)."""
    return pd.to_datetime(values.where(values != "", None), format="%Y-%m-%d")


def typed_part(kind: str, factors: Distinct, empty_is_zero: bool = True) -> Part:
    """A validated column converted to its type, each distinct value converted once.

    ``kind`` is a schema column type; numbers become a float array (an empty cell 0
    when ``empty_is_zero``, else NaN); dates, flags and counts become converted
    distinct values with codes; other columns stay text.
    """
    uniques, codes = factors.uniques, factors.codes
    if kind == "number":
        text = pd.Series(uniques, dtype=object).astype(str).str.strip()
        parsed = pd.to_numeric(text.where(text != "", "0" if empty_is_zero else None))
        numbers: np.ndarray = np.asarray(parsed, dtype=float)
        return numbers[codes]
    codes = small_codes(codes, len(uniques))
    if kind not in ("date", "bool", "int"):
        return uniques, codes
    distinct = pd.Series(uniques, dtype=str)
    if kind == "date":
        converted: pd.Series = parse_dates(distinct)
    elif kind == "bool":
        converted = distinct.str.lower() == "true"
    else:
        converted = distinct.astype("int64")
    return converted.to_numpy(), codes


def table_parts(table: Table, raw: RawTable | None) -> TableParts:
    """The typed column parts of a validated table (all columns empty when absent).

    Columns keep the schema order; a missing optional column is all empty.
    """
    src = (
        raw.frame
        if raw is not None
        else pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})
    )
    parts: dict[str, Part] = {}
    for column in table.columns:
        if raw is not None and column.name in src.columns:
            factors = raw.factors(column.name)
        else:
            factors = factorize(pd.Series("", index=src.index, dtype=object))
        zero = (table.name, column.name) in ZERO_WHEN_EMPTY
        parts[column.name] = typed_part(column.type, factors, empty_is_zero=zero)
    return parts, src.index, raw.source if raw is not None else table.name
