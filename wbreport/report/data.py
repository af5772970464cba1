"""Pure selections behind a report's tables: DataFrames an analyst can use in JupyterLab.

Each function takes a :class:`~wbreport.package.Package`, a partner code (``WB`` for the
region) and a :class:`~wbreport.periods.Period`, and returns the rows a section shows,
picked with the same row selections as the indicators (:mod:`wbreport.selections`), so
a detail table always explains the figure next to it: the rows of :func:`activities` are
``activities_delivered``, :func:`participation` sums to ``participants``, the rows of
:func:`cascade` are ``cascade_sessions``, :func:`overdue_milestones` is
``milestones_overdue`` and so on. :class:`ReportData` binds them to one report
(``report.data.activities()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from wbreport import selections as sel
from wbreport.partners import ALL_CODES, NATIONAL_CODES, REGION
from wbreport.periods import Period
from wbreport.schema import LANGUAGES

TRAINING_TYPES = ("training", "train_the_trainers")
PEOPLE = ["participants", "women", "certified_trainers"]


def in_order(frame: pd.DataFrame, when: str, key: str) -> pd.DataFrame:
    """Rows by date, then partner in the fixed order (AL, BA, XK, ME, MK, RS, WB), then ``key``."""
    rank = {code: position for position, code in enumerate(ALL_CODES)}
    partners = frame["partner"].astype(object).map(rank).fillna(len(rank)).to_numpy()
    order = np.lexsort((frame[key].astype(str).to_numpy(), partners, frame[when].to_numpy()))
    return frame.iloc[order]


def rows(package: Any, partner: str) -> pd.DataFrame:
    """Participation rows of ``partner`` ("p's rows"; all rows for WB)."""
    part = package.participation
    return part[sel.partner_rows(part, partner)]


def people(package: Any, partner: str) -> pd.DataFrame:
    """Participants, women and certified trainers of ``partner``'s rows per activity id."""
    return rows(package, partner).groupby("activity_id", observed=True)[PEOPLE].sum()


def _with_people(frame: pd.DataFrame, package: Any, partner: str) -> pd.DataFrame:
    counts = people(package, partner).reindex(frame["activity_id"])
    out = frame.copy()
    for column in PEOPLE:
        out[column] = counts[column].to_numpy()
    return out


def counting(package: Any, period: Period) -> pd.DataFrame:
    """Activities that count in ``period`` (delivered, end_date in it)."""
    act = package.activities
    return act[sel.counting(act, period.start, period.end)]


def _relevant(package: Any, partner: str, frame: pd.DataFrame) -> pd.DataFrame:
    return frame[sel.relevant(frame, package.participation, partner)]


