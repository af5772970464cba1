"""The machinery of lazy validation: tables and columns checked per distinct value.

Every rule is decided once per *distinct* value of a column (the column's
categories, or a factorisation of it) and mapped back to the rows through
integer codes, so a million rows cost a handful of array operations instead of
a million Python calls. Which problems are found, their order and their wording
do not depend on this.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from wbreport.errors import Problem
from wbreport.frames import Distinct, RawTable, first_row_of_key
from wbreport.periods import is_canonical
from wbreport.schema import ID_PATTERN, Column, Table

# ASCII digits only: "\d" alone also matches "１２" (full-width) or "١٢" (Arabic-Indic),
# which int() and pandas would then read as 12.
_DATE = re.compile(r"(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}")  # year 0000 is no calendar year
_INT = re.compile(r"[0-9]{1,9}")
_BOOL = {"true", "false"}
# A pattern made of one character class repeated {m,n} times, e.g. [A-Za-z0-9_-]{1,64}.
_CLASS_REPEAT = re.compile(r"(\[[^\]\\]+\])\{(\d+),(\d+)\}")

Mask = np.ndarray  # one bool per row of a raw table


class ColumnCheck:
    """One text column of a raw table: its distinct values and, per row, a code into them.

    Results per distinct value are memoised in the shared ``memo`` (columns factorised
    together, such as the two ``activity_id`` columns, check each value once).
    """

    def __init__(self, distinct: Distinct) -> None:
        self.uniques, self.codes, self.memo = distinct.uniques, distinct.codes, distinct.memo

    def each(self, test: Callable[[str], object]) -> np.ndarray:
        """``bool(test(value))`` for every distinct value."""
        return np.fromiter(map(test, self.uniques), dtype=bool, count=len(self.uniques))

    def rows(self, verdict: np.ndarray) -> Mask:
        """Per row, the verdict given to the row's distinct value."""
        if not verdict.any():  # the usual verdict of a check: no value breaks the rule
            return np.zeros(len(self.codes), dtype=bool)
        return verdict[self.codes]

    def blank(self) -> np.ndarray:
        """Per distinct value: empty once surrounding whitespace is stripped."""
        if "blank" not in self.memo:
            self.memo["blank"] = np.fromiter(
                map(operator.not_, map(str.strip, self.uniques)),
                dtype=bool,
                count=len(self.uniques),
            )
        return self.memo["blank"]

    def one_of(self, allowed: Iterable[str]) -> np.ndarray:
        """Per distinct value: is it exactly one of ``allowed``?"""
        members = frozenset(allowed)
        return self.each(members.__contains__)

    def fullmatch(self, pattern: str) -> np.ndarray:
        """Per distinct value: does ``pattern`` match it entirely (as ``str.fullmatch``)?"""
        key = ("fullmatch", pattern)
        if key not in self.memo:
            verdict = _all_match(pattern, self.uniques)
            if verdict is None:
                regex = re.compile(pattern)
                verdict = np.fromiter(
                    (m is not None for m in map(regex.fullmatch, self.uniques)),
                    dtype=bool,
                    count=len(self.uniques),
                )
            self.memo[key] = verdict
        return self.memo[key]

    def text(self) -> pd.Series:
        """The distinct values as a string Series (for pandas' own converters)."""
        return pd.Series(self.uniques, dtype=str)


def _all_match(pattern: str, values: np.ndarray) -> np.ndarray | None:
    """All-true when every value matches a ``[class]{m,n}`` pattern; None when unsure.

    A fast path for long identifier columns: the values are joined by newlines and
    checked as bytes, in C, for characters outside the class and for lengths.
    """
    shape = _CLASS_REPEAT.fullmatch(pattern)
    if shape is None or len(values) < 1000:
        return None
    char_class, low, high = shape.group(1), int(shape.group(2)), int(shape.group(3))
    members = bytes(c for c in range(128) if re.fullmatch(char_class, chr(c)))
    if b"\n" in members:
        return None
    try:
        joined = ("\n".join(values) + "\n").encode("ascii")
    except UnicodeEncodeError:
        return None
    if joined.translate(None, members + b"\n"):
        return None  # some character outside the class
    ends = np.flatnonzero(np.frombuffer(joined, dtype=np.uint8) == 10)
    if len(ends) != len(values):
        return None  # a value contains a newline
    lengths = np.diff(ends, prepend=-1) - 1
    if lengths.min() < low or lengths.max() > high:
        return None
    return np.ones(len(values), dtype=bool)


