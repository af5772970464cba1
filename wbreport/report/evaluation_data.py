"""Selections behind the training-evaluation report (SPEC §8): pure DataFrame functions.

Each function takes a :class:`~wbreport.package.Package` (or frames selected from one) and
returns a DataFrame an analyst can also use in JupyterLab::

    from wbreport.report.evaluation_data import evaluated, satisfaction
    rows = evaluated(package, "AL", "2021Q4")
    satisfaction(rows)                      # the distribution by module
    satisfaction(rows, by="partner")        # ... or by partner

The rows are those of the indicators (:mod:`wbreport.selections`: "p's evaluated rows",
the rows contributing to knowledge_gain, follow-ups in P), so a table adds up to the key
figure it explains. Figures resting on ``0 < n < min_respondents`` people are flagged in
a ``suppressed`` column (never dropped); the report shows them as "n < 5".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport import selections as sel
from wbreport.indicators import as_period
from wbreport.package import Package
from wbreport.periods import Period

RATINGS = [f"satisfaction_{k}" for k in range(1, 6)]
ACTIVITY_COLUMNS = ["title", "type", "module", "scope", "start_date", "end_date"]
DEFAULT_MIN_RESPONDENTS = 5


def is_suppressed(n: pd.Series | float, min_respondents: int) -> pd.Series | bool:
    """Disclosure control (SPEC §8): the figure rests on ``0 < n < min_respondents``."""
    return (n > 0) & (n < min_respondents)


def protect(
    n: pd.Series | np.ndarray,
    suppressed: pd.Series | np.ndarray,
    min_respondents: int,
    groups: pd.Series | np.ndarray | None = None,
) -> np.ndarray:
    """Secondary suppression for a table whose total is published (a key figure, a Total
    row, a module's row): rows are hidden besides the suppressed ones until what a reader
    can work out by subtracting the shown rows from the total (the hidden rows together)
    rests on no one or on at least ``min_respondents`` people. The smallest rows go first.

    ``n``: the people each row's figure rests on; ``suppressed``: SPEC §8's flags;
    ``groups``: sub-totals published too (e.g. each activity's module), covered first.
    Returns the flags to show with.
    """
    people = np.asarray(n, dtype="float64")
    hide = np.asarray(suppressed, dtype=bool).copy()
    keys = np.zeros(len(people), dtype=np.int64)
    if groups is not None:
        keys = pd.factorize(pd.Series(groups).fillna("").to_numpy(dtype=object))[0]
    parts = [np.flatnonzero(keys == k) for k in np.unique(keys)] if len(keys) else []
    everything = np.arange(len(people))
    changed = True
    while changed:  # hiding a row for the whole may uncover a group again, and back
        changed = False
        for rows in [*parts, everything]:
            changed |= _cover(rows, people, hide, min_respondents)
    return hide


def _cover(rows: np.ndarray, people: np.ndarray, hide: np.ndarray, limit: int) -> bool:
    hidden = float(people[rows[hide[rows]]].sum())
    added = False
    while 0 < hidden < limit:
        shown = rows[~hide[rows] & (people[rows] > 0)]
        if len(shown) == 0:
            break
        smallest = shown[np.argmin(people[shown])]
        hide[smallest] = True
        hidden += float(people[smallest])
        added = True
    return added


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """Ratio of sums; a zero denominator gives NA."""
    return (num / den.where(den > 0)).astype("float64")


def _with_activity(package: Package, rows: pd.DataFrame) -> pd.DataFrame:
    info = package.activities.set_index("activity_id")[ACTIVITY_COLUMNS]
    return rows.join(info, on="activity_id")


def evaluated(package: Package, partner: str, period: Period | str) -> pd.DataFrame:
    """p's evaluated rows (all partners' for WB): evaluations rows whose activity counts in
    ``period``, with the activity's title, type, module, scope and dates."""
    p = as_period(period)
    rows = sel.evaluated_rows(
        package.activities, sel.table(package, "evaluations"), partner, p.start, p.end
    )
    return _with_activity(package, rows)


def _grouped(rows: pd.DataFrame, by: str, columns: list[str]) -> pd.DataFrame:
    """Sums of ``columns`` per value of ``by`` (sorted), with the number of activities."""
    keyed = rows.assign(**{by: rows[by].fillna("")}) if by in rows else rows
    grouped = keyed.groupby(by, sort=True)
    out = grouped[columns].sum()
    out.insert(0, "activities", grouped["activity_id"].nunique())
    return out


def satisfaction(
    rows: pd.DataFrame, by: str = "module", min_respondents: int = DEFAULT_MIN_RESPONDENTS
) -> pd.DataFrame:
    """The satisfaction distribution of evaluated ``rows`` per ``by`` (module, partner, …).

    Columns: activities, respondents, satisfaction_1 … satisfaction_5, useful, mean
    (1–5), satisfied_share (ratings 4–5), useful_share, n (= respondents), suppressed.
    """
    out = _grouped(rows, by, ["respondents", *RATINGS, "useful"])
    weighted = out[RATINGS].mul(list(range(1, 6))).sum(axis=1)
    out["mean"] = _ratio(weighted, out["respondents"])
    out["satisfied_share"] = _ratio(
        out["satisfaction_4"] + out["satisfaction_5"], out["respondents"]
    )
    out["useful_share"] = _ratio(out["useful"], out["respondents"])
    out["n"] = out["respondents"]
    out["suppressed"] = is_suppressed(out["n"], min_respondents)
    return out


def _knowledge_sums(rows: pd.DataFrame) -> pd.DataFrame:
    tested = sel.knowledge_rows(rows)
    return tested.assign(
        pre_points=tested["pre_tested"] * tested["pre_score_mean"].astype("float64"),
        post_points=tested["post_tested"] * tested["post_score_mean"].astype("float64"),
    )


def knowledge(
    rows: pd.DataFrame, by: str = "module", min_respondents: int = DEFAULT_MIN_RESPONDENTS
) -> pd.DataFrame:
    """Knowledge test scores before and after per ``by``, over the evaluated rows tested
    both before and after (the rows of knowledge_gain).

    Columns: activities, pre_tested, post_tested, pre_score, post_score (weighted means,
    0–100), gain (points), n (= min(pre_tested, post_tested)), suppressed.
    """
    out = _grouped(
        _knowledge_sums(rows), by, ["pre_tested", "post_tested", "pre_points", "post_points"]
    )
    out["pre_score"] = _ratio(out.pop("pre_points"), out["pre_tested"])
    out["post_score"] = _ratio(out.pop("post_points"), out["post_tested"])
    out["gain"] = out["post_score"] - out["pre_score"]
    out["n"] = np.minimum(out["pre_tested"], out["post_tested"])
    out["suppressed"] = is_suppressed(out["n"], min_respondents)
    return out


def passing(
    rows: pd.DataFrame, by: str = "module", min_respondents: int = DEFAULT_MIN_RESPONDENTS
) -> pd.DataFrame:
    """Pass rate per ``by``: passed / post_tested over the evaluated rows.

    Columns: activities, post_tested, passed, pass_rate, n (= post_tested), suppressed.
    """
    out = _grouped(rows, by, ["post_tested", "passed"])
    out["pass_rate"] = _ratio(out["passed"], out["post_tested"])
    out["n"] = out["post_tested"]
    out["suppressed"] = is_suppressed(out["n"], min_respondents)
    return out


def _participants(package: Package, partner: str, period: Period) -> pd.DataFrame:
    """p's participation rows of activities of an evaluated type counting in ``period``:
    the denominator of evaluation_response_rate."""
    act, part = package.activities, package.participation
    counting = sel.counting(act, period.start, period.end) & sel.evaluated_type(act)
    mask = sel.partner_rows(part, partner) & sel.activity_attribute(act, part, counting)
    return part[mask]


def activities(
    package: Package,
    partner: str,
    period: Period | str,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> pd.DataFrame:
    """One row per activity of an evaluated type counting in ``period`` in which partner
    took part (every such activity for WB), evaluated or not, ordered by end date.

    Sums run over p's rows (all rows for WB), so the table adds up to the key figures:
    Σ respondents / Σ participants is evaluation_response_rate. Columns: the activity's
    title, type, module, scope and dates; participants, respondents, response_rate; the
    figures of :func:`satisfaction`, :func:`knowledge` and :func:`passing` (mean,
    satisfied_share, useful_share, pre_score, post_score, gain, pass_rate) each with its
    ``*_suppressed`` flag, and the people the gain and the pass rate rest on (gain_n,
    pass_n; respondents for the others).
    """
    p = as_period(period)
    people = _participants(package, partner, p).groupby("activity_id")["participants"].sum()
    people = people[people > 0]  # a partner listed with nobody did not take part
    # object ids: pandas cannot join empty pyarrow-backed string keys (ArrowInvalid)
    people.index = people.index.astype(object)
    rows = evaluated(package, partner, p)
    ids = people.index.union(pd.Index(rows["activity_id"].unique(), dtype=object))
    frame = pd.DataFrame({"activity_id": ids})
    frame = frame.join(people, on="activity_id").fillna({"participants": 0})
    sat = satisfaction(rows, "activity_id", min_respondents)
    know = knowledge(rows, "activity_id", min_respondents)
    passed = passing(rows, "activity_id", min_respondents)
    frame = frame.join(
        sat[["respondents", "mean", "satisfied_share", "useful_share"]], on="activity_id"
    )
    frame["respondents"] = frame["respondents"].fillna(0).astype("int64")
    frame["satisfaction_suppressed"] = is_suppressed(frame["respondents"], min_respondents)
    frame = frame.join(
        know[["pre_score", "post_score", "gain"]].assign(gain_n=know["n"]), on="activity_id"
    )
    frame["gain_suppressed"] = (
        frame["activity_id"].map(know["suppressed"]).fillna(False).astype(bool)
    )
    frame = frame.join(passed[["pass_rate"]].assign(pass_n=passed["n"]), on="activity_id")
    frame["pass_suppressed"] = (
        frame["activity_id"].map(passed["suppressed"]).fillna(False).astype(bool)
    )
    frame["participants"] = frame["participants"].astype("int64")
    frame["response_rate"] = _ratio(frame["respondents"], frame["participants"])
    frame = _with_activity(package, frame)
    return frame.sort_values(["end_date", "activity_id"], kind="stable").reset_index(drop=True)


#: The per-activity figures with the people each rests on.
ACTIVITY_FIGURES = {
    "satisfaction_suppressed": "respondents",
    "gain_suppressed": "gain_n",
    "pass_suppressed": "pass_n",
}


def hidden_modules(rows: pd.DataFrame, min_respondents: int) -> dict[str, set[str]]:
    """Per flag of :data:`ACTIVITY_FIGURES`, the modules whose row the report's module
    table (:func:`satisfaction`, :func:`knowledge`, :func:`passing`) hides, suppressed or
    protected."""
    out = {}
    for flag, figures in zip(ACTIVITY_FIGURES, (satisfaction, knowledge, passing), strict=True):
        table = figures(rows, "module", min_respondents)
        out[flag] = set(table.index[protect(table["n"], table["suppressed"], min_respondents)])
    return out


def protect_activities(
    frame: pd.DataFrame, min_respondents: int, hidden_modules: dict[str, set[str]] | None = None
) -> pd.DataFrame:
    """:func:`activities` with each figure protected by :func:`protect` within its module
    (the report's module tables publish their totals) and within the whole.

    ``hidden_modules``: per flag of :data:`ACTIVITY_FIGURES`, the modules ("" for none) whose
    row the module table hides; their activities stay hidden here, or they would give the
    module's figure back.
    """
    module = frame["module"].fillna("")
    flags = {}
    for flag, people in ACTIVITY_FIGURES.items():
        count = frame[people].fillna(0)
        in_hidden = module.isin((hidden_modules or {}).get(flag, ())) & (count > 0)
        hidden = frame[flag].to_numpy(dtype=bool) | in_hidden.to_numpy(dtype=bool)
        flags[flag] = protect(count, hidden, min_respondents, module)
    return frame.assign(**flags)


def followups(
    package: Package,
    partner: str,
    period: Period | str,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> pd.DataFrame:
    """Follow-up surveys (Kirkpatrick level 3) of partner (all for WB) dated in ``period``,
    one row per activity and survey date (partners summed for WB), ordered by survey date.

    Columns: activity_id, survey_date, respondents, applying, applying_share, n
    (= respondents), suppressed, and the activity's title, type, module, scope and dates.
    """
    p = as_period(period)
    rows = sel.followups_in(sel.table(package, "followups"), partner, p.start, p.end)
    out = rows.groupby(["activity_id", "survey_date"], as_index=False)[
        ["respondents", "applying"]
    ].sum()
    out["applying_share"] = _ratio(out["applying"], out["respondents"])
    out["n"] = out["respondents"]
    out["suppressed"] = is_suppressed(out["n"], min_respondents)
    out = _with_activity(package, out)
    return out.sort_values(["survey_date", "activity_id"], kind="stable").reset_index(drop=True)


__all__ = [
    "ACTIVITY_FIGURES",
    "RATINGS",
    "activities",
    "evaluated",
    "followups",
    "hidden_modules",
    "is_suppressed",
    "knowledge",
    "passing",
    "protect",
    "protect_activities",
    "satisfaction",
]
