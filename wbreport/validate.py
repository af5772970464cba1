"""Lazy validation: check a whole data package and return every problem at once."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from wbreport.errors import Problem
from wbreport.io import RawPackage, RawTable
from wbreport.partners import NATIONAL_CODES, REGION
from wbreport.periods import is_canonical
from wbreport.schema import LOWER_IS_BETTER, MODULE_TYPES, TABLES, Column, Table

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = r"\d{1,9}"
_BOOL = {"true", "false"}


def _problems(
    raw: RawTable, mask: pd.Series, column: str, allowed: str, values: pd.Series | None = None
) -> list[Problem]:
    """One problem per row where ``mask`` holds, naming the column and its value."""
    rows = mask[mask].index
    if len(rows) == 0:
        return []
    shown = (values if values is not None else raw.frame[column]).loc[rows]
    return [Problem(raw.source, int(r), column, str(v), allowed) for r, v in zip(rows, shown, strict=True)]


def _allowed_list(values: Iterable[str]) -> str:
    return "one of " + ", ".join(values)


def _valid_dates(values: pd.Series) -> pd.Series:
    shape = values.str.fullmatch(_DATE.pattern)
    parsed = pd.to_datetime(values.where(shape, None), format="%Y-%m-%d", errors="coerce")
    return shape & parsed.notna()


def _column_mask(column: Column, values: pd.Series) -> tuple[pd.Series, str]:
    """Rows whose value breaks the column's own rule, and what is allowed."""
    empty = values.str.strip() == ""
    if column.type in ("id", "text"):
        bad = empty.copy()
        allowed = "a value is required"
        if column.pattern:
            bad = ~values.str.fullmatch(column.pattern)
            allowed = "an identifier of 1-64 letters, digits, '_' or '-'"
        elif column.type == "text":
            too_long = values.str.len() > 10_000
            bad = bad | too_long
            allowed = "non-empty text of at most 10,000 characters"
    elif column.type == "code":
        bad = ~values.isin(column.allowed)
        allowed = _allowed_list(column.allowed)
    elif column.type == "date":
        bad = ~_valid_dates(values)
        allowed = "a date written YYYY-MM-DD"
    elif column.type == "bool":
        bad = ~values.str.lower().isin(_BOOL)
        allowed = "true or false (empty means false)"
    elif column.type == "int":
        bad = ~values.str.fullmatch(_INT)
        allowed = "a whole number ≥ 0"
    elif column.type == "number":
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() | ~numbers.abs().lt(1e15)
        allowed = "a number"
    else:  # period
        bad = ~values.map(is_canonical).astype(bool)
        allowed = "a period written YYYY, YYYYH1, YYYYQ1…Q4 or YYYY-MM"
    if column.nullable:
        bad = bad & ~empty
        allowed += " or empty"
    return bad.astype(bool), allowed


Valid = dict[str, pd.Series]  # column -> rows whose value passed the column's own rule


def _check_columns(raw: RawTable, table: Table) -> tuple[list[Problem], Valid]:
    """Per-column checks; returns problems and, per column, the rows that passed."""
    problems: list[Problem] = []
    valid: Valid = {}
    present = set(raw.frame.columns)
    for column in table.columns:
        if column.name not in present:
            valid[column.name] = pd.Series(False, index=raw.frame.index)
            if column.required:
                problems.append(
                    Problem(raw.source, 1, column.name, None,
                            "required column is missing; expected columns: "
                            + ", ".join(c.name for c in table.columns if c.required))
                )
            continue
        values = raw.frame[column.name].astype(str)
        bad, allowed = _column_mask(column, values)
        problems += _problems(raw, bad, column.name, allowed)
        valid[column.name] = ~bad
    return problems, valid


def _ok(valid: Valid, *names: str) -> pd.Series:
    """Rows where every named column holds a valid value."""
    mask = valid[names[0]]
    for name in names[1:]:
        mask = mask & valid[name]
    return mask


def _duplicates(raw: RawTable, key: tuple[str, ...]) -> list[Problem]:
    frame = raw.frame
    if not set(key) <= set(frame.columns):
        return []
    dup = frame.duplicated(list(key), keep="first")
    if not dup.any():
        return []
    first = frame[frame.duplicated(list(key), keep=False) & ~dup]
    first_row = {tuple(r): int(i) for i, r in
                 zip(first.index, first[list(key)].itertuples(index=False), strict=True)}
    label = key[0] if len(key) == 1 else " + ".join(key)
    return [
        Problem(raw.source, int(i), key[0], "/".join(map(str, r)),
                f"{label} must be unique: same as row {first_row[tuple(r)]}")
        for i, r in zip(frame.index[dup], frame.loc[dup, list(key)].itertuples(index=False), strict=True)
    ]