class TableCheck:
    """A raw table with its columns factorised on first use."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.source = raw.source
        self.rows = raw.frame.index.to_numpy()
        self.n = len(raw.frame)
        self._columns: dict[str, ColumnCheck] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.raw.frame.columns

    def spelled_like(self, name: str) -> str | None:
        """A column of the table that is ``name`` in other case or with spaces or hyphens
        for underscores (``Activity ID`` for ``activity_id``), or ``None``."""

        def folded(text: str) -> str:
            return re.sub(r"[\s_-]+", "_", str(text).strip().casefold())

        return next((str(c) for c in self.raw.frame.columns if folded(c) == name), None)

    def __getitem__(self, name: str) -> ColumnCheck:
        if name not in self._columns:
            self._columns[name] = ColumnCheck(self.raw.factors(name))
        return self._columns[name]

    def none(self) -> Mask:
        """No row."""
        return np.zeros(self.n, dtype=bool)

    def equals(self, name: str, value: str) -> Mask:
        """Rows whose ``name`` is exactly ``value`` (none when the column is missing)."""
        if name not in self:
            return self.none()
        column = self[name]
        return column.rows(column.uniques == value)

    def one_of(self, name: str, allowed: Iterable[str]) -> Mask:
        """Rows whose ``name`` is one of ``allowed`` (none when the column is missing)."""
        if name not in self:
            return self.none()
        column = self[name]
        return column.rows(column.one_of(allowed))

    def blank(self, name: str) -> Mask:
        """Rows whose ``name`` is empty (none when the column is missing)."""
        if name not in self:
            return self.none()
        column = self[name]
        return column.rows(column.blank())

    def problems(
        self, mask: Mask, column: str, allowed: str | Callable[[int], str]
    ) -> list[Problem]:
        """One problem per row where ``mask`` holds, naming the column and its value.

        ``allowed`` may be a function of the row's position when the text varies.
        """
        where = np.flatnonzero(mask)
        if len(where) == 0:
            return []
        col = self[column]
        shown = col.uniques[col.codes[where]]
        rows = self.rows[where]
        if callable(allowed):
            return [
                Problem(self.source, int(r), column, str(v), allowed(int(i)))
                for r, v, i in zip(rows, shown, where, strict=True)
            ]
        return [
            Problem(self.source, int(r), column, str(v), allowed)
            for r, v in zip(rows, shown, strict=True)
        ]


def allowed_list(values: Iterable[str]) -> str:
    """ "one of a, b, c" for a problem's allowed text."""
    return "one of " + ", ".join(values)


def valid_dates(column: ColumnCheck) -> np.ndarray:
    """Per distinct value: a real calendar date written YYYY-MM-DD.

    The parsed dates are kept (as datetime64, NaT where invalid) in the column's memo.
    """
    shape = column.fullmatch(_DATE.pattern)
    values = column.text()
    parsed = pd.to_datetime(values.where(shape, None), format="%Y-%m-%d", errors="coerce")
    column.memo["dates"] = parsed.to_numpy(dtype="datetime64[D]")
    return shape & parsed.notna().to_numpy()


