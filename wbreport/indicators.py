"""The indicators of SPEC §4, §8 and §9 as pure functions of a data package.

Everything is computed in one vectorised pass: partner codes become small integers
and per-partner sums are ``numpy.bincount`` over them, so a million participation
rows take a few milliseconds per period. The row selections are those of
:mod:`wbreport.selections` ("counting in P", "relevant to p", the cascade set, milestones
due and achieved at E, p's evaluated rows, follow-ups in P), here in array form.

:func:`indicator_table` is the full, unformatted table behind ``indicators.csv``: values,
to-date values, targets of both scopes, achievement, RAG and the head-count ``n`` that
disclosure control (§8) reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbreport.arrays import Arrays, arrays
from wbreport.config import Settings, Thresholds
from wbreport.errors import UsageError
from wbreport.framework import custom_indicators, custom_values, results_table
from wbreport.partners import ALL_CODES, NATIONAL_CODES
from wbreport.periods import Period, parse_period, quarter_of
from wbreport.registry import BUILTIN, BUILTIN_NAMES
from wbreport.selections import PackageLike
from wbreport.targets import with_targets

_N = len(NATIONAL_CODES)
_STOCK = frozenset(i.name for i in BUILTIN if i.is_stock)
_NA = np.full(len(ALL_CODES), np.nan)

Values = dict[str, np.ndarray]  # indicator -> values for AL, BA, XK, ME, MK, RS, WB


def _per_partner(
    codes: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Sum ``weights`` (or count rows) where ``mask`` holds, per national partner."""
    keep = mask & (codes >= 0)
    w = None if weights is None else weights[keep]
    return np.bincount(codes[keep], weights=w, minlength=_N).astype(np.float64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _with_region(national: np.ndarray, region: float) -> np.ndarray:
    return np.append(national, region)


def _summed(codes: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per national partner, then over all rows (WB)."""
    return _with_region(_per_partner(codes, mask, weights), float(weights[mask].sum()))


def as_period(period: Period | str) -> Period:
    """``period`` as a :class:`Period` (parsing a period string)."""
    return period if isinstance(period, Period) else parse_period(period)


def default_period(package: PackageLike) -> Period:
    """The quarter containing the latest end_date of a delivered activity."""
    latest = package.latest_delivered_end()
    if latest is None:
        raise UsageError("no delivered activity in the data: give --period explicitly")
    return quarter_of(latest)


def _distinct(partner: np.ndarray, item: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Distinct ``item`` per national partner where ``mask`` holds, then over everyone (WB)."""
    keep = mask & (partner >= 0)
    width = int(item.max(initial=0)) + 1
    pairs = np.unique(partner[keep].astype(np.int64) * width + item[keep])
    per = np.bincount(pairs // width, minlength=_N).astype(np.float64)
    return _with_region(per, float(len(np.unique(item[mask]))))


@dataclass(frozen=True)
class _Window:
    """An inclusive date range [start, end] as numpy datetimes."""

    start: np.datetime64
    end: np.datetime64

    @classmethod
    def of(cls, start: dt.date, end: dt.date) -> _Window:
        return cls(np.datetime64(start.isoformat(), "ns"), np.datetime64(end.isoformat(), "ns"))

    def holds(self, dates: np.ndarray) -> np.ndarray:
        return (dates >= self.start) & (dates <= self.end)


def _activities(a: Arrays, w: _Window) -> Values:
    """§4 indicators 1–8 (activities and participation)."""
    counts = a.delivered & w.holds(a.a_end)
    regional = ~a.national
    # Participation rows carry the attributes of their activity through its position.
    pos = a.r_pos
    r_counts, r_regional, r_virtual, r_ttt = counts[pos], regional[pos], a.virtual[pos], a.ttt[pos]
    r_to_date = (a.delivered & (a.a_end <= w.end))[pos]
    present = a.people > 0

    # Relevant activities: national with partner p, or regional with a p row with participants > 0.
    nat_delivered = _per_partner(a.a_partner, counts & a.national)
    nat_virtual = _per_partner(a.a_partner, counts & a.national & a.virtual)
    reg_relevant = _per_partner(a.r_partner, r_counts & r_regional & present)
    reg_virtual = _per_partner(a.r_partner, r_counts & r_regional & present & r_virtual)
    delivered_n = _with_region(nat_delivered + reg_relevant, float(counts.sum()))
    virtual_n = _with_region(nat_virtual + reg_virtual, float((counts & a.virtual).sum()))
    participants = _summed(a.r_partner, r_counts, a.people)
    cascade_n = _per_partner(a.a_partner, counts & a.cascade)
    return {
        "activities_delivered": delivered_n,
        "regional_activities": _with_region(reg_relevant, float((counts & regional).sum())),
        "participants": participants,
        "women_share": _ratio(_summed(a.r_partner, r_counts, a.women), participants),
        "trainers_certified": _summed(a.r_partner, r_counts & r_ttt, a.trainers),
        "certified_trainers_to_date": _summed(a.r_partner, r_to_date & r_ttt, a.trainers),
        "cascade_sessions": _with_region(cascade_n, cascade_n.sum()),
        "virtual_share": _ratio(virtual_n, delivered_n),
    }


def _milestones_and_tools(a: Arrays, w: _Window) -> Values:
    """§4 indicators 9–15 (roadmap milestones and tools)."""
    due_mask = (a.m_due <= w.end) & a.m_open
    achieved_mask = due_mask & (a.m_achieved_on <= w.end)  # NaT compares False
    due = _per_partner(a.m_partner, due_mask)
    achieved = _per_partner(a.m_partner, achieved_mask)
    due_n = _with_region(due, due.sum())
    achieved_n = _with_region(achieved, achieved.sum())
    in_period = w.holds(a.t_published)
    to_date = a.t_published <= w.end
    translations = _per_partner(a.t_partner, in_period)
    return {
        "milestones_due": due_n,
        "milestones_achieved": achieved_n,
        "milestone_completion_rate": _ratio(achieved_n, due_n),
        "milestones_overdue": due_n - achieved_n,
        "translations_published": _with_region(translations, float(in_period.sum())),
        "tools_available": _distinct(a.t_partner, a.t_tool, to_date),
        "languages_covered": _distinct(a.t_partner, a.t_language, to_date),
    }


def _evaluation(a: Arrays, w: _Window) -> tuple[Values, Values]:
    """§8 indicators 16–21 and their head-counts ``n``."""
    e = a.evaluations
    if e is None:
        names = BUILTIN_NAMES[15:21]
        return {n: _NA for n in names}, {n: _NA for n in names}
    counts = a.delivered & w.holds(a.a_end)
    rows = np.append(counts, False)[e.pos]  # p's evaluated rows (an unknown activity: never)
    r_eligible = (counts & a.evaluated_type)[a.r_pos]
    respondents = _summed(e.partner, rows, e.respondents)
    tested = rows & (e.pre > 0) & (e.post > 0)
    pre, post = _summed(e.partner, tested, e.pre), _summed(e.partner, tested, e.post)
    gain = _ratio(_summed(e.partner, tested, e.post_points), post) - _ratio(
        _summed(e.partner, tested, e.pre_points), pre
    )
    post_tested = _summed(e.partner, rows, e.post)
    values = {
        "evaluation_response_rate": _ratio(respondents, _summed(a.r_partner, r_eligible, a.people)),
        "satisfaction_mean": _ratio(_summed(e.partner, rows, e.score), respondents),
        "satisfied_share": _ratio(_summed(e.partner, rows, e.satisfied), respondents),
        "useful_share": _ratio(_summed(e.partner, rows, e.useful), respondents),
        "knowledge_gain": gain,
        "pass_rate": _ratio(_summed(e.partner, rows, e.passed), post_tested),
    }
    n = {
        "satisfaction_mean": respondents,
        "satisfied_share": respondents,
        "useful_share": respondents,
        "knowledge_gain": np.minimum(pre, post),
        "pass_rate": post_tested,
    }
    return values, n


def _followup(a: Arrays, w: _Window) -> tuple[np.ndarray, np.ndarray]:
    """§8 indicator 22 (applying_share) and its ``n``."""
    f = a.followups
    if f is None:
        return _NA, _NA
    rows = w.holds(f.date)
    respondents = _summed(f.partner, rows, f.respondents)
    return _ratio(_summed(f.partner, rows, f.applying), respondents), respondents


def figures(package: PackageLike, start: dt.date, end: dt.date) -> tuple[Values, Values]:
    """Every built-in indicator over the inclusive range [start, end], and the head-count
    ``n`` of the figures disclosure control may suppress (NaN for the others).

    Stock indicators (certified trainers to date, milestones, tools and languages) are
    states at ``end`` and do not depend on ``start``.
    """
    a = arrays(package)
    w = _Window.of(start, end)
    evaluation, n = _evaluation(a, w)
    values = {**_activities(a, w), **_milestones_and_tools(a, w), **evaluation}
    values["applying_share"], n["applying_share"] = _followup(a, w)
    assert tuple(values) == BUILTIN_NAMES
    return values, {name: n.get(name, _NA) for name in BUILTIN_NAMES}


def compute_matrix(package: PackageLike, period: Period | str) -> Values:
    """All built-in indicators for ``period``: name -> values for AL, BA, XK, ME, MK, RS, WB
    (NaN = NA)."""
    p = as_period(period)
    return figures(package, p.start, p.end)[0]


def compute(
    package: PackageLike, period: Period | str, partners: list[str] | None = None
) -> pd.DataFrame:
    """All built-in indicators for ``period`` as a long table ``partner, indicator, value``.

    Rows come in the fixed partner order, then the indicator order of SPEC §4 and §8;
    ``value`` is a float, NaN where the indicator is NA (zero denominator).
    """
    matrix = compute_matrix(package, period)
    table = _long(BUILTIN_NAMES, value=matrix)
    if partners is not None:
        table = table[table["partner"].isin(partners)].reset_index(drop=True)
    return table


def _long(names: tuple[str, ...], **columns: Values) -> pd.DataFrame:
    """Partner-major long table of per-indicator arrays (one column per keyword)."""
    data: dict[str, object] = {
        "partner": np.repeat(ALL_CODES, len(names)),
        "indicator": np.tile(np.asarray(names, dtype=object), len(ALL_CODES)),
    }
    for column, values in columns.items():
        data[column] = (
            np.stack([values[name] for name in names], axis=1).ravel()
            if names
            else np.zeros(0, dtype=np.float64)
        )
    return pd.DataFrame(data)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Pivot a long indicator table to partners × indicators in the fixed orders."""
    pivot = table.pivot(index="partner", columns="indicator", values="value")
    rows = [c for c in ALL_CODES if c in pivot.index]
    columns = list(BUILTIN_NAMES) + [c for c in pivot.columns if c not in BUILTIN_NAMES]
    return pivot.reindex(index=rows, columns=columns)


# --- the full table ---------------------------------------------------------------------


def _settings(settings: Settings | Thresholds | None) -> Settings:
    if settings is None:
        return Settings()
    if isinstance(settings, Thresholds):
        return Settings(rag=settings)
    return settings


def indicator_table(
    package: PackageLike, period: Period | str, settings: Settings | Thresholds | None = None
) -> pd.DataFrame:
    """The full, unformatted indicators table of ``period``: one row per (partner, indicator).

    Rows: the fixed partner order, then the 22 built-in indicators and the package's
    custom indicators in declared order. Columns (raw, unrounded; NaN = NA)::

        period, partner, indicator, value, baseline, target, achievement, rag,
        to_date, to_date_baseline, to_date_target, to_date_achievement, to_date_rag,
        n, suppressed, to_date_n, to_date_suppressed

    ``to_date`` is the same definition over [programme.start, E] (stocks: the value;
    custom: the latest observation, §9). ``n`` is the head-count behind a suppressible
    figure (NaN when the figure is never suppressed) and ``suppressed`` is
    0 < n < min_respondents; ``to_date_n`` and ``to_date_suppressed`` the same for the
    to-date figure. :func:`wbreport.targets.published` blanks what they hide.
    ``settings`` gives the RAG thresholds, min_respondents and programme.start (a bare
    :class:`~wbreport.config.Thresholds` is accepted, with the other defaults).
    """
    p = as_period(period)
    s = _settings(settings)
    values, n = figures(package, p.start, p.end)
    # programme.start after E gives an empty range: additive figures 0, ratios NA.
    to_date, to_date_n = figures(package, s.programme.start, p.end)
    for name in _STOCK:
        to_date[name], to_date_n[name] = values[name], n[name]
    custom = custom_indicators(package)
    names = BUILTIN_NAMES + tuple(i.name for i in custom)
    c_values, c_to_date = custom_values(package, p, names[len(BUILTIN_NAMES) :])
    values.update(c_values)
    to_date.update(c_to_date)
    for name in c_values:
        n[name] = to_date_n[name] = _NA
    table = _long(names, value=values, to_date=to_date, n=n, to_date_n=to_date_n)
    lower = frozenset(i.name for i in BUILTIN + custom if i.lower_is_better)
    return with_targets(table, package.targets, p, s.rag, lower, s.min_respondents)


__all__ = [
    "Arrays",
    "arrays",
    "as_period",
    "compute",
    "compute_matrix",
    "custom_indicators",
    "custom_values",
    "default_period",
    "figures",
    "indicator_table",
    "results_table",
    "wide",
]
