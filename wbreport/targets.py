"""Targets, achievement, RAG status and disclosure control (SPEC §4, §8, §9), and the
text of ``indicators.csv``."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from wbreport.config import Thresholds
from wbreport.csvsafe import safe_columns
from wbreport.periods import Period
from wbreport.registry import csv_number, lookup

#: The columns of indicators.csv, in order (SPEC §5, §9).
COLUMNS = [
    "period",
    "partner",
    "indicator",
    "value",
    "baseline",
    "target",
    "achievement",
    "rag",
    "to_date",
    "to_date_baseline",
    "to_date_target",
    "to_date_achievement",
    "to_date_rag",
]
#: The columns of the unformatted table of :func:`wbreport.indicators.indicator_table`.
TABLE_COLUMNS = [*COLUMNS, "n", "suppressed", "to_date_n", "to_date_suppressed"]
TEXT_COLUMNS = ("period", "partner", "indicator", "rag", "to_date_rag")
_HIDDEN = {
    "suppressed": ("value", "achievement", "rag"),
    "to_date_suppressed": ("to_date", "to_date_achievement", "to_date_rag"),
}


def achievement(
    value: pd.Series, baseline: pd.Series, target: pd.Series, lower: pd.Series | np.ndarray
) -> pd.Series:
    """``(value − baseline) / (target − baseline)``, or for lower-is-better rows
    ``(baseline − value) / (baseline − target)``; NA when target = baseline or value is NA."""
    lower = np.asarray(lower, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        higher = (value - baseline) / (target - baseline).where(target != baseline)
        flipped = (baseline - value) / (baseline - target).where(target != baseline)
    return pd.Series(np.where(lower, flipped, higher), index=value.index, dtype="float64")


def _scoped(targets: pd.DataFrame, period: Period, scope: str) -> pd.DataFrame:
    """Targets of ``period`` with ``scope`` (an empty or missing scope means period)."""
    own = targets[targets["period"] == period.label]
    scopes = (
        own["scope"].fillna("").astype(str).replace("", "period")
        if "scope" in own.columns
        else pd.Series("period", index=own.index)
    )
    return own.loc[scopes == scope, ["indicator", "partner", "baseline", "target"]]


def _assess(out: pd.DataFrame, prefix: str, thresholds: Thresholds, lower: np.ndarray) -> None:
    value = out["to_date" if prefix else "value"]
    baseline = out[prefix + "baseline"]
    target = out[prefix + "target"]
    has = target.notna()
    baseline = baseline.where(~has, baseline.fillna(0.0))  # an empty baseline counts as 0
    out[prefix + "baseline"] = baseline
    out[prefix + "achievement"] = achievement(value, baseline, target, lower)
    out[prefix + "rag"] = [
        thresholds.rag(a) if h else ""
        for a, h in zip(out[prefix + "achievement"], has, strict=True)
    ]


def with_targets(
    table: pd.DataFrame,
    targets: pd.DataFrame,
    period: Period,
    thresholds: Thresholds | None = None,
    lower: Iterable[str] = (),
    min_respondents: int = 5,
) -> pd.DataFrame:
    """Add targets of both scopes, achievement, RAG and suppression flags to a long table.

    ``table`` has ``partner, indicator, value`` and optionally ``to_date, n, to_date_n``.
    Targets with scope ``period`` (or empty) are compared with ``value``, those with scope
    ``to_date`` with ``to_date``. Indicators named in ``lower`` are lower-is-better.
    Returns the columns :data:`TABLE_COLUMNS`.
    """
    thresholds = thresholds or Thresholds()
    out = table.copy()
    for column in ("to_date", "n", "to_date_n"):
        if column not in out.columns:
            out[column] = np.nan
    keys = ["indicator", "partner"]
    out = out.merge(_scoped(targets, period, "period"), on=keys, how="left")
    to_date = _scoped(targets, period, "to_date").rename(
        columns={"baseline": "to_date_baseline", "target": "to_date_target"}
    )
    out = out.merge(to_date, on=keys, how="left")
    is_lower = out["indicator"].isin(frozenset(lower)).to_numpy()
    _assess(out, "", thresholds, is_lower)
    _assess(out, "to_date_", thresholds, is_lower)
    for n, flag in (("n", "suppressed"), ("to_date_n", "to_date_suppressed")):
        out[flag] = ((out[n] > 0) & (out[n] < min_respondents)).to_numpy(dtype=bool)
    out.insert(0, "period", period.label)
    return out[TABLE_COLUMNS]


def published(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as published: where a figure is suppressed (§8), its value, achievement
    and RAG are blanked (and the to-date ones where the to-date figure is suppressed);
    baselines and targets are kept."""
    out = table.copy()
    for flag, columns in _HIDDEN.items():
        if flag not in out.columns:
            continue
        hide = out[flag].fillna(False).to_numpy(dtype=bool)
        for column in columns:
            if column in out.columns:
                out.loc[hide, column] = "" if column.endswith("rag") else np.nan
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def format_row(row: Mapping[Hashable, Any]) -> dict[str, str]:
    """Text of one indicators.csv row: counts plain, ratios and achievements to 4 decimals,
    custom values like ratios but integers plain, NA empty."""
    indicator = lookup(str(row["indicator"]))
    text = {name: _text(row.get(name)) for name in TEXT_COLUMNS}
    for name in ("value", "to_date"):
        text[name] = csv_number(row.get(name), indicator)
    for name in ("baseline", "target", "to_date_baseline", "to_date_target"):
        text[name] = csv_number(row.get(name))
    for name in ("achievement", "to_date_achievement"):
        text[name] = csv_number(row.get(name), decimals=4)
    return {name: text[name] for name in COLUMNS}


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`with_targets` as the text written to indicators.csv."""
    rows = [format_row(r) for r in table.to_dict("records")]
    return pd.DataFrame(rows, columns=COLUMNS)


def csv_text(rows: pd.DataFrame) -> str:
    """indicators.csv text of a :func:`formatted` table; its text columns cannot be read
    as spreadsheet formulas (:func:`wbreport.csvsafe.safe_cell`)."""
    columns = [c for c in TEXT_COLUMNS if c in rows.columns]
    return safe_columns(rows, columns).to_csv(index=False, lineterminator="\n")


def to_csv_text(table: pd.DataFrame) -> str:
    """The published indicators.csv of an unformatted table: disclosure control applied."""
    return csv_text(formatted(published(table)))
