"""The indicators of SPEC §4 as pure functions of a :class:`~wbreport.package.Package`.

Everything is computed in one vectorised pass: partner codes become small integers
and per-partner sums are ``numpy.bincount`` over them, so a million participation
rows take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbreport.package import Package
from wbreport.partners import ALL_CODES, NATIONAL_CODES
from wbreport.periods import Period, parse_period, quarter_of
from wbreport.schema import INDICATORS

_N = len(NATIONAL_CODES)
_NATIONAL_INDEX = pd.Index(NATIONAL_CODES)


def _codes(values: pd.Series) -> np.ndarray:
    """Position of each national partner code in AL..RS; -1 for anything else (WB)."""
    return _NATIONAL_INDEX.get_indexer(pd.Index(values)).astype(np.int64)


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


def as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def default_period(package: Package) -> Period:
    """The quarter containing the latest end_date of a delivered activity."""
    latest = package.latest_delivered_end()
    if latest is None:
        from wbreport.errors import UsageError

        raise UsageError("no delivered activity in the data: give --period explicitly")
    return quarter_of(latest)


@dataclass(frozen=True)
class Arrays:
    """Period-independent numpy views of a package, built once and cached on it.

    Building them hashes the text columns (activity ids, partner codes); each period's
    indicators are then plain array arithmetic.
    """

    a_partner: np.ndarray
    a_end: np.ndarray
    delivered: np.ndarray
    national: np.ndarray
    virtual: np.ndarray
    ttt: np.ndarray
    cascade: np.ndarray
    r_pos: np.ndarray  # position of each participation row's activity
    r_partner: np.ndarray
    people: np.ndarray
    women: np.ndarray
    trainers: np.ndarray
    m_partner: np.ndarray
    m_due: np.ndarray
    m_open: np.ndarray  # status is not dropped
    m_achieved_on: np.ndarray  # achieved_date when status is achieved, else NaT
    t_partner: np.ndarray
    t_published: np.ndarray
    t_tool: np.ndarray
    t_language: np.ndarray


def arrays(package: Package) -> Arrays:
    """The :class:`Arrays` of ``package`` (computed on first use, then reused)."""
    cached = package.__dict__.get("_wbreport_arrays")
    if cached is not None:
        return cached
    act, part = package.activities, package.participation
    ms, tools = package.milestones, package.tools
    a_type = act["type"].to_numpy(dtype=object)
    national = (act["scope"] == "national").to_numpy(dtype=bool)
    achieved = (ms["status"] == "achieved").to_numpy(dtype=bool)
    built = Arrays(
        a_partner=_codes(act["partner"]),
        a_end=act["end_date"].to_numpy(dtype="datetime64[ns]"),
        delivered=(act["status"] == "delivered").to_numpy(dtype=bool),
        national=national,
        virtual=(act["delivery"] == "virtual").to_numpy(dtype=bool),
        ttt=a_type == "train_the_trainers",
        cascade=national
        & (a_type == "training")
        & act["led_by_certified_trainer"].to_numpy(dtype=bool),
        r_pos=pd.Index(act["activity_id"]).get_indexer(pd.Index(part["activity_id"])),
        r_partner=_codes(part["partner"]),
        people=part["participants"].to_numpy(dtype=np.float64),
        women=part["women"].to_numpy(dtype=np.float64),
        trainers=part["certified_trainers"].to_numpy(dtype=np.float64),
        m_partner=_codes(ms["partner"]),
        m_due=ms["due_date"].to_numpy(dtype="datetime64[ns]"),
        m_open=(ms["status"] != "dropped").to_numpy(dtype=bool),
        m_achieved_on=np.where(
            achieved,
            ms["achieved_date"].to_numpy(dtype="datetime64[ns]"),
            np.datetime64("NaT", "ns"),
        ),
        t_partner=_codes(tools["partner"]),
        t_published=tools["published_date"].to_numpy(dtype="datetime64[ns]"),
        t_tool=pd.factorize(tools["tool_id"])[0],
        t_language=pd.factorize(tools["language"])[0],
    )
    package.__dict__["_wbreport_arrays"] = built
    return built


def _distinct(partner: np.ndarray, item: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Distinct ``item`` per national partner where ``mask`` holds, then over everyone (WB)."""
    keep = mask & (partner >= 0)
    pairs = np.unique(partner[keep].astype(np.int64) * (int(item.max(initial=0)) + 1) + item[keep])
    owners = pairs // (int(item.max(initial=0)) + 1)
    per = np.bincount(owners, minlength=_N).astype(np.float64)
    return _with_region(per, float(len(np.unique(item[mask]))))


