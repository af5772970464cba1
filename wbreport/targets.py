"""Targets, achievement and RAG status (SPEC §4 "Targets and RAG")."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wbreport.periods import Period
from wbreport.schema import RATIO_INDICATORS

COLUMNS = ["period", "partner", "indicator", "value", "baseline", "target", "achievement", "rag"]
TEXT_COLUMNS = ("period", "partner", "indicator", "rag")


@dataclass(frozen=True)
class Thresholds:
    """RAG thresholds on the unrounded achievement."""

    green: float = 0.9
    amber: float = 0.6

    def rag(self, achievement: float) -> str:
        if achievement is None or math.isnan(achievement):
            return ""
        if achievement >= self.green:
            return "green"
        return "amber" if achievement >= self.amber else "red"


def with_targets(
    table: pd.DataFrame, targets: pd.DataFrame, period: Period, thresholds: Thresholds | None = None
) -> pd.DataFrame:
    """Add baseline, target, achievement and RAG to a long indicator table.

    ``achievement = (value - baseline) / (target - baseline)``; NA when target equals
    baseline or the value is NA. An empty baseline counts as 0.
    """
    thresholds = thresholds or Thresholds()
    own = targets.loc[
        targets["period"] == period.label, ["indicator", "partner", "baseline", "target"]
    ]
    out = table.merge(own, on=["partner", "indicator"], how="left")
    span = out["target"] - out["baseline"]
    with np.errstate(divide="ignore", invalid="ignore"):
        achievement = (out["value"] - out["baseline"]) / span.where(span != 0)
    out["achievement"] = achievement.astype("float64")
    out["rag"] = [
        thresholds.rag(a) if has else ""
        for a, has in zip(out["achievement"], out["target"].notna(), strict=True)
    ]
    out.insert(0, "period", period.label)
    return out[COLUMNS]


def _number(value: float, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def format_row(row: Mapping[Hashable, Any]) -> dict[str, str]:
    """Text of one indicators.csv row: integers plain, ratios and achievements to 4 decimals."""
    ratio = row["indicator"] in RATIO_INDICATORS
    return {
        "period": str(row["period"]),
        "partner": str(row["partner"]),
        "indicator": str(row["indicator"]),
        "value": _number(row["value"], 4 if ratio else None),
        "baseline": _number(row["baseline"], None),
        "target": _number(row["target"], None),
        "achievement": _number(row["achievement"], 4),
        "rag": str(row["rag"] or ""),
    }


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`with_targets` as the text written to indicators.csv."""
    rows = [format_row(r) for r in table.to_dict("records")]
    return pd.DataFrame(rows, columns=COLUMNS)


def csv_text(rows: pd.DataFrame) -> str:
    """indicators.csv text of a :func:`formatted` table; its text columns cannot be read
    as spreadsheet formulas (:func:`wbreport.csvsafe.safe_cell`)."""
    from wbreport.csvsafe import safe_columns

    return safe_columns(rows, TEXT_COLUMNS).to_csv(index=False, lineterminator="\n")


def to_csv_text(table: pd.DataFrame) -> str:
    return csv_text(formatted(table))