def _column_verdict(column: Column, values: ColumnCheck) -> tuple[np.ndarray, str]:
    """Distinct values that break the column's own rule, and what is allowed."""
    if column.type in ("id", "text"):
        allowed = "a value is required"
        if column.pattern:
            bad = ~values.fullmatch(column.pattern)
            allowed = (
                "an identifier of 1-64 letters, digits, '_' or '-'"
                if column.pattern == ID_PATTERN
                else f"a name matching {column.pattern}"
            )
        else:
            bad = values.blank()
            if column.type == "text":
                too_long = values.each(lambda v: len(v) > 10_000)
                bad = bad | too_long
                allowed = "non-empty text of at most 10,000 characters"
    elif column.type == "code":
        bad = ~values.one_of(column.allowed)
        allowed = allowed_list(column.allowed)
    elif column.type == "date":
        bad = ~valid_dates(values)
        allowed = "a date written YYYY-MM-DD"
    elif column.type == "bool":
        bad = ~values.each(lambda v: v.lower() in _BOOL)
        allowed = "true or false"
    elif column.type == "int":
        bad = ~values.fullmatch(_INT.pattern)
        allowed = "a whole number ≥ 0"
    elif column.type == "number":
        numbers = pd.to_numeric(values.text(), errors="coerce")
        size = numbers.abs()
        # Bounded both ways: above 1e15 a float loses whole units, and a target a hair
        # above its baseline (1e-320) makes an achievement no float holds (inf).
        bad = (numbers.isna() | ~size.lt(1e15) | (size.gt(0) & size.lt(1e-9))).to_numpy(dtype=bool)
        allowed = "a number (0, or between 1e-9 and 1e15 in size)"
    else:  # period
        bad = ~values.each(is_canonical)
        allowed = "a period written YYYY, YYYYH1, YYYYQ1…Q4 or YYYY-MM"
    if column.nullable:
        bad = bad & ~values.blank()
        allowed += " or empty (= false)" if column.type == "bool" else " or empty"
    return bad, allowed


Valid = dict[str, Mask]  # column -> rows whose value passed the column's own rule


def check_columns(t: TableCheck, table: Table) -> tuple[list[Problem], Valid]:
    """Per-column checks; returns problems and, per column, the rows that passed."""
    problems: list[Problem] = []
    valid: Valid = {}
    for column in table.columns:
        if column.name not in t:
            valid[column.name] = t.none()
            if column.required:
                near = t.spelled_like(column.name)
                problems.append(
                    Problem(
                        t.source,
                        1,
                        column.name,
                        near,
                        (
                            f"rename the column {column.name!r}: names are written exactly, in"
                            " lower case with _"
                            if near is not None
                            else "required column is missing"
                        )
                        + "; expected columns: "
                        + ", ".join(c.name for c in table.columns if c.required),
                    )
                )
            continue
        values = t[column.name]
        bad_values, allowed = _column_verdict(column, values)
        bad = values.rows(bad_values)
        problems += t.problems(bad, column.name, allowed)
        valid[column.name] = ~bad
    return problems, valid


def ok(valid: Valid, *names: str) -> Mask:
    """Rows where every named column holds a valid value."""
    mask = valid[names[0]]
    for name in names[1:]:
        mask = mask & valid[name]
    return mask