def compute_matrix(package: Package, period: Period | str) -> dict[str, np.ndarray]:
    """All indicators for ``period``: name -> values for AL, BA, XK, ME, MK, RS, WB (NaN = NA)."""
    p = as_period(period)
    start = np.datetime64(p.start.isoformat(), "ns")
    end = np.datetime64(p.end.isoformat(), "ns")
    a = arrays(package)

    counts = a.delivered & (a.a_end >= start) & (a.a_end <= end)
    regional = ~a.national
    # Participation rows carry the attributes of their activity through its position.
    pos = a.r_pos
    r_counts, r_regional, r_virtual, r_ttt = counts[pos], regional[pos], a.virtual[pos], a.ttt[pos]
    r_to_date = (a.delivered & (a.a_end <= end))[pos]
    present = a.people > 0

    # Relevant activities: national with partner p, or regional with a p row with participants > 0.
    nat_delivered = _per_partner(a.a_partner, counts & a.national)
    nat_virtual = _per_partner(a.a_partner, counts & a.national & a.virtual)
    reg_relevant = _per_partner(a.r_partner, r_counts & r_regional & present)
    reg_virtual = _per_partner(a.r_partner, r_counts & r_regional & present & r_virtual)
    delivered_n = _with_region(nat_delivered + reg_relevant, float(counts.sum()))
    virtual_n = _with_region(nat_virtual + reg_virtual, float((counts & a.virtual).sum()))
    regional_n = _with_region(reg_relevant, float((counts & regional).sum()))

    def summed(mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
        per = _per_partner(a.r_partner, mask, weights)
        return _with_region(per, float(weights[mask].sum()))

    participants = summed(r_counts, a.people)
    women_n = summed(r_counts, a.women)
    cascade_n = _per_partner(a.a_partner, counts & a.cascade)

    due_mask = (a.m_due <= end) & a.m_open
    achieved_mask = due_mask & (a.m_achieved_on <= end)  # NaT compares False
    due = _per_partner(a.m_partner, due_mask)
    achieved = _per_partner(a.m_partner, achieved_mask)
    due_n = _with_region(due, due.sum())
    achieved_n = _with_region(achieved, achieved.sum())

    in_period = (a.t_published >= start) & (a.t_published <= end)
    to_date = a.t_published <= end
    translations = _per_partner(a.t_partner, in_period)

    values = {
        "activities_delivered": delivered_n,
        "regional_activities": regional_n,
        "participants": participants,
        "women_share": _ratio(women_n, participants),
        "trainers_certified": summed(r_counts & r_ttt, a.trainers),
        "certified_trainers_to_date": summed(r_to_date & r_ttt, a.trainers),
        "cascade_sessions": _with_region(cascade_n, cascade_n.sum()),
        "virtual_share": _ratio(virtual_n, delivered_n),
        "milestones_due": due_n,
        "milestones_achieved": achieved_n,
        "milestone_completion_rate": _ratio(achieved_n, due_n),
        "milestones_overdue": due_n - achieved_n,
        "translations_published": _with_region(translations, float(in_period.sum())),
        "tools_available": _distinct(a.t_partner, a.t_tool, to_date),
        "languages_covered": _distinct(a.t_partner, a.t_language, to_date),
    }
    for name in INDICATORS[len(values) :]:  # §8 indicators: computed in a later step
        values[name] = np.full(len(ALL_CODES), np.nan)
    assert tuple(values) == INDICATORS
    return values


def compute(
    package: Package, period: Period | str, partners: list[str] | None = None
) -> pd.DataFrame:
    """All indicators for ``period`` as a long table ``partner, indicator, value``.

    Rows come in the fixed partner order, then the indicator order of SPEC §4;
    ``value`` is a float, NaN where the indicator is NA (zero denominator).
    """
    matrix = compute_matrix(package, period)
    table = pd.DataFrame(
        {
            "partner": np.repeat(ALL_CODES, len(INDICATORS)),
            "indicator": np.tile(INDICATORS, len(ALL_CODES)),
            "value": np.stack([matrix[name] for name in INDICATORS], axis=1).ravel(),
        }
    )
    if partners is not None:
        table = table[table["partner"].isin(partners)].reset_index(drop=True)
    return table


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Pivot a long indicator table to partners × indicators in the fixed orders."""
    pivot = table.pivot(index="partner", columns="indicator", values="value")
    rows = [c for c in ALL_CODES if c in pivot.index]
    return pivot.reindex(index=rows, columns=list(INDICATORS))
