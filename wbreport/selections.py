"""The row selections behind the indicators, defined once (SPEC §4, §8).

Each function is pure: it takes typed frames of a :class:`~wbreport.package.Package` (or the
package itself) and returns a boolean mask aligned with a table's rows, or the selected
rows as a DataFrame an analyst can use in JupyterLab. :mod:`wbreport.indicators` computes
its figures over exactly these rows (in vectorised form) and the reports' detail tables
reuse them, so a table always explains the figure next to it.

Dates are compared inclusively: a row counts in P when its date d satisfies
``P.start <= d <= P.end``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import numpy as np
import pandas as pd

from wbreport.schema import EVALUATED_TYPES, TABLES_BY_NAME

_DTYPES = {
    "int": "int64",
    "number": "float64",
    "date": "datetime64[ns]",
    "bool": "bool",
}

DateLike = dt.date | np.datetime64 | pd.Timestamp


class PackageLike(Protocol):
    """What the indicators read from a data package (a :class:`wbreport.package.Package`)."""

    activities: pd.DataFrame
    participation: pd.DataFrame
    milestones: pd.DataFrame
    tools: pd.DataFrame
    targets: pd.DataFrame

    def latest_delivered_end(self) -> dt.date | None:
        """The latest end_date of a delivered activity, if any."""
        ...


def _ts(day: DateLike) -> pd.Timestamp:
    return pd.Timestamp(day)


def optional_table(package: Any, name: str) -> pd.DataFrame | None:
    """The typed frame of an optional table (§8, §9), or ``None`` when the package lacks it.

    A table that is present but has no rows counts as absent ("no table → NA", §8).
    """
    frame = getattr(package, name, None)
    if frame is None or len(frame) == 0:
        return None
    return frame


def empty_frame(name: str) -> pd.DataFrame:
    """An empty typed frame with the schema's columns of table ``name``."""
    table = TABLES_BY_NAME[name]
    return pd.DataFrame(
        {c.name: pd.Series(dtype=_DTYPES.get(c.type, object)) for c in table.columns}
    )


def table(package: Any, name: str) -> pd.DataFrame:
    """The typed frame of table ``name`` (an empty typed frame when the package lacks it)."""
    frame = getattr(package, name, None)
    return empty_frame(name) if frame is None else frame


# --- activities -----------------------------------------------------------------------