def first_occurrences(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For rows keyed by ``codes`` (all in ``range(size)``): is each row the first with its
    key, and the position of the first row sharing each row's key."""
    n = len(codes)
    if size <= 4 * n + 16 and np.bincount(codes, minlength=size).max(initial=0) <= 1:
        return np.ones(n, dtype=bool), np.arange(n)  # every key appears once
    order, _ = pd.factorize(codes)  # numbered in order of first appearance
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    seen_before = np.maximum.accumulate(order)
    first = np.empty(n, dtype=bool)
    first[0] = True
    first[1:] = order[1:] > seen_before[:-1]
    return first, np.flatnonzero(first)[order]


def duplicates(
    t: TableCheck,
    key: tuple[str, ...],
    override: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[Problem]:
    """One problem per row whose ``key`` values repeat an earlier row's.

    ``override`` gives (distinct values, codes) for key columns to compare otherwise
    (e.g. an empty targets scope read as ``period``) or that the table lacks.
    """
    override = override or {}
    if not all(name in t or name in override for name in key):
        return []
    columns = [override.get(name) or (t[name].uniques, t[name].codes) for name in key]
    combined = columns[0][1].astype(np.int64)
    size = len(columns[0][0])
    for uniques, codes in columns[1:]:
        if size * len(uniques) >= 2**62:
            combined = pd.factorize(combined)[0].astype(np.int64)
            size = int(combined.max(initial=-1)) + 1
        combined = combined * len(uniques) + codes
        size *= len(uniques)
    first, first_of_row = first_occurrences(combined, size)
    dup = np.flatnonzero(~first)
    if len(dup) == 0:
        return []
    label = key[0] if len(key) == 1 else " + ".join(key)
    parts = [uniques[codes[dup]] for uniques, codes in columns]
    first_rows = t.rows[first_of_row[dup]]
    return [
        Problem(
            t.source,
            int(t.rows[i]),
            key[0],
            "/".join(map(str, values)),
            f"{label} must be unique: same as row {int(row)}",
        )
        for i, row, *values in zip(dup, first_rows, *parts, strict=True)
    ]


def counts(t: TableCheck, valid: Valid, name: str) -> np.ndarray:
    """A count column as float per row, NaN where its value is not valid."""
    column = t[name]
    numbers = pd.to_numeric(column.text(), errors="coerce").to_numpy(dtype=np.float64)
    return np.where(valid[name], numbers[column.codes], np.nan)


def _codes_in(t: TableCheck, other: TableCheck, name: str) -> tuple[np.ndarray, int]:
    """Per row of ``t``: the code of its ``name`` value among ``other``'s distinct values
    (-1 when ``other`` has no such value), and how many distinct values ``other`` has."""
    mine, theirs = t[name], other[name]
    if mine.uniques is theirs.uniques:  # factorised together: codes are shared
        return mine.codes.astype(np.int64), len(theirs.uniques)
    found = pd.Index(theirs.uniques).get_indexer(mine.uniques)
    return found[mine.codes].astype(np.int64), len(theirs.uniques)


def referable(t: TableCheck, other: TableCheck | None, key: tuple[str, ...]) -> bool:
    """Whether rows of ``t`` can be looked up in ``other`` by ``key``: both tables were
    read and have the key's columns. When not, the missing or unreadable table (or
    column) is the problem, reported once, not each row that refers to it."""
    return other is not None and all(k in t and k in other for k in key)


def matching_rows(
    t: TableCheck,
    valid: Valid,
    other: TableCheck | None,
    other_valid: Valid | None,
    key: tuple[str, ...],
) -> np.ndarray:
    """Per row of ``t``: the position of the first row of ``other`` with the same values in
    the ``key`` columns (rows of either side with an invalid key value are never matched);
    -1 where there is none."""
    if other_valid is None or not referable(t, other, key):
        return np.full(t.n, -1, dtype=np.int64)
    mine = np.zeros(t.n, dtype=np.int64)
    theirs = np.zeros(other.n, dtype=np.int64)
    missing = np.zeros(t.n, dtype=bool)
    total = 1
    for name in key:
        codes, size = _codes_in(t, other, name)
        missing |= codes < 0
        mine = mine * size + np.maximum(codes, 0)
        theirs = theirs * size + other[name].codes
        total *= size
    usable = np.flatnonzero(ok(other_valid, *key))
    if len(usable) == 0:
        return np.full(t.n, -1, dtype=np.int64)
    position = first_row_of_key(theirs[usable], usable, mine, total)
    return np.where(missing | ~ok(valid, *key), -1, position)


def values_at(t: TableCheck, name: str, position: np.ndarray) -> np.ndarray:
    """The text of column ``name`` of ``t`` at row positions ``position`` ("" where -1)."""
    if name not in t or t.n == 0:
        return np.full(len(position), "", dtype=object)
    column = t[name]
    text = column.uniques[column.codes[np.maximum(position, 0)]]
    return np.where(position >= 0, text, "")


def one_of_at(t: TableCheck, name: str, allowed: Iterable[str], position: np.ndarray) -> Mask:
    """Per position: is column ``name`` of ``t`` at row ``position`` one of ``allowed``
    (False where the position is -1 or the column is missing)."""
    if name not in t or t.n == 0:
        return np.zeros(len(position), dtype=bool)
    return t.one_of(name, allowed)[np.maximum(position, 0)] & (position >= 0)


def same_at(t: TableCheck, other: TableCheck, name: str, position: np.ndarray) -> Mask:
    """Per row of ``t``: is its ``name`` the same text as ``other``'s at row ``position``
    (False where the position is -1)? Compared by codes, without the text."""
    codes, _ = _codes_in(t, other, name)
    theirs = other[name].codes[np.maximum(position, 0)]
    return (codes == theirs) & (codes >= 0) & (position >= 0)