def activities(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Delivered activities relevant to ``partner`` counting in ``period`` (all for WB),
    with the partner's participants, women and certified trainers: one row per activity
    of ``activities_delivered``."""
    act = _relevant(package, partner, counting(package, period))
    return _with_people(in_order(act, "end_date", "activity_id"), package, partner)


def participation(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """The partner's participation rows of activities counting in ``period``, with each
    activity's type and module: they sum to ``participants`` (women: ``women_share``)."""
    act = package.activities
    part = rows(package, partner)
    mask = sel.rows_counting(act, part, period.start, period.end)
    info = act.set_index("activity_id")[["type", "module"]]
    chosen = part[mask]
    return chosen.assign(
        type=info["type"].reindex(chosen["activity_id"]).to_numpy(),
        module=info["module"].reindex(chosen["activity_id"]).to_numpy(),
    )


def participation_by_module(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Training and train-the-trainers participation per module: participants, women, men."""
    chosen = participation(package, partner, period)
    chosen = chosen[chosen["type"].isin(TRAINING_TYPES)]
    grouped = chosen.groupby("module")[["participants", "women"]].sum()
    grouped["men"] = grouped["participants"] - grouped["women"]
    return grouped.sort_values("participants", ascending=False)


def train_the_trainers(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Train-the-trainers sessions relevant to the partner counting in ``period``; their
    ``certified_trainers`` sum to ``trainers_certified``."""
    act = activities(package, partner, period)
    return act[act["type"] == "train_the_trainers"].fillna({"certified_trainers": 0})


def cascade(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """The cascade set counting in ``period``: one row per ``cascade_sessions``."""
    act = package.activities
    mask = sel.counting(act, period.start, period.end) & sel.cascade(act, partner)
    chosen = in_order(act[mask], "end_date", "activity_id")
    return _with_people(chosen, package, REGION).fillna({"participants": 0})


def milestones(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """The partner's milestones that are not dropped, flagged ``due``, ``achieved`` and
    ``overdue`` at the end of ``period``."""
    ms = package.milestones
    ms = ms[sel.partner_rows(ms, partner)]
    out = ms[ms["status"] != "dropped"].copy()
    out["due"] = sel.milestones_due(out, period.end)
    out["achieved"] = sel.milestones_achieved(out, period.end)
    out["overdue"] = out["due"] & ~out["achieved"]
    out["achieved_later"] = achieved_after(out, period.end)
    return out


def achieved_after(ms: pd.DataFrame, end: Any) -> np.ndarray:
    """Milestones marked achieved on a date after ``end``: not achieved at ``end`` (SPEC §4),
    so a report of that period shows them open, with the date they were achieved."""
    when = ms["achieved_date"].to_numpy(dtype="datetime64[ns]")
    return (ms["status"] == "achieved").to_numpy(dtype=bool) & (
        when > pd.Timestamp(end).to_datetime64()
    )


def milestone_areas(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Per priority area: milestones, due, achieved, overdue, open (not yet due)."""
    ms = milestones(package, partner, period)
    grouped = ms.groupby("priority_area")[["due", "achieved", "overdue"]].sum()
    grouped["total"] = ms.groupby("priority_area").size()
    grouped["open"] = grouped["total"] - grouped["achieved"] - grouped["overdue"]
    return grouped.astype(int)


def overdue_milestones(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Milestones due and not achieved at the end of ``period``: ``milestones_overdue``."""
    ms = milestones(package, partner, period)
    return in_order(ms[ms["overdue"]], "due_date", "milestone_id")


def tools(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Tool rows of the partner (all for WB) with ``published`` = published by period end."""
    frame = package.tools
    frame = frame[sel.partner_rows(frame, partner)].copy()
    frame["published"] = (frame["published_date"] <= pd.Timestamp(period.end)).to_numpy()
    return frame


def tool_languages(frame: pd.DataFrame) -> list[str]:
    """The languages present in ``frame``, in the order of the schema."""
    present = set(frame["language"])
    return [lang for lang in LANGUAGES if lang in present]


def tools_matrix(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Tool title × language. A partner's cell is ``published``, ``in_translation`` or
    ``planned`` at period end (a row published later counts as in translation); WB's is
    the list of partners with the translation published; missing rows are empty."""
    frame = tools(package, partner, period)
    region = partner == REGION

    def cell(group: pd.DataFrame) -> str:
        """One matrix cell from the rows of one (tool, language)."""
        if region:
            done = set(group.loc[group["published"], "partner"])
            return ", ".join(c for c in ALL_CODES if c in done)
        row = group.iloc[0]
        if row["published"]:
            return "published"
        return "planned" if row["status"] == "planned" else "in_translation"

    titles = frame.drop_duplicates("tool_id").set_index("tool_id")["title"]
    languages = tool_languages(frame)
    data = {
        lang: [
            cell(frame[(frame["tool_id"] == t) & (frame["language"] == lang)])
            if ((frame["tool_id"] == t) & (frame["language"] == lang)).any()
            else ""
            for t in titles.index
        ]
        for lang in languages
    }
    matrix = pd.DataFrame(data, index=pd.Index(titles.index, name="tool_id"))
    matrix.insert(0, "title", titles.to_numpy())
    return matrix.sort_values("title", kind="stable")


def tool_dates(package: Any, partner: str, period: Period) -> dict[tuple[str, str], Any]:
    """Published date per (tool_id, language) of a partner's published rows."""
    frame = tools(package, partner, period)
    frame = frame[frame["published"]]
    return {(str(r.tool_id), str(r.language)): r.published_date for r in frame.itertuples()}


def trend(
    table: Callable[[Period], pd.DataFrame], partner: str, period: Period, count: int
) -> pd.DataFrame:
    """Indicator values of the partner over the ``count`` periods ending with ``period``
    (rows: period labels, columns: indicators). ``table`` gives a period's indicator table."""
    frames = {}
    for p in period.recent(count):
        t = table(p)
        own = t[t["partner"] == partner]
        frames[p.label] = pd.Series(own["value"].to_numpy(), index=own["indicator"].to_numpy())
    return pd.DataFrame(frames).T


def workplan_activities(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Activities planned to start in the next period of the same kind (the partner's
    national ones and all regional ones; all for WB)."""
    nxt = period.next()
    act = package.activities
    if nxt is None:  # after 9999: no next period
        return act.iloc[0:0]
    # Delivered ones started after the period ended, so they were still planned at its end:
    # a report re-rendered later shows the plan it showed then.
    planned = act[
        act["status"].isin(["planned", "delivered"])
        & sel.within(act["start_date"], nxt.start, nxt.end)
    ]
    if partner != REGION:
        planned = planned[(planned["scope"] == "regional") | (planned["partner"] == partner)]
    return in_order(planned, "start_date", "activity_id")


def workplan_milestones(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """The partner's milestones due in the next period that were open at the end of this
    one: not dropped, and not achieved by then (``achieved_later`` flags those achieved
    since)."""
    nxt = period.next()
    ms = package.milestones
    if nxt is None:
        return ms.iloc[0:0].assign(achieved_later=False)
    ms = ms[sel.partner_rows(ms, partner)].assign(
        achieved_later=lambda f: achieved_after(f, period.end)
    )
    open_ = (ms["status"] != "dropped") & ((ms["status"] != "achieved") | ms["achieved_later"])
    return in_order(
        ms[open_ & sel.within(ms["due_date"], nxt.start, nxt.end)], "due_date", "milestone_id"
    )


def regional_activities(package: Any, partner: str, period: Period) -> pd.DataFrame:
    """Regional activities relevant to the partner counting in ``period``, with their
    ``organisers`` (cleaned) and the national ``partners`` taking part (participants > 0):
    one row per ``regional_activities``."""
    act = counting(package, period)
    act = _relevant(package, partner, act[act["scope"] == "regional"])
    part = package.participation
    present = part[part["participants"] > 0]
    joined = present.groupby("activity_id", observed=True)["partner"].agg(set)
    out = in_order(act, "end_date", "activity_id").copy()
    out["organisers"] = [
        "; ".join(o.strip() for o in str(text).split(";") if o.strip())
        for text in out["organisers"]
    ]
    out["partners"] = [
        [c for c in NATIONAL_CODES if c in joined.get(a, set())] for a in out["activity_id"]
    ]
    return out


class ReportData:
    """The selections of one report, bound to its package, partner and period."""

    def __init__(
        self,
        package: Any,
        partner: str,
        period: Period,
        table: Callable[[Period], pd.DataFrame],
        trend_periods: int = 6,
    ) -> None:
        self.package = package
        self.partner = partner
        self.period = period
        self._table = table
        self.trend_periods = trend_periods

    def _call(self, fn: Callable[..., pd.DataFrame]) -> pd.DataFrame:
        return fn(self.package, self.partner, self.period)

    def indicators(self, period: Period | None = None) -> pd.DataFrame:
        """The indicator table rows of this partner (``period`` defaults to the report's)."""
        t = self._table(period or self.period)
        return t[t["partner"] == self.partner].set_index("indicator")

    def activities(self) -> pd.DataFrame:
        """See :func:`activities`."""
        return self._call(activities)

    def participation(self) -> pd.DataFrame:
        """See :func:`participation`."""
        return self._call(participation)

    def participation_by_module(self) -> pd.DataFrame:
        """See :func:`participation_by_module`."""
        return self._call(participation_by_module)

    def train_the_trainers(self) -> pd.DataFrame:
        """See :func:`train_the_trainers`."""
        return self._call(train_the_trainers)

    def cascade(self) -> pd.DataFrame:
        """See :func:`cascade`."""
        return self._call(cascade)

    def milestones(self) -> pd.DataFrame:
        """See :func:`milestones`."""
        return self._call(milestones)

    def milestone_areas(self) -> pd.DataFrame:
        """See :func:`milestone_areas`."""
        return self._call(milestone_areas)

    def overdue_milestones(self) -> pd.DataFrame:
        """See :func:`overdue_milestones`."""
        return self._call(overdue_milestones)

    def tools(self) -> pd.DataFrame:
        """See :func:`tools`."""
        return self._call(tools)

    def tools_matrix(self) -> pd.DataFrame:
        """See :func:`tools_matrix`."""
        return self._call(tools_matrix)

    def trend(self) -> pd.DataFrame:
        """See :func:`trend`."""
        return trend(self._table, self.partner, self.period, self.trend_periods)

    def workplan_activities(self) -> pd.DataFrame:
        """See :func:`workplan_activities`."""
        return self._call(workplan_activities)

    def workplan_milestones(self) -> pd.DataFrame:
        """See :func:`workplan_milestones`."""
        return self._call(workplan_milestones)

    def regional_activities(self) -> pd.DataFrame:
        """See :func:`regional_activities`."""
        return self._call(regional_activities)


__all__ = [
    "ReportData",
    "activities",
    "cascade",
    "counting",
    "milestone_areas",
    "milestones",
    "overdue_milestones",
    "participation",
    "participation_by_module",
    "people",
    "regional_activities",
    "rows",
    "tools",
    "tools_matrix",
    "train_the_trainers",
    "trend",
    "workplan_activities",
    "workplan_milestones",
]
