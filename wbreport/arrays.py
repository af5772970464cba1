"""Period-independent numpy views of a data package, built once per package.

The indicators (:mod:`wbreport.indicators`) are plain array arithmetic over these views:
partner codes as small integers (0..5 for AL..RS, -1 for anything else), each
participation or evaluation row's activity as a position in ``activities``, dates as
``datetime64``, counts as floats.

Text columns are taken as distinct values and a code per row. :func:`load_package
<wbreport.package.load_package>` passes the ones validation already made (``activity_id``
of every table factorised together, codes and partners as categories), so building the
views hashes no per-row text at all; any other package (a frame built by hand) is
factorised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wbreport.frames import first_row_of_key
from wbreport.partners import NATIONAL_CODES
from wbreport.schema import EVALUATED_TYPES
from wbreport.selections import PackageLike, optional_table

_NATIONAL_INDEX = pd.Index(NATIONAL_CODES)

#: Per table, per column: the column as (distinct values, code per row), as loading made it.
Factors = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Evaluated:
    """Numpy views of the ``evaluations`` table (§8)."""

    pos: np.ndarray  # position of the row's activity in activities
    partner: np.ndarray
    respondents: np.ndarray
    score: np.ndarray  # Σ k·satisfaction_k
    satisfied: np.ndarray  # satisfaction_4 + satisfaction_5
    useful: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    pre_points: np.ndarray  # pre_tested · pre_score_mean
    post_points: np.ndarray
    passed: np.ndarray


@dataclass(frozen=True)
class FollowedUp:
    """Numpy views of the ``followups`` table (§8)."""

    partner: np.ndarray
    date: np.ndarray
    respondents: np.ndarray
    applying: np.ndarray


@dataclass(frozen=True)
class Arrays:
    """Period-independent numpy views of a package, built once and cached on it."""

    a_partner: np.ndarray
    a_end: np.ndarray
    delivered: np.ndarray
    national: np.ndarray
    virtual: np.ndarray
    ttt: np.ndarray
    cascade: np.ndarray
    evaluated_type: np.ndarray
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
    evaluations: Evaluated | None = None
    followups: FollowedUp | None = None


class _Columns:
    """A package's text columns as distinct values and codes (see the module docstring)."""

    def __init__(self, package: PackageLike, factors: Factors | None) -> None:
        self.package = package
        self.given = factors or {}

    def factors(self, table: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(distinct values, code per row)`` of a column; every code is a valid position."""
        part = self.given.get(table, {}).get(column)
        if isinstance(part, tuple) and part[0].dtype == object:
            return part[0], part[1]
        codes, uniques = pd.factorize(getattr(self.package, table)[column], use_na_sentinel=False)
        return np.asarray(uniques, dtype=object), codes

    def partner(self, table: str) -> np.ndarray:
        """Position of each row's partner in AL..RS; -1 for anything else (WB)."""
        uniques, codes = self.factors(table, "partner")
        return _NATIONAL_INDEX.get_indexer(pd.Index(uniques, dtype=object)).astype(np.int64)[codes]

    def isin(self, table: str, column: str, values: tuple[str, ...]) -> np.ndarray:
        """Per row: is the cell one of ``values``?"""
        uniques, codes = self.factors(table, column)
        return np.isin(uniques, values)[codes]

    def equals(self, table: str, column: str, value: str) -> np.ndarray:
        """Per row: is the cell ``value``?"""
        return self.isin(table, column, (value,))

    def activity_positions(self, table: str) -> np.ndarray:
        """Position in ``activities`` of each row's activity (-1: none).

        Loading factorises ``activity_id`` of every table together, so a row's activity
        is found by its code; otherwise the distinct ids are matched (activity ids are
        unique in a validated package).
        """
        ids, own = self.factors("activities", "activity_id")
        uniques, codes = self.factors(table, "activity_id")
        codes = np.asarray(codes, dtype=np.int64)
        if uniques is not ids:  # each row's id as a code among the activities' ids
            found = pd.Index(ids, dtype=object).get_indexer(pd.Index(uniques, dtype=object))
            codes = found[codes]
        rows = first_row_of_key(own, np.arange(len(own)), np.maximum(codes, 0), len(ids))
        return np.where(codes >= 0, rows, -1)

    def codes(self, table: str, column: str) -> np.ndarray:
        """The codes of a column (equal codes, equal values)."""
        return np.asarray(self.factors(table, column)[1], dtype=np.int64)


def _float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=np.float64, na_value=0.0)


