"""Cross-table rules of the training-evaluation tables (SPEC §8), checked lazily.

``evaluations`` and ``followups`` rows must name a delivered activity of an evaluated
type (training, train_the_trainers, workshop) and a (activity_id, partner) row of
participation; their counts are bounded by that row's participants and by each other;
scores lie in 0–100 and are given exactly when someone was tested; a follow-up survey is
dated on or after the activity's end. Every rule is vectorised over the factorised
columns of :mod:`wbreport.validate_table`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from wbreport.errors import Problem
from wbreport.schema import EVALUATED_TYPES
from wbreport.validate_table import (
    Mask,
    TableCheck,
    Valid,
    counts,
    matching_rows,
    ok,
    one_of_at,
    referable,
    values_at,
)

Tables = dict[str, TableCheck]
Valids = dict[str, Valid]
SATISFACTION = tuple(f"satisfaction_{k}" for k in range(1, 6))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _over(
    t: TableCheck, column: str, value: np.ndarray, limit: np.ndarray, what: str
) -> list[Problem]:
    """Rows where ``value`` > ``limit`` (both known), naming ``column``."""
    with np.errstate(invalid="ignore"):
        bad = value > limit  # False where either is NaN

    def allowed(i: int) -> str:
        return f"must be between 0 and {what} ({_number(limit[i])})"

    return t.problems(bad, column, allowed)


def _activity_rules(
    t: TableCheck, valid: Valid, tables: Tables, valids: Valids
) -> tuple[list[Problem], np.ndarray]:
    """The row's activity exists, is delivered and of an evaluated type; returns the
    problems and, per row, the position of the activity (-1 when unknown)."""
    a = tables.get("activities")
    at = matching_rows(t, valid, a, valids.get("activities"), ("activity_id",))
    if a is None or not referable(t, a, ("activity_id",)):
        return [], at
    ids_ok = ok(valid, "activity_id")
    out = t.problems(ids_ok & (at < 0), "activity_id", "must be an activity_id of activities")

    def text(name: str, i: int) -> str:
        return str(values_at(a, name, at[i : i + 1])[0])

    known = at >= 0
    not_delivered = known & ("status" in a) & ~one_of_at(a, "status", ("delivered", ""), at)
    out += t.problems(
        not_delivered,
        "activity_id",
        lambda i: f"an activity with status delivered (this one is {text('status', i)})",
    )
    not_evaluated = known & ("type" in a) & ~one_of_at(a, "type", (*EVALUATED_TYPES, ""), at)
    out += t.problems(
        not_evaluated,
        "activity_id",
        lambda i: (
            "an activity of type "
            + ", ".join(EVALUATED_TYPES)
            + f" (this one is {text('type', i)})"
        ),
    )
    return out, at


def _participants(
    t: TableCheck, valid: Valid, tables: Tables, valids: Valids, at: np.ndarray
) -> tuple[list[Problem], np.ndarray]:
    """The (activity_id, partner) row of participation exists; returns the problems and
    per row that participation row's participants (NaN when unknown)."""
    part = tables.get("participation")
    key = ("activity_id", "partner")
    row = matching_rows(t, valid, part, valids.get("participation"), key)
    missing = (at >= 0) & ok(valid, "partner") & (row < 0) & referable(t, part, key)
    out = t.problems(
        missing,
        "partner",
        lambda i: (
            "a partner with a participation row for activity "
            + str(values_at(t, "activity_id", np.array([i]))[0])
        ),
    )
    if part is None or "participants" not in part or part.n == 0:
        return out, np.full(t.n, np.nan)
    people = counts(part, valids["participation"], "participants")
    return out, np.where(row >= 0, people[np.maximum(row, 0)], np.nan)


def _numbers(t: TableCheck, valid: Valid, *names: str) -> dict[str, np.ndarray]:
    return {name: counts(t, valid, name) if name in t else np.full(t.n, np.nan) for name in names}


def _score(
    t: TableCheck, valid: Valid, score: str, count: str, tested: np.ndarray
) -> list[Problem]:
    """A mean score lies in 0–100, is given when ``count`` > 0 and empty when it is 0."""
    if score not in t:
        return []
    column = t[score]
    numbers = pd.to_numeric(column.text(), errors="coerce").to_numpy(dtype=np.float64)
    value = np.where(valid[score], numbers[column.codes], np.nan)
    blank = t.blank(score)
    with np.errstate(invalid="ignore"):
        outside = (value < 0) | (value > 100)
        needed = blank & (tested > 0)
        stray = ~blank & (tested == 0)
    return (
        t.problems(outside, score, "a mean score between 0 and 100")
        + t.problems(needed, score, f"a mean score (0–100) is required when {count} > 0")
        + t.problems(stray, score, f"must be empty when {count} is 0")
    )


def check_evaluations(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    """Every cross-column and cross-table rule of ``evaluations`` (SPEC §8)."""
    out, at = _activity_rules(t, valid, tables, valids)
    found, participants = _participants(t, valid, tables, valids, at)
    out += found
    n = _numbers(t, valid, "respondents", "useful", "pre_tested", "post_tested", "passed")
    sat = _numbers(t, valid, *SATISFACTION)
    out += _over(t, "respondents", n["respondents"], participants, "participants of the row")
    total = np.sum(np.stack(list(sat.values())), axis=0)
    with np.errstate(invalid="ignore"):
        unequal = total != n["respondents"]
    unequal &= ~np.isnan(total) & ~np.isnan(n["respondents"])

    def sums(i: int) -> str:
        added = _number(total[i])
        return f"satisfaction_1 … satisfaction_5 add up to respondents (they add up to {added})"

    out += t.problems(unequal, "respondents", sums)
    out += _over(t, "useful", n["useful"], n["respondents"], "respondents")
    out += _over(t, "pre_tested", n["pre_tested"], participants, "participants of the row")
    out += _over(t, "post_tested", n["post_tested"], participants, "participants of the row")
    out += _over(t, "passed", n["passed"], n["post_tested"], "post_tested")
    out += _score(t, valid, "pre_score_mean", "pre_tested", n["pre_tested"])
    out += _score(t, valid, "post_score_mean", "post_tested", n["post_tested"])
    return out


def _survey_before_end(
    t: TableCheck, valid: Valid, a: TableCheck | None, at: np.ndarray
) -> list[Problem]:
    if a is None or a.n == 0 or "end_date" not in a or "survey_date" not in t:
        return []
    ends = a["end_date"].memo.get("dates")
    surveys = t["survey_date"].memo.get("dates")
    if ends is None or surveys is None:
        return []
    end = np.where(at >= 0, ends[a["end_date"].codes[np.maximum(at, 0)]], np.datetime64("NaT"))
    survey = np.where(valid["survey_date"], surveys[t["survey_date"].codes], np.datetime64("NaT"))
    early: Mask = survey < end  # NaT compares False
    shown: Callable[[int], str] = lambda i: f"on or after the activity's end_date ({end[i]})"  # noqa: E731
    return t.problems(early, "survey_date", shown)


def check_followups(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    """Every cross-column and cross-table rule of ``followups`` (SPEC §8)."""
    out, at = _activity_rules(t, valid, tables, valids)
    found, participants = _participants(t, valid, tables, valids, at)
    out += found
    out += _survey_before_end(t, valid, tables.get("activities"), at)
    n = _numbers(t, valid, "respondents", "applying")
    out += _over(t, "respondents", n["respondents"], participants, "participants of the row")
    out += _over(t, "applying", n["applying"], n["respondents"], "respondents")
    return out


__all__ = ["check_evaluations", "check_followups"]
