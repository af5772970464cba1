"""Lazy validation: check a whole data package and return every problem at once.

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
from wbreport.frames import Distinct as _Distinct
from wbreport.frames import RawTable
from wbreport.frames import factorize_together as _factorize_together
from wbreport.partners import NATIONAL_CODES, REGION
from wbreport.periods import is_canonical
from wbreport.rawpackage import RawPackage
from wbreport.schema import INDICATORS, MODULE_TYPES, TABLES, Column, Table

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"\d{1,9}")
_BOOL = {"true", "false"}
# A pattern made of one character class repeated {m,n} times, e.g. [A-Za-z0-9_-]{1,64}.
_CLASS_REPEAT = re.compile(r"(\[[^\]\\]+\])\{(\d+),(\d+)\}")

Mask = np.ndarray  # one bool per row of a raw table


class _Column:
    """One text column of a raw table: its distinct values and, per row, a code into them.

    Results per distinct value are memoised in the shared ``memo`` (columns factorised
    together, such as the two ``activity_id`` columns, check each value once).
    """

    def __init__(self, distinct: _Distinct) -> None:
        self.uniques, self.codes, self.memo = distinct.uniques, distinct.codes, distinct.memo

    def each(self, test: Callable[[str], object]) -> np.ndarray:
        """``bool(test(value))`` for every distinct value."""
        return np.fromiter(map(test, self.uniques), dtype=bool, count=len(self.uniques))

    def rows(self, verdict: np.ndarray) -> Mask:
        """Per row, the verdict given to the row's distinct value."""
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


class _Table:
    """A raw table with its columns factorised on first use."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.source = raw.source
        self.rows = raw.frame.index.to_numpy()
        self.n = len(raw.frame)
        self._columns: dict[str, _Column] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.raw.frame.columns

    def __getitem__(self, name: str) -> _Column:
        if name not in self._columns:
            self._columns[name] = _Column(self.raw._factors(name))
        return self._columns[name]

    def none(self) -> Mask:
        return np.zeros(self.n, dtype=bool)

    def equals(self, name: str, value: str) -> Mask:
        if name not in self:
            return self.none()
        column = self[name]
        return column.rows(column.uniques == value)

    def one_of(self, name: str, allowed: Iterable[str]) -> Mask:
        if name not in self:
            return self.none()
        column = self[name]
        return column.rows(column.one_of(allowed))

    def blank(self, name: str) -> Mask:
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


def _allowed_list(values: Iterable[str]) -> str:
    return "one of " + ", ".join(values)


def _valid_dates(column: _Column) -> np.ndarray:
    """Per distinct value: a real calendar date written YYYY-MM-DD.

    The parsed dates are kept (as datetime64, NaT where invalid) in the column's memo.
    """
    shape = column.fullmatch(_DATE.pattern)
    values = column.text()
    parsed = pd.to_datetime(values.where(shape, None), format="%Y-%m-%d", errors="coerce")
    column.memo["dates"] = parsed.to_numpy(dtype="datetime64[D]")
    return shape & parsed.notna().to_numpy()


def _column_verdict(column: Column, values: _Column) -> tuple[np.ndarray, str]:
    """Distinct values that break the column's own rule, and what is allowed."""
    if column.type in ("id", "text"):
        allowed = "a value is required"
        if column.pattern:
            bad = ~values.fullmatch(column.pattern)
            allowed = "an identifier of 1-64 letters, digits, '_' or '-'"
        else:
            bad = values.blank()
            if column.type == "text":
                too_long = values.each(lambda v: len(v) > 10_000)
                bad = bad | too_long
                allowed = "non-empty text of at most 10,000 characters"
    elif column.type == "code":
        bad = ~values.one_of(column.allowed)
        allowed = _allowed_list(column.allowed)
    elif column.type == "date":
        bad = ~_valid_dates(values)
        allowed = "a date written YYYY-MM-DD"
    elif column.type == "bool":
        bad = ~values.each(lambda v: v.lower() in _BOOL)
        allowed = "true or false (empty means false)"
    elif column.type == "int":
        bad = ~values.fullmatch(_INT.pattern)
        allowed = "a whole number ≥ 0"
    elif column.type == "number":
        numbers = pd.to_numeric(values.text(), errors="coerce")
        bad = (numbers.isna() | ~numbers.abs().lt(1e15)).to_numpy(dtype=bool)
        allowed = "a number"
    else:  # period
        bad = ~values.each(is_canonical)
        allowed = "a period written YYYY, YYYYH1, YYYYQ1…Q4 or YYYY-MM"
    if column.nullable:
        bad = bad & ~values.blank()
        allowed += " or empty"
    return bad, allowed