def _dates(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype="datetime64[ns]")


def _evaluated(package: PackageLike, cols: _Columns) -> Evaluated | None:
    ev = optional_table(package, "evaluations")
    if ev is None:
        return None
    sat = [_float(ev, f"satisfaction_{k}") for k in range(1, 6)]
    pre, post = _float(ev, "pre_tested"), _float(ev, "post_tested")
    return Evaluated(
        pos=cols.activity_positions("evaluations"),
        partner=cols.partner("evaluations"),
        respondents=_float(ev, "respondents"),
        score=sum(k * s for k, s in enumerate(sat, start=1)),  # type: ignore[arg-type]
        satisfied=sat[3] + sat[4],
        useful=_float(ev, "useful"),
        pre=pre,
        post=post,
        pre_points=pre * np.nan_to_num(_float(ev, "pre_score_mean")),
        post_points=post * np.nan_to_num(_float(ev, "post_score_mean")),
        passed=_float(ev, "passed"),
    )


def _followed_up(package: PackageLike, cols: _Columns) -> FollowedUp | None:
    fu = optional_table(package, "followups")
    if fu is None:
        return None
    return FollowedUp(
        partner=cols.partner("followups"),
        date=_dates(fu, "survey_date"),
        respondents=_float(fu, "respondents"),
        applying=_float(fu, "applying"),
    )


def arrays(package: PackageLike, factors: Factors | None = None) -> Arrays:
    """The :class:`Arrays` of ``package`` (computed on first use, then reused).

    ``factors``: text columns as loading factorised them (see :data:`Factors`); without
    them, the columns are factorised here.
    """
    cached = package.__dict__.get("_wbreport_arrays")
    if cached is not None:
        return cached
    cols = _Columns(package, factors)
    act, part = package.activities, package.participation
    ms, tools = package.milestones, package.tools
    national = cols.equals("activities", "scope", "national")
    achieved = cols.equals("milestones", "status", "achieved")
    built = Arrays(
        a_partner=cols.partner("activities"),
        a_end=_dates(act, "end_date"),
        delivered=cols.equals("activities", "status", "delivered"),
        national=national,
        virtual=cols.equals("activities", "delivery", "virtual"),
        ttt=cols.equals("activities", "type", "train_the_trainers"),
        cascade=national
        & cols.equals("activities", "type", "training")
        & act["led_by_certified_trainer"].to_numpy(dtype=bool),
        evaluated_type=cols.isin("activities", "type", tuple(EVALUATED_TYPES)),
        r_pos=cols.activity_positions("participation"),
        r_partner=cols.partner("participation"),
        people=part["participants"].to_numpy(dtype=np.float64),
        women=part["women"].to_numpy(dtype=np.float64),
        trainers=part["certified_trainers"].to_numpy(dtype=np.float64),
        m_partner=cols.partner("milestones"),
        m_due=_dates(ms, "due_date"),
        m_open=~cols.equals("milestones", "status", "dropped"),
        m_achieved_on=np.where(achieved, _dates(ms, "achieved_date"), np.datetime64("NaT", "ns")),
        t_partner=cols.partner("tools"),
        t_published=_dates(tools, "published_date"),
        t_tool=cols.codes("tools", "tool_id"),
        t_language=cols.codes("tools", "language"),
        evaluations=_evaluated(package, cols),
        followups=_followed_up(package, cols),
    )
    package.__dict__["_wbreport_arrays"] = built
    return built
