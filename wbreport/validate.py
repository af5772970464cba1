"""Lazy validation: check a whole data package and return every problem at once.

Column rules and uniqueness are checked by :mod:`wbreport.validate_table` once per
distinct value; the cross-table rules of SPEC §2 live here, those of §8 in
:mod:`wbreport.validate_evaluation` and those of §9 in :mod:`wbreport.validate_results`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wbreport.errors import Problem
from wbreport.frames import factorize_together
from wbreport.partners import NATIONAL_CODES, REGION
from wbreport.rawpackage import RawPackage
from wbreport.schema import MODULE_TYPES, TABLES
from wbreport.validate_evaluation import Tables, Valids, check_evaluations, check_followups
from wbreport.validate_results import (
    check_definitions,
    check_observations,
    check_results,
    check_targets,
)
from wbreport.validate_table import (
    TableCheck,
    Valid,
    check_columns,
    counts,
    duplicates,
    matching_rows,
    ok,
    one_of_at,
    referable,
    same_at,
    values_at,
)


def _check_activities(t: TableCheck, valid: Valid) -> list[Problem]:
    out: list[Problem] = []
    if "module" in t:
        missing = ok(valid, "type") & t.one_of("type", MODULE_TYPES) & t.blank("module")
        out += t.problems(
            missing, "module", "a module is required for training and train_the_trainers"
        )
    both = ok(valid, "scope", "partner")
    national = both & t.equals("scope", "national") & ~t.one_of("partner", NATIONAL_CODES)
    out += t.problems(
        national, "partner", "a national activity needs one of " + ", ".join(NATIONAL_CODES)
    )
    regional = both & t.equals("scope", "regional") & ~t.equals("partner", REGION)
    out += t.problems(regional, "partner", "a regional activity has partner WB")
    dates = ok(valid, "start_date", "end_date")
    if dates.any():
        start, end = t["start_date"].memo["dates"], t["end_date"].memo["dates"]
        with np.errstate(invalid="ignore"):
            before = dates & (end[t["end_date"].codes] < start[t["start_date"].codes])
        out += t.problems(before, "end_date", "end_date must be on or after start_date")
    return out


def _count_bounds(t: TableCheck, numbers: dict[str, np.ndarray]) -> list[Problem]:
    """women and certified_trainers are at most the row's participants."""
    out: list[Problem] = []
    if "participants" not in numbers:
        return out
    with np.errstate(invalid="ignore"):
        for name in ("women", "certified_trainers"):
            if name in numbers:
                over = numbers[name] > numbers["participants"]  # False where either is NaN
                out += t.problems(
                    over, name, f"{name} must be between 0 and participants of the same row"
                )
    return out


def _check_participation(
    t: TableCheck, valid: Valid, a: TableCheck | None, act_valid: Valid | None
) -> list[Problem]:
    numbers = {
        c: counts(t, valid, c) for c in ("participants", "women", "certified_trainers") if c in t
    }
    out = _count_bounds(t, numbers)
    if a is None or act_valid is None or not referable(t, a, ("activity_id",)):
        return out
    # Each participation row -> position of the first activity row with that (valid) id.
    at = matching_rows(t, valid, a, act_valid, ("activity_id",))
    known = at >= 0
    out += t.problems(
        ok(valid, "activity_id") & ~known,
        "activity_id",
        "must be an activity_id of the activities table",
    )
    if not known.any():
        return out
    if "scope" in a and "partner" in a and "partner" in t:
        national = one_of_at(a, "scope", ("national",), at)
        wrong = known & ok(valid, "partner") & national & ~same_at(t, a, "partner", at)
        out += t.problems(
            wrong,
            "partner",
            lambda i: (
                "for a national activity the partner must be the activity's partner"
                f" ({values_at(a, 'partner', at[i : i + 1])[0]})"
            ),
        )
    if "certified_trainers" in numbers and "type" in a:
        ttt = one_of_at(a, "type", ("train_the_trainers",), at)
        with np.errstate(invalid="ignore"):
            stray = known & ~ttt & (numbers["certified_trainers"] > 0)
        out += t.problems(
            stray, "certified_trainers", "must be 0 unless the activity type is train_the_trainers"
        )
    return out


def _dated_status(t: TableCheck, valid: Valid, status: str, date_col: str) -> list[Problem]:
    if date_col not in t:
        return []
    status_ok = ok(valid, "status")
    is_status = status_ok & t.equals("status", status)
    has_date = ~t.blank(date_col) & status_ok
    return t.problems(
        is_status & ~has_date, date_col, f"required when status is {status}"
    ) + t.problems(~is_status & has_date, date_col, f"must be empty unless status is {status}")


def _activities_rule(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    return _check_activities(t, valid)


def _participation_rule(
    t: TableCheck, valid: Valid, tables: Tables, valids: Valids
) -> list[Problem]:
    return _check_participation(t, valid, tables.get("activities"), valids.get("activities"))


def _milestones_rule(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    return _dated_status(t, valid, "achieved", "achieved_date")


def _tools_rule(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    return _dated_status(t, valid, "published", "published_date")


Rule = Callable[[TableCheck, Valid, Tables, Valids], list[Problem]]
#: Cross-column and cross-table rules per table, run after every column is checked.
RULES: dict[str, Rule] = {
    "activities": _activities_rule,
    "participation": _participation_rule,
    "milestones": _milestones_rule,
    "tools": _tools_rule,
    "targets": check_targets,
    "results": check_results,
    "indicator_definitions": check_definitions,
    "observations": check_observations,
    "evaluations": check_evaluations,
    "followups": check_followups,
}
# Tables whose activity_id is looked up in activities: factorised together, so that a
# row's activity is found by its code.
_ACTIVITY_KEYED = ("activities", "participation", "evaluations", "followups")


def _share_activity_ids(pkg: RawPackage) -> None:
    columns = [
        (raw, "activity_id")
        for name in _ACTIVITY_KEYED
        if (raw := pkg.tables.get(name)) is not None and "activity_id" in raw.frame.columns
    ]
    if len(columns) > 1:
        factorize_together(columns)


def validate_raw(pkg: RawPackage) -> list[Problem]:
    """Every problem of the package: reading, columns, values and cross-table rules.

    A cell that reading refused (a formula, an error value, a cell over the length limit)
    is named once: the checks of its value, which reading left empty or cannot judge,
    do not add a second problem on it.
    """
    problems: list[Problem] = []
    valid: Valids = {}
    tables: Tables = {}
    _share_activity_ids(pkg)
    for table in TABLES:
        raw = pkg.tables.get(table.name)
        if raw is None:
            continue
        t = tables[table.name] = TableCheck(raw)
        found, valid[table.name] = check_columns(t, table)
        problems += found
        if table.name != "targets":  # its scope rule: check_targets
            for key in table.unique:
                problems += duplicates(t, key)
    for name, rule in RULES.items():
        if name in tables:
            problems += rule(tables[name], valid[name], tables, valid)
    refused = {(p.source, p.row, p.column) for p in pkg.problems if p.row and p.column}
    problems = [*pkg.problems, *(p for p in problems if (p.source, p.row, p.column) not in refused)]
    order = {t.name: i for i, t in enumerate(TABLES)}
    return sorted(
        problems,
        key=lambda p: (
            order.get(p.source.split("[")[-1].rstrip("]").removesuffix(".csv"), 99),
            p.row or 0,
        ),
    )