def within(dates: pd.Series, start: DateLike, end: DateLike) -> np.ndarray:
    """Rows whose date lies in the inclusive range [start, end] (NaT never does)."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    return (values >= _ts(start).to_datetime64()) & (values <= _ts(end).to_datetime64())


def counting(activities: pd.DataFrame, start: DateLike, end: DateLike) -> np.ndarray:
    """Activities that *count in* [start, end]: status delivered and end_date in the range."""
    delivered = (activities["status"] == "delivered").to_numpy(dtype=bool)
    return delivered & within(activities["end_date"], start, end)


def relevant(activities: pd.DataFrame, participation: pd.DataFrame, partner: str) -> np.ndarray:
    """Activities *relevant to* ``partner``: national with that partner, or regional with
    a participation row of that partner with participants > 0. For ``WB``: every activity."""
    if partner == "WB":
        return np.ones(len(activities), dtype=bool)
    national = (activities["scope"] == "national").to_numpy(dtype=bool)
    own = national & (activities["partner"] == partner).to_numpy(dtype=bool)
    present = participation.loc[
        (participation["partner"] == partner) & (participation["participants"] > 0),
        "activity_id",
    ]
    joined = ~national & activities["activity_id"].isin(set(present)).to_numpy(dtype=bool)
    return own | joined


def cascade(activities: pd.DataFrame, partner: str) -> np.ndarray:
    """The cascade set: national trainings (not train-the-trainers) led by a certified
    trainer, of ``partner`` (all partners for WB). Combine with :func:`counting`."""
    mask = (
        (activities["scope"] == "national").to_numpy(dtype=bool)
        & (activities["type"] == "training").to_numpy(dtype=bool)
        & activities["led_by_certified_trainer"].to_numpy(dtype=bool)
    )
    if partner != "WB":
        mask &= (activities["partner"] == partner).to_numpy(dtype=bool)
    return mask


def partner_rows(frame: pd.DataFrame, partner: str) -> np.ndarray:
    """Rows of ``partner`` ("p's rows"); every row for WB."""
    if partner == "WB":
        return np.ones(len(frame), dtype=bool)
    return (frame["partner"] == partner).to_numpy(dtype=bool)


def activity_attribute(
    activities: pd.DataFrame, frame: pd.DataFrame, mask: np.ndarray
) -> np.ndarray:
    """Carry a per-activity boolean ``mask`` to the rows of ``frame`` through activity_id
    (False for an id not in activities)."""
    position = pd.Index(activities["activity_id"]).get_indexer(pd.Index(frame["activity_id"]))
    padded = np.append(np.asarray(mask, dtype=bool), False)
    return padded[position]


def rows_counting(
    activities: pd.DataFrame, frame: pd.DataFrame, start: DateLike, end: DateLike
) -> np.ndarray:
    """Rows of ``frame`` (participation, evaluations) whose activity counts in the range."""
    return activity_attribute(activities, frame, counting(activities, start, end))


def evaluated_type(activities: pd.DataFrame) -> np.ndarray:
    """Activities of a type that is evaluated: training, train_the_trainers, workshop."""
    return activities["type"].isin(EVALUATED_TYPES).to_numpy(dtype=bool)


# --- milestones and tools --------------------------------------------------------------


def milestones_due(milestones: pd.DataFrame, end: DateLike) -> np.ndarray:
    """Milestones due at E: due_date <= E and status not dropped."""
    due = milestones["due_date"].to_numpy(dtype="datetime64[ns]") <= _ts(end).to_datetime64()
    return due & (milestones["status"] != "dropped").to_numpy(dtype=bool)


def milestones_achieved(milestones: pd.DataFrame, end: DateLike) -> np.ndarray:
    """Of the milestones due at E, those achieved by E (status achieved, achieved_date <= E)."""
    achieved = (milestones["status"] == "achieved").to_numpy(dtype=bool) & (
        milestones["achieved_date"].to_numpy(dtype="datetime64[ns]") <= _ts(end).to_datetime64()
    )
    return milestones_due(milestones, end) & achieved


# --- evaluation (§8) ----------------------------------------------------------------------


def evaluated_rows(
    activities: pd.DataFrame,
    evaluations: pd.DataFrame,
    partner: str,
    start: DateLike,
    end: DateLike,
) -> pd.DataFrame:
    """p's evaluated rows: evaluations rows of ``partner`` (all for WB) whose activity counts
    in [start, end]."""
    mask = partner_rows(evaluations, partner) & rows_counting(activities, evaluations, start, end)
    return evaluations[mask]


def knowledge_rows(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The evaluated rows that contribute to knowledge_gain: pre_tested > 0 and post_tested > 0."""
    return evaluated[(evaluated["pre_tested"] > 0) & (evaluated["post_tested"] > 0)]


def followups_in(
    followups: pd.DataFrame, partner: str, start: DateLike, end: DateLike
) -> pd.DataFrame:
    """p's follow-up rows (all for WB) with survey_date in [start, end]."""
    mask = partner_rows(followups, partner) & within(followups["survey_date"], start, end)
    return followups[mask]


__all__ = [
    "PackageLike",
    "activity_attribute",
    "cascade",
    "counting",
    "empty_frame",
    "evaluated_rows",
    "evaluated_type",
    "followups_in",
    "knowledge_rows",
    "milestones_achieved",
    "milestones_due",
    "optional_table",
    "partner_rows",
    "relevant",
    "rows_counting",
    "table",
    "within",
]
