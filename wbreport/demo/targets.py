"""Plausible targets: per period, to date and for the evaluation indicators."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wbreport.demo.core import PROGRAMME_START, frame
from wbreport.partners import ALL_CODES, PARTNERS
from wbreport.periods import parse_period
from wbreport.registry import EVALUATION_NAMES
from wbreport.schema import LANGUAGES, LOWER_IS_BETTER, RATIO_INDICATORS

# Indicators whose WB value is the sum over the partners (targets add up too).
ADDITIVE = frozenset(
    {
        "participants",
        "trainers_certified",
        "certified_trainers_to_date",
        "cascade_sessions",
        "milestones_due",
        "milestones_achieved",
        "translations_published",
    }
)
_STOCKS = frozenset(
    {
        "certified_trainers_to_date",
        "milestones_due",
        "milestones_achieved",
        "tools_available",
        "languages_covered",
    }
)
# Target levels for ratio indicators: (targets to pick from, baselines to pick from).
_RATIO_LEVELS = {
    "women_share": ((0.45, 0.5), ("", "0.35", "0.4")),
    "virtual_share": ((0.25, 0.3, 0.4), ("", "0.1")),
    "milestone_completion_rate": ((0.75, 0.8, 0.9), ("", "0.5", "0.6")),
    "evaluation_response_rate": ((0.7, 0.8), ("", "0.5")),
    "satisfaction_mean": ((4.0, 4.2, 4.4), ("", "3.6", "3.8")),
    "satisfied_share": ((0.8, 0.85, 0.9), ("", "0.6", "0.7")),
    "useful_share": ((0.8, 0.85, 0.9), ("", "0.7")),
    "knowledge_gain": ((10, 12, 15, 20), ("", "5")),
    "pass_rate": ((0.7, 0.75, 0.8), ("", "0.5", "0.6")),
    "applying_share": ((0.6, 0.65, 0.7), ("", "0.4")),
}
# Flow indicators that get to-date targets (cumulative from programme.start, SPEC §9).
TO_DATE_FLOWS = (
    "activities_delivered",
    "participants",
    "trainers_certified",
    "cascade_sessions",
    "translations_published",
)
TO_DATE_RATIOS = ("women_share", "satisfied_share", "knowledge_gain", "applying_share")
# Custom indicators: (period targets: periods, baseline, target), (to-date: periods, target).
CUSTOM_TARGETS = {
    "decision_quality_score": ((("2020", "2021"), 58, 72), (("2021Q4", "2021"), 75)),
    "asylum_backlog_months": ((("2021H1", "2021H2"), 9, 6), (("2021Q4", "2021"), 6)),
    "reception_standards_share": (
        (("2021Q1", "2021Q2", "2021Q3", "2021Q4"), 0.55, 0.75),
        (("2021Q4", "2021"), 0.8),
    ),
}
Row = tuple[str, str, str, str, str, str]


def _quarter(dates: pd.Series) -> np.ndarray:
    """Quarters since 1970Q1 of ISO date strings; a large negative number when empty."""
    text = dates.to_numpy(dtype=str)
    filled = np.where(text == "", "1000-01-01", text).astype("datetime64[D]")
    quarter = filled.astype("datetime64[M]").astype(int) // 3
    return np.where(text == "", -(10**6), quarter)


def _quarter_label(index: int) -> str:
    return f"{index // 4 + 1970}Q{index % 4 + 1}"


def proxies(
    tables: dict[str, pd.DataFrame], last_quarter: str = "2021Q4", quarters: int = 8
) -> dict[str, np.ndarray]:
    """:func:`_proxies` for a quarter label; pass the result to both target functions."""
    return _proxies(tables, _quarter_index(last_quarter), quarters)


def _quarter_index(label: str) -> int:
    """Quarters since 1970Q1 of a quarter label such as ``2021Q4``."""
    period = parse_period(label)
    return (period.start.year - 1970) * 4 + (period.start.month - 1) // 3


def _proxies(tables: dict[str, pd.DataFrame], last: int, quarters: int) -> dict[str, np.ndarray]:
    """Approximate values of count indicators: arrays of 7 codes × quarters ending with ``last``.

    Flows count what falls in each quarter, stocks what is reached by its end. The
    arrays start before the earliest date in the data (so stocks are complete) and
    have at least ``quarters + 1`` columns. Close enough to make targets plausible;
    the real figures come from ``wbreport.indicators``.
    """
    act, part = tables["activities"], tables["participation"]
    ms, tools = tables["milestones"], tables["tools"]
    act_q, due_q = _quarter(act["end_date"]), _quarter(ms["due_date"])
    done_q, tool_q = _quarter(ms["achieved_date"]), _quarter(tools["published_date"])
    dated = np.concatenate([act_q, due_q, done_q, tool_q])
    first = min(last - quarters, int(dated[dated >= 0].min(initial=last)) - 1)
    width = last - first + 1
    codes = pd.Index(ALL_CODES)
    wb = codes.get_loc("WB")

    def grid(
        partner: pd.Series | str,
        quarter: np.ndarray,
        weight: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        if isinstance(partner, str):
            idx = np.full(len(quarter), codes.get_loc(partner))
        else:
            idx = codes.get_indexer(pd.Index(partner))
        keep = (quarter >= first) & (quarter <= last)
        if mask is not None:
            keep &= mask
        flat = idx[keep] * width + quarter[keep] - first
        w = None if weight is None else np.asarray(weight, dtype=float)[keep]
        return np.bincount(flat, weights=w, minlength=len(codes) * width).reshape(-1, width)

    def stock_first(table: pd.DataFrame, keys: list[str], quarter: np.ndarray) -> np.ndarray:
        firsts = table.assign(q=quarter).groupby(keys, sort=False)["q"].min().reset_index()
        partner = firsts["partner"] if "partner" in keys else "WB"
        return grid(partner, firsts["q"].to_numpy()).cumsum(axis=1)

    delivered = (act["status"] == "delivered").to_numpy()
    national = (act["scope"] == "national").to_numpy()
    pos = pd.Index(act["activity_id"]).get_indexer(part["activity_id"])
    row_q, row_delivered = act_q[pos], delivered[pos]
    heads = part["participants"].astype(int).to_numpy()
    row_regional = ~national[pos]

    v: dict[str, np.ndarray] = {}
    regional = grid(part["partner"], row_q, mask=row_delivered & row_regional & (heads > 0))
    regional[wb] = grid("WB", act_q, mask=delivered & ~national)[wb]
    v["regional_activities"] = regional
    v["activities_delivered"] = regional + grid(act["partner"], act_q, mask=delivered & national)
    v["activities_delivered"][wb] = grid("WB", act_q, mask=delivered)[wb]
    v["participants"] = grid(part["partner"], row_q, heads, row_delivered)
    certified = part["certified_trainers"].astype(int).to_numpy()
    v["trainers_certified"] = grid(part["partner"], row_q, certified, row_delivered)
    cascade = (
        delivered
        & national
        & (act["type"] == "training").to_numpy()
        & (act["led_by_certified_trainer"].str.lower() == "true").to_numpy()
    )
    v["cascade_sessions"] = grid(act["partner"], act_q, mask=cascade)
    v["certified_trainers_to_date"] = v["trainers_certified"].cumsum(axis=1)

    counted = (ms["status"] != "dropped").to_numpy()
    achieved = (ms["status"] == "achieved").to_numpy()
    v["milestones_due"] = grid(ms["partner"], due_q, mask=counted).cumsum(axis=1)
    v["milestones_achieved"] = grid(ms["partner"], done_q, mask=achieved).cumsum(axis=1)

    is_published = (tools["published_date"] != "").to_numpy()
    published, tool_q = tools[is_published], tool_q[is_published]
    v["translations_published"] = grid(published["partner"], tool_q)
    for name, key in (("tools_available", "tool_id"), ("languages_covered", "language")):
        v[name] = stock_first(published, [key, "partner"], tool_q)
        v[name][wb] = stock_first(published, [key], tool_q)[wb]
    for name in ADDITIVE:
        v[name][wb] = v[name][:wb].sum(axis=0)
    return v


def make_targets(
    tables: dict[str, pd.DataFrame],
    rng: np.random.Generator,
    indicators: Sequence[str],
    last_quarter: str = "2021Q4",
    quarters: int = 8,
    proxy: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Plausible targets for ``indicators`` over the ``quarters`` up to ``last_quarter``.

    Parameters
    ----------
    tables
        The four required tables as text frames.
    rng
        Random generator (consumed in a fixed order, so the result is deterministic).
    indicators
        Indicator names to set targets for (never ``milestones_overdue``).
    last_quarter, quarters
        The target quarters; each year they cover completely also gets targets.
    proxy
        :func:`proxies` of ``tables`` for the same quarters, when already computed.

    Returns
    -------
    pandas.DataFrame
        The ``targets`` table as text. Flow targets scatter around the data (so RAG
        varies), quarters where nothing happens get none, and a year's target sums
        its quarters'; stock targets start from the level the previous period
        reached; ratios get round levels; WB targets of additive indicators sum the
        partners'. Some flow baselines are empty (they count as 0).
    """
    last = _quarter_index(last_quarter)
    first = last - quarters + 1
    labels = [_quarter_label(q) for q in range(first, last + 1)]
    years = [q // 4 for q in range(first, last + 1) if q % 4 == 3 and q - 3 >= first]
    need = any(n not in RATIO_INDICATORS for n in indicators)
    if proxy is None:
        proxy = _proxies(tables, last, quarters) if need else {}
    n_tools = tables["tools"]["tool_id"].nunique()
    ceiling = {
        "languages_covered": np.array(
            [len(p.languages) + 1 for p in PARTNERS if not p.is_region] + [len(LANGUAGES)]
        ),
        "tools_available": np.full(len(ALL_CODES), n_tools),
    }
    rows: list[tuple[str, str, str, str, str]] = []
    for name in indicators:
        if name in LOWER_IS_BETTER:
            raise ValueError(f"no targets may be set for {name} (lower is better)")
        if name in RATIO_INDICATORS:
            rows += _ratio_targets(rng, name, labels + [str(y + 1970) for y in years])
            continue
        values, previous = proxy[name][:, -quarters:], proxy[name][:, -quarters - 1 : -1]
        levels = _count_levels(rng, name, values, previous, ceiling.get(name))
        rows += _count_rows(name, levels, labels, years, first)
    table = pd.DataFrame(rows, columns=["indicator", "partner", "period", "baseline", "target"])
    return frame("targets", {c: table[c].to_numpy() for c in table.columns})


Levels = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # base, target, keep, blank


def _count_levels(
    rng: np.random.Generator,
    name: str,
    values: np.ndarray,
    previous: np.ndarray,
    ceiling: np.ndarray | None,
) -> Levels:
    """Baselines, targets, which to keep and which baselines to leave empty (codes × quarters)."""
    factor = rng.uniform(0.75, 1.8, values.shape)  # achievement from about 0.55 to 1.3
    if name in _STOCKS:
        base = previous
        target = previous + np.maximum(1, np.rint((values - previous) * factor))
        if ceiling is not None:
            target = np.minimum(target, ceiling[:, None])
        keep = target > base
        blank = np.zeros(values.shape, dtype=bool)
    else:
        blank = rng.random(values.shape) < 0.5
        base = np.where(blank, 0, np.floor(values * rng.uniform(0, 0.3, values.shape)))
        target = np.maximum(1, np.rint(values * factor))
        keep = values > 0
    target, base = target.astype(np.int64), base.astype(np.int64)
    if name in ADDITIVE:
        wb = ALL_CODES.index("WB")
        target[wb] = (target[:wb] * keep[:wb]).sum(axis=0)
        base[wb] = (base[:wb] * keep[:wb]).sum(axis=0)
        keep[wb] = keep[:wb].any(axis=0)
        blank[wb] = blank[wb] & (base[wb] == 0)
    return base, target, keep, blank


def _count_rows(
    name: str, levels: Levels, labels: list[str], years: list[int], first: int
) -> list[tuple[str, str, str, str, str]]:
    """Target rows of a count indicator: kept quarters, then each full year."""
    base, target, keep, blank = levels
    quarters = len(labels)
    rows = []
    for p, code in enumerate(ALL_CODES):
        for c in np.flatnonzero(keep[p]):
            shown = "" if blank[p, c] else str(base[p, c])
            rows.append((name, code, labels[c], shown, str(target[p, c])))
        for y in years:
            cols = [c for c in range(quarters) if (first + c) // 4 == y]
            if name in _STOCKS:  # from the level at the start of the year to Q4's target
                floor, total = int(base[p, cols[0]]), int(target[p, cols[-1]])
                shown = str(floor)
            else:  # the sum of the quarters' targets
                floor, total = 0, int((target[p, cols] * keep[p, cols]).sum())
                shown = ""
            if total > floor:
                rows.append((name, code, str(y + 1970), shown, str(total)))
    return rows


def _ratio_targets(
    rng: np.random.Generator, name: str, periods: list[str]
) -> list[tuple[str, str, str, str, str]]:
    """One round target level (and baseline) per code for a ratio indicator."""
    levels, baselines = _RATIO_LEVELS[name]
    target = rng.choice(levels, size=len(ALL_CODES))
    base = rng.choice(baselines, size=len(ALL_CODES))
    return [
        (name, code, label, str(base[p]), f"{target[p]:g}")
        for p, code in enumerate(ALL_CODES)
        for label in periods
    ]


def more_targets(
    tables: dict[str, pd.DataFrame],
    rng: np.random.Generator,
    custom: Sequence[str] = (),
    last_quarter: str = "2021Q4",
    quarters: int = 8,
    proxy: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Targets beyond :func:`make_targets`: evaluation (§8), lower-is-better, to date (§9).

    Parameters
    ----------
    tables
        The four required tables as text frames.
    rng
        Random generator (consumed in a fixed order).
    custom
        Custom indicator names declared in ``indicator_definitions`` that get targets
        (those of :data:`CUSTOM_TARGETS`).
    last_quarter, quarters, proxy
        As for :func:`make_targets`.

    Returns
    -------
    pandas.DataFrame
        ``targets`` rows as text with a ``scope`` column: period targets of the seven
        evaluation indicators, ``milestones_overdue`` targets (lower is better: the
        baseline is above the target), to-date targets (scope ``to_date``) of the
        flows of :data:`TO_DATE_FLOWS` for the last four quarters and every year since
        ``programme.start`` (cumulative, so the one for the last year is the
        end-of-programme target), round to-date levels of some ratios, and period and
        to-date targets of the custom indicators.
    """
    last = _quarter_index(last_quarter)
    first = last - quarters + 1
    labels = [_quarter_label(q) for q in range(first, last + 1)]
    years = sorted({q // 4 + 1970 for q in range(first, last + 1) if q % 4 == 3})
    rows: list[Row] = []
    for name in EVALUATION_NAMES:
        rows += [(*r, "") for r in _ratio_targets(rng, name, labels + [str(y) for y in years])]
    if proxy is None:
        proxy = _proxies(tables, last, quarters)
    rows += _overdue_targets(rng, proxy, labels)
    rows += _to_date_targets(rng, proxy, last)
    year_ends = [str(y) for y in years]
    for name in TO_DATE_RATIOS:
        rows += [(*r, "to_date") for r in _ratio_targets(rng, name, [labels[-1], *year_ends[-1:]])]
    for name in custom:
        rows += _custom_targets(rng, name)
    table = pd.DataFrame(
        rows, columns=["indicator", "partner", "period", "baseline", "target", "scope"]
    )
    return frame("targets", {c: table[c].to_numpy(dtype=object) for c in table.columns})


def _overdue_targets(
    rng: np.random.Generator, proxy: dict[str, np.ndarray], labels: list[str]
) -> list[Row]:
    """``milestones_overdue`` per quarter: bring the backlog down from the level before."""
    overdue = np.maximum(proxy["milestones_due"] - proxy["milestones_achieved"], 0)
    quarters = len(labels)
    before = overdue[:, -quarters - 1 : -1] + rng.integers(0, 3, (len(ALL_CODES), quarters))
    cut = np.maximum(1, np.rint(before * rng.uniform(0.2, 0.7, before.shape)))
    target = np.maximum(0, before - cut).astype(np.int64)
    wb = ALL_CODES.index("WB")
    before[wb], target[wb] = before[:wb].sum(axis=0), target[:wb].sum(axis=0)
    return [
        ("milestones_overdue", code, labels[c], str(before[p, c]), str(target[p, c]), "")
        for p, code in enumerate(ALL_CODES)
        for c in range(quarters)
        if before[p, c] > target[p, c]
    ]


def _to_date_targets(
    rng: np.random.Generator, proxy: dict[str, np.ndarray], last: int
) -> list[Row]:
    """Cumulative targets since ``programme.start`` for the last four quarters and each year."""
    start = (int(PROGRAMME_START.astype("datetime64[Y]").astype(int))) * 4
    rows: list[Row] = []
    wb = ALL_CODES.index("WB")
    for name in TO_DATE_FLOWS:
        values = proxy[name]
        first = last - values.shape[1] + 1
        cumulative = values[:, start - first :].cumsum(axis=1)  # column j = quarter start + j
        ends = {_quarter_label(q): q - start for q in range(last - 3, last + 1)}
        ends.update({str(q // 4 + 1970): q - start for q in range(start + 3, last + 1, 4)})
        factor = rng.uniform(0.85, 1.4, (len(ALL_CODES), len(ends)))
        reached = cumulative[:, list(ends.values())]
        target = np.maximum(1, np.rint(reached * factor)).astype(np.int64)
        target[wb] = target[:wb].sum(axis=0)
        for p, code in enumerate(ALL_CODES):
            for c, label in enumerate(ends):
                rows.append((name, code, label, "0", str(target[p, c]), "to_date"))
    return rows


def _custom_targets(rng: np.random.Generator, name: str) -> list[Row]:
    """Period and to-date targets of a custom indicator for every code, with some spread."""
    if name not in CUSTOM_TARGETS:
        return []
    (periods, baseline, target), (ends, end_target) = CUSTOM_TARGETS[name]
    rows: list[Row] = []
    for code in ALL_CODES:
        shift = float(rng.choice((-1.0, 0.0, 1.0))) * (0.05 if baseline < 1 else 1.0)
        for label in periods:
            rows.append((name, code, label, f"{baseline:g}", f"{target + shift:g}", ""))
        for label in ends:
            rows.append((name, code, label, f"{baseline:g}", f"{end_target + shift:g}", "to_date"))
    return rows