def _check_activities(raw: RawTable, valid: Valid) -> list[Problem]:
    f = raw.frame
    out: list[Problem] = []
    if "module" in f.columns:
        missing = _ok(valid, "type") & f["type"].isin(MODULE_TYPES) & (f["module"].str.strip() == "")
        out += _problems(raw, missing, "module", "a module is required for training and train_the_trainers")
    both = _ok(valid, "scope", "partner")
    national = both & (f["scope"] == "national") & ~f["partner"].isin(NATIONAL_CODES)
    out += _problems(raw, national, "partner",
                     "a national activity needs one of " + ", ".join(NATIONAL_CODES))
    regional = both & (f["scope"] == "regional") & (f["partner"] != REGION)
    out += _problems(raw, regional, "partner", "a regional activity has partner WB")
    dates = _ok(valid, "start_date", "end_date")
    before = dates & (f["end_date"] < f["start_date"])  # ISO dates compare correctly as text
    out += _problems(raw, before, "end_date", "end_date must be on or after start_date")
    return out


def _check_participation(raw: RawTable, valid: Valid, activities: RawTable | None,
                         act_valid: Valid | None) -> list[Problem]:
    f = raw.frame
    out: list[Problem] = []
    counts = {c: pd.to_numeric(f[c].where(valid[c]), errors="coerce")
              for c in ("participants", "women", "certified_trainers") if c in f.columns}
    if "participants" in counts:
        for name in ("women", "certified_trainers"):
            if name in counts:
                over = (counts[name] > counts["participants"]).fillna(False).astype(bool)
                out += _problems(raw, over, name,
                                 f"{name} must be between 0 and participants of the same row")
    if activities is None or act_valid is None or "activity_id" not in activities.frame.columns:
        return out
    a = activities.frame
    act = a[_ok(act_valid, "activity_id")].drop_duplicates("activity_id").set_index("activity_id")
    ids_ok = _ok(valid, "activity_id")
    known = ids_ok & f["activity_id"].isin(act.index)
    out += _problems(raw, ids_ok & ~known, "activity_id",
                     "must be an activity_id of the activities table")
    ids = f["activity_id"].where(known)
    if "scope" in act.columns and "partner" in act.columns:
        scope = ids.map(act["scope"])
        act_partner = ids.map(act["partner"])
        wrong = known & _ok(valid, "partner") & (scope == "national") & (f["partner"] != act_partner)
        out += [
            Problem(p.source, p.row, p.column, p.value,
                    f"for a national activity the partner must be the activity's partner "
                    f"({act_partner.loc[p.row]})")
            for p in _problems(raw, wrong, "partner", "")
        ]
    if "certified_trainers" in counts and "type" in act.columns:
        kind = ids.map(act["type"])
        stray = known & (kind != "train_the_trainers") & (counts["certified_trainers"] > 0)
        out += _problems(raw, stray.fillna(False).astype(bool), "certified_trainers",
                         "must be 0 unless the activity type is train_the_trainers")
    return out


def _dated_status(raw: RawTable, valid: Valid, status: str, date_col: str) -> list[Problem]:
    f = raw.frame
    if date_col not in f.columns:
        return []
    has_date = f[date_col].str.strip() != ""
    is_status = _ok(valid, "status") & (f["status"] == status)
    has_date = has_date & _ok(valid, "status")
    return _problems(raw, is_status & ~has_date, date_col, f"required when status is {status}") + \
        _problems(raw, ~is_status & has_date, date_col, f"must be empty unless status is {status}")


def _check_targets(raw: RawTable, valid: Valid) -> list[Problem]:
    f = raw.frame
    if "indicator" not in f.columns:
        return []
    lower = f["indicator"].isin(LOWER_IS_BETTER)
    return _problems(raw, lower, "indicator",
                     "targets cannot be set for milestones_overdue (lower is better)")


def validate_raw(pkg: RawPackage) -> list[Problem]:
    """Every problem of the package: reading, columns, values and cross-table rules."""
    problems = list(pkg.problems)
    valid: dict[str, Valid] = {}
    for table in TABLES:
        raw = pkg.tables.get(table.name)
        if raw is None:
            continue
        found, valid[table.name] = _check_columns(raw, table)
        problems += found
        for key in table.unique:
            problems += _duplicates(raw, key)
    t = pkg.tables
    if "activities" in t:
        problems += _check_activities(t["activities"], valid["activities"])
    if "participation" in t:
        problems += _check_participation(
            t["participation"], valid["participation"], t.get("activities"), valid.get("activities")
        )
    if "milestones" in t:
        problems += _dated_status(t["milestones"], valid["milestones"], "achieved", "achieved_date")
    if "tools" in t:
        problems += _dated_status(t["tools"], valid["tools"], "published", "published_date")
    if "targets" in t:
        problems += _check_targets(t["targets"], valid["targets"])
    order = {t.name: i for i, t in enumerate(TABLES)}
    return sorted(
        problems,
        key=lambda p: (order.get(p.source.split("[")[-1].rstrip("]").removesuffix(".csv"), 99),
                       p.row or 0),
    )
