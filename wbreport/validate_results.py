"""Cross-table rules of the results framework (SPEC §9) and of targets, checked lazily.

``results`` form a hierarchy impact → outcome → output: a parent exists, is exactly one
level up and no chain of parents loops; the indicators measuring a result are built-in
or declared. ``indicator_definitions`` must not shadow a built-in name; ``observations``
only carry declared custom indicators; ``targets`` name a built-in or declared indicator
and are unique per (indicator, partner, period, scope) with an empty scope read as
``period``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport.errors import Problem
from wbreport.schema import INDICATORS
from wbreport.validate_table import Mask, TableCheck, Valid, duplicates, ok
from wbreport.validate_table import values_at as _values_at

Tables = dict[str, TableCheck]
Valids = dict[str, Valid]
_UP = {"outcome": "impact", "output": "outcome"}
_KNOWN = (
    "a built-in indicator (" + ", ".join(INDICATORS) + ") or one declared in indicator_definitions"
)


def declared(tables: Tables, valids: Valids) -> set[str]:
    """Custom indicator names validly declared in ``indicator_definitions``."""
    t = tables.get("indicator_definitions")
    if t is None or "indicator" not in t:
        return set()
    column = t["indicator"]
    good = ok(valids["indicator_definitions"], "indicator")
    return set(column.uniques[np.unique(column.codes[good])]) - set(INDICATORS)


def _unknown_names(t: TableCheck, column: str, known: set[str], allowed: str) -> list[Problem]:
    if column not in t:
        return []
    values = t[column]
    bad = values.rows(~np.isin(values.uniques, list(known))) & ~t.blank(column)
    return t.problems(bad, column, allowed)


def check_definitions(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    """A custom indicator must not take the name of a built-in one."""
    if "indicator" not in t:
        return []
    shadow = ok(valid, "indicator") & t.one_of("indicator", INDICATORS)
    return t.problems(shadow, "indicator", "a name that is not a built-in indicator")


def check_observations(
    t: TableCheck, valid: Valid, tables: Tables, valids: Valids
) -> list[Problem]:
    """Observations carry only custom indicators declared in indicator_definitions."""
    return _unknown_names(
        t,
        "indicator",
        declared(tables, valids),
        "a custom indicator declared in indicator_definitions",
    )


def check_targets(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    """Targets name known indicators and are unique with an empty scope read as period."""
    out = _unknown_names(t, "indicator", set(INDICATORS) | declared(tables, valids), _KNOWN)
    if "scope" in t:
        scope = t["scope"]
        text = np.where(t["scope"].blank() | (scope.uniques == "period"), "period", scope.uniques)
        uniques, remap = np.unique(text.astype(str), return_inverse=True)
        override = {"scope": (uniques.astype(object), remap[scope.codes])}
    else:
        override = {"scope": (np.array(["period"], dtype=object), np.zeros(t.n, dtype=np.int64))}
    return out + duplicates(t, ("indicator", "partner", "period", "scope"), override)


def _indicator_lists(t: TableCheck, known: set[str]) -> list[Problem]:
    """Every ``;``-separated name of ``indicators`` is known (per distinct value)."""
    if "indicators" not in t:
        return []
    column = t["indicators"]
    unknown = [
        [n for n in (part.strip() for part in value.split(";")) if n and n not in known]
        for value in column.uniques
    ]
    bad = column.rows(np.array([bool(u) for u in unknown], dtype=bool))

    def allowed(i: int) -> str:
        names = ", ".join(unknown[column.codes[i]])
        return f"';'-separated names of indicators; unknown: {names}; allowed: {_KNOWN}"

    return t.problems(bad, "indicators", allowed)


def _cycles(parent: np.ndarray) -> Mask:
    """Rows whose chain of parents never ends (pointer doubling: log2(n) array steps)."""
    ancestor = parent.copy()
    steps = 1
    while steps <= len(parent):
        ancestor = np.where(ancestor >= 0, ancestor[np.maximum(ancestor, 0)], -1)
        steps *= 2
    return ancestor >= 0


def check_results(t: TableCheck, valid: Valid, tables: Tables, valids: Valids) -> list[Problem]:
    """Parents exist, are exactly one level up, never loop; indicators are known."""
    out = _indicator_lists(t, set(INDICATORS) | declared(tables, valids))
    if "parent_id" not in t or "result_id" not in t:
        return out
    given = ~t.blank("parent_id")
    parent = _parents(t, valid)
    out += t.problems(given & (parent < 0), "parent_id", "empty or the result_id of another result")
    level = _values_at(t, "level", np.arange(t.n))
    parent_level = _values_at(t, "level", parent)
    expected = np.array([_UP.get(v, "") for v in level], dtype=object)
    levels_ok = ok(valid, "level")
    wrong = given & (parent >= 0) & levels_ok & (parent_level != expected) & (parent_level != "")

    def one_up(i: int) -> str:
        if level[i] == "impact":
            return "empty: an impact has no parent"
        return (
            f"a result of level {expected[i]}, one level up from {level[i]} "
            f"(this one is {parent_level[i]})"
        )

    out += t.problems(wrong, "parent_id", one_up)
    looping = _cycles(np.where(given, parent, -1))
    out += t.problems(looping, "parent_id", "a parent chain without cycles")
    return out


def _parents(t: TableCheck, valid: Valid) -> np.ndarray:
    """Per row: the position of the result its parent_id names, -1 when none."""
    ids, parents = t["result_id"], t["parent_id"]
    good = np.flatnonzero(ok(valid, "result_id"))
    if not len(good):  # no result to be a parent (an empty get_indexer cannot be indexed)
        return np.full(len(parents.codes), -1)
    keys = pd.Index(ids.uniques[ids.codes[good]])
    first = ~keys.duplicated(keep="first")
    found = pd.Index(keys[first]).get_indexer(parents.uniques)
    return np.where(found >= 0, good[first][np.maximum(found, 0)], -1)[parents.codes]


__all__ = [
    "check_definitions",
    "check_observations",
    "check_results",
    "check_targets",
    "declared",
]