Valid = dict[str, Mask]  # column -> rows whose value passed the column's own rule


def _check_columns(t: _Table, table: Table) -> tuple[list[Problem], Valid]:
    """Per-column checks; returns problems and, per column, the rows that passed."""
    problems: list[Problem] = []
    valid: Valid = {}
    for column in table.columns:
        if column.name not in t:
            valid[column.name] = t.none()
            if column.required:
                problems.append(
                    Problem(
                        t.source,
                        1,
                        column.name,
                        None,
                        "required column is missing; expected columns: "
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


def _ok(valid: Valid, *names: str) -> Mask:
    """Rows where every named column holds a valid value."""
    mask = valid[names[0]]
    for name in names[1:]:
        mask = mask & valid[name]
    return mask


def _first_occurrences(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
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


def _duplicates(t: _Table, key: tuple[str, ...]) -> list[Problem]:
    if not all(name in t for name in key):
        return []
    combined = t[key[0]].codes.astype(np.int64)
    size = len(t[key[0]].uniques)
    for name in key[1:]:
        column = t[name]
        if size * len(column.uniques) >= 2**62:
            combined = pd.factorize(combined)[0].astype(np.int64)
            size = int(combined.max(initial=-1)) + 1
        combined = combined * len(column.uniques) + column.codes
        size *= len(column.uniques)
    first, first_of_row = _first_occurrences(combined, size)
    dup = np.flatnonzero(~first)
    if len(dup) == 0:
        return []
    label = key[0] if len(key) == 1 else " + ".join(key)
    parts = [t[name].uniques[t[name].codes[dup]] for name in key]
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


def _check_activities(t: _Table, valid: Valid) -> list[Problem]:
    out: list[Problem] = []
    if "module" in t:
        missing = _ok(valid, "type") & t.one_of("type", MODULE_TYPES) & t.blank("module")
        out += t.problems(
            missing, "module", "a module is required for training and train_the_trainers"
        )
    both = _ok(valid, "scope", "partner")
    national = both & t.equals("scope", "national") & ~t.one_of("partner", NATIONAL_CODES)
    out += t.problems(
        national, "partner", "a national activity needs one of " + ", ".join(NATIONAL_CODES)
    )
    regional = both & t.equals("scope", "regional") & ~t.equals("partner", REGION)
    out += t.problems(regional, "partner", "a regional activity has partner WB")
    dates = _ok(valid, "start_date", "end_date")
    if dates.any():
        start, end = t["start_date"].memo["dates"], t["end_date"].memo["dates"]
        with np.errstate(invalid="ignore"):
            before = dates & (end[t["end_date"].codes] < start[t["start_date"].codes])
        out += t.problems(before, "end_date", "end_date must be on or after start_date")
    return out


def _counts(t: _Table, valid: Valid, name: str) -> np.ndarray:
    """A count column as float per row, NaN where its value is not valid."""
    column = t[name]
    numbers = pd.to_numeric(column.text(), errors="coerce").to_numpy(dtype=np.float64)
    return np.where(valid[name], numbers[column.codes], np.nan)


def _check_participation(
    t: _Table, valid: Valid, a: _Table | None, act_valid: Valid | None
) -> list[Problem]:
    out: list[Problem] = []
    counts = {
        c: _counts(t, valid, c) for c in ("participants", "women", "certified_trainers") if c in t
    }
    if "participants" in counts:
        with np.errstate(invalid="ignore"):
            for name in ("women", "certified_trainers"):
                if name in counts:
                    over = counts[name] > counts["participants"]  # False where either is NaN
                    out += t.problems(
                        over, name, f"{name} must be between 0 and participants of the same row"
                    )
    if a is None or act_valid is None or "activity_id" not in a or "activity_id" not in t:
        return out
    # Each participation row -> position of the first activity row with that (valid) id.
    a_ids, ids = a["activity_id"], t["activity_id"]
    valid_rows = np.flatnonzero(_ok(act_valid, "activity_id"))
    first, _ = _first_occurrences(a_ids.codes[valid_rows], len(a_ids.uniques))
    first_row = np.full(len(a_ids.uniques), -1, dtype=np.int64)
    first_row[a_ids.codes[valid_rows[first]]] = valid_rows[first]
    if ids.uniques is a_ids.uniques:  # factorised together: codes are shared
        position = first_row[ids.codes]
    else:
        found = pd.Index(a_ids.uniques).get_indexer(ids.uniques)
        position = np.where(found >= 0, first_row[found], -1)[ids.codes]
    ids_ok = _ok(valid, "activity_id")
    known = ids_ok & (position >= 0)
    out += t.problems(
        ids_ok & ~known, "activity_id", "must be an activity_id of the activities table"
    )
    if not known.any():
        return out
    at = np.where(known, position, 0)  # row of the activity (ignored where not known)
    if "scope" in a and "partner" in a:
        scope, a_partner = a["scope"], a["partner"]
        national = scope.rows(scope.uniques == "national")[at]
        if "partner" in t:
            partner = t["partner"]
            same = pd.Index(a_partner.uniques).get_indexer(partner.uniques)[partner.codes]
            wrong = known & _ok(valid, "partner") & national & (same != a_partner.codes[at])

            def expected(i: int) -> str:
                return (
                    "for a national activity the partner must be the activity's partner "
                    f"({a_partner.uniques[a_partner.codes[at[i]]]})"
                )

            out += t.problems(wrong, "partner", expected)
    if "certified_trainers" in counts and "type" in a:
        kind = a["type"]
        ttt = kind.rows(kind.uniques == "train_the_trainers")[at]
        with np.errstate(invalid="ignore"):
            stray = known & ~ttt & (counts["certified_trainers"] > 0)
        out += t.problems(
            stray, "certified_trainers", "must be 0 unless the activity type is train_the_trainers"
        )
    return out


def _dated_status(t: _Table, valid: Valid, status: str, date_col: str) -> list[Problem]:
    if date_col not in t:
        return []
    status_ok = _ok(valid, "status")
    is_status = status_ok & t.equals("status", status)
    has_date = ~t.blank(date_col) & status_ok
    return t.problems(
        is_status & ~has_date, date_col, f"required when status is {status}"
    ) + t.problems(~is_status & has_date, date_col, f"must be empty unless status is {status}")


def _declared_names(tables: dict[str, _Table]) -> set[str]:
    """Indicator names a package may use: the built-ins and its declared custom ones."""
    names = set(INDICATORS)
    definitions = tables.get("indicator_definitions")
    if definitions is not None and "indicator" in definitions:
        names |= set(definitions["indicator"].text().dropna())
    return names


def _check_indicator_names(t: _Table, known: set[str]) -> list[Problem]:
    if "indicator" not in t:
        return []
    column = t["indicator"]
    unknown = column.rows(~np.isin(column.uniques, list(known))) & ~t.blank("indicator")
    return t.problems(
        unknown,
        "indicator",
        "unknown indicator; allowed: "
        + ", ".join(INDICATORS)
        + " or a custom indicator declared in indicator_definitions",
    )


def validate_raw(pkg: RawPackage) -> list[Problem]:
    """Every problem of the package: reading, columns, values and cross-table rules."""
    problems = list(pkg.problems)
    valid: dict[str, Valid] = {}
    tables: dict[str, _Table] = {}
    act, part = pkg.tables.get("activities"), pkg.tables.get("participation")
    if (
        act is not None
        and part is not None
        and "activity_id" in act.frame.columns
        and "activity_id" in part.frame.columns
    ):
        _factorize_together([(act, "activity_id"), (part, "activity_id")])
    for table in TABLES:
        raw = pkg.tables.get(table.name)
        if raw is None:
            continue
        t = tables[table.name] = _Table(raw)
        found, valid[table.name] = _check_columns(t, table)
        problems += found
        for key in table.unique:
            problems += _duplicates(t, key)
    if "activities" in tables:
        problems += _check_activities(tables["activities"], valid["activities"])
    if "participation" in tables:
        problems += _check_participation(
            tables["participation"],
            valid["participation"],
            tables.get("activities"),
            valid.get("activities"),
        )
    if "milestones" in tables:
        problems += _dated_status(
            tables["milestones"], valid["milestones"], "achieved", "achieved_date"
        )
    if "tools" in tables:
        problems += _dated_status(tables["tools"], valid["tools"], "published", "published_date")
    if "targets" in tables:
        problems += _check_indicator_names(tables["targets"], _declared_names(tables))
    order = {t.name: i for i, t in enumerate(TABLES)}
    return sorted(
        problems,
        key=lambda p: (
            order.get(p.source.split("[")[-1].rstrip("]").removesuffix(".csv"), 99),
            p.row or 0,
        ),
    )
