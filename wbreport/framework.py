"""The results framework of SPEC §9: custom indicators observed outside wbreport and the
logframe rows of ``results.csv``.

A custom indicator's value for P is the observation with period exactly P (else NA); its
to-date value is the latest observation whose period ends on or before E, and of several
ending the same day the one of the shortest period. :func:`results_table` joins each
result of the logframe with the figures of the indicators measuring it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport.csvsafe import safe_columns
from wbreport.partners import ALL_CODES
from wbreport.periods import Period, parse_period
from wbreport.registry import Indicator, csv_number, custom_indicator, lookup
from wbreport.selections import PackageLike, optional_table
from wbreport.targets import COLUMNS, published

Values = dict[str, np.ndarray]  # indicator -> values for AL, BA, XK, ME, MK, RS, WB
_NA = np.full(len(ALL_CODES), np.nan)


def custom_indicators(package: PackageLike) -> tuple[Indicator, ...]:
    """The custom indicators declared in the package's ``indicator_definitions``, in order."""
    defs = optional_table(package, "indicator_definitions")
    if defs is None:
        return ()
    return tuple(
        custom_indicator(str(r.indicator), str(r.label), str(r.unit), str(r.direction))
        for r in defs.itertuples(index=False)
    )


def custom_values(
    package: PackageLike, period: Period, names: tuple[str, ...]
) -> tuple[Values, Values]:
    """Values and to-date values of custom indicators ``names`` at ``period``.

    The value is the observation whose period is exactly ``period`` (else NA); the to-date
    value is the latest observation whose period ends on or before E, and of several
    ending the same day the one of the shortest period.
    """
    values = {name: _NA.copy() for name in names}
    to_date = {name: _NA.copy() for name in names}
    obs = optional_table(package, "observations")
    if obs is None or not names:
        return values, to_date
    spans = {label: parse_period(label) for label in obs["period"].unique()}
    frame = pd.DataFrame(
        {
            "indicator": obs["indicator"].to_numpy(dtype=object),
            "column": pd.Index(ALL_CODES).get_indexer(pd.Index(obs["partner"])),
            "period": obs["period"].to_numpy(dtype=object),
            "end": [spans[x].end for x in obs["period"]],
            "start": [spans[x].start for x in obs["period"]],
            "value": obs["value"].to_numpy(dtype=np.float64),
        }
    )
    frame = frame[frame["indicator"].isin(names) & (frame["column"] >= 0)]
    _fill(values, frame[frame["period"] == period.label])
    known = frame[frame["end"] <= period.end].sort_values(["end", "start"], kind="stable")
    _fill(to_date, known.groupby(["indicator", "column"], sort=False).tail(1))
    return values, to_date


def _fill(target: Values, rows: pd.DataFrame) -> None:
    """Put each row's value at (indicator, partner column)."""
    for name, column, value in zip(rows["indicator"], rows["column"], rows["value"], strict=True):
        target[str(name)][int(column)] = float(value)


# --- results.csv ----------------------------------------------------------------------

#: Columns of :func:`results_table` (the first seven describe the result).
RESULT_COLUMNS = [
    "period",
    "partner",
    "result_id",
    "level",
    "parent_id",
    "statement",
    "means_of_verification",
    "indicator",
    *COLUMNS[3:],  # the figures of indicators.csv, in its order
]
_FIGURES = RESULT_COLUMNS[8:]
_FLAGS = ["n", "suppressed", "to_date_n", "to_date_suppressed"]
_TEXT = ("period", "partner", "result_id", "level", "parent_id", "statement",
         "means_of_verification", "indicator", "rag", "to_date_rag")  # fmt: skip


def result_indicators(text: object) -> list[str]:
    """The names of a result's ``indicators`` cell (``;``-separated, blanks dropped)."""
    return [n for n in (part.strip() for part in str(text or "").split(";")) if n]


def results_table(package: PackageLike, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``results.csv``: one per (partner, result, indicator).

    ``table`` is the :func:`wbreport.indicators.indicator_table` of the period (pass it
    through :func:`wbreport.targets.published` first for a published file, or apply
    ``published`` to this result: it carries the same suppression flags).

    Columns: ``period, partner`` (the result's partner; WB = programme-wide),
    ``result_id, level, parent_id, statement, means_of_verification`` (the result as
    written), ``indicator`` (one of its indicators, in listed order; empty for a result
    measured by none, so that the hierarchy stays whole), then the indicator's figures
    for that partner: ``value, baseline, target, achievement, rag, to_date,
    to_date_baseline, to_date_target, to_date_achievement, to_date_rag`` and the
    disclosure-control columns ``n, suppressed, to_date_n, to_date_suppressed``.
    Rows come in the fixed partner order, then the order of the results table.
    An indicator unknown to ``table`` has empty figures.
    """
    results = optional_table(package, "results")
    columns = RESULT_COLUMNS + _FLAGS
    if results is None:
        return pd.DataFrame(columns=columns)
    period = str(table["period"].iloc[0]) if len(table) else ""
    rows = []
    for r in results.to_dict("records"):
        names = result_indicators(r.get("indicators")) or [""]
        described = {
            "period": period,
            "partner": r["partner"],
            "result_id": r["result_id"],
            "level": r["level"],
            "parent_id": r.get("parent_id") or "",
            "statement": r["statement"],
            "means_of_verification": r.get("means_of_verification") or "",
        }
        rows += [{**described, "indicator": name} for name in names]
    frame = pd.DataFrame(rows, columns=columns[:8])
    figures = table[["partner", "indicator", *_FIGURES, *_FLAGS]]
    out = frame.merge(figures, on=["partner", "indicator"], how="left")
    for rag in ("rag", "to_date_rag"):
        out[rag] = out[rag].fillna("")
    for flag in ("suppressed", "to_date_suppressed"):
        out[flag] = out[flag].fillna(False).astype(bool)
    order = {code: i for i, code in enumerate(ALL_CODES)}
    out["_order"] = out["partner"].map(order)
    out = out.sort_values("_order", kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)[columns]


def results_csv_text(rows: pd.DataFrame, custom: tuple[Indicator, ...] = ()) -> str:
    """``results.csv`` text of :func:`results_table` rows (numbers as in indicators.csv;
    text cells safe from spreadsheet formulas). Apply ``published`` first for the
    published file."""
    text = pd.DataFrame(
        {c: rows[c].map(lambda v: "" if v is None or v != v else str(v)) for c in _TEXT}
    )
    for column in ("value", "to_date"):
        text[column] = [
            csv_number(v, lookup(str(name), custom)) if name else ""
            for v, name in zip(rows[column], rows["indicator"], strict=True)
        ]
    for column in ("baseline", "target", "to_date_baseline", "to_date_target"):
        text[column] = rows[column].map(csv_number)
    for column in ("achievement", "to_date_achievement"):
        text[column] = rows[column].map(lambda v: csv_number(v, decimals=4))
    return safe_columns(text[RESULT_COLUMNS], _TEXT).to_csv(index=False, lineterminator="\n")


def published_results_csv(package: PackageLike, table: pd.DataFrame) -> str:
    """The published ``results.csv`` text (SPEC §9) of a period's raw
    :func:`wbreport.indicators.indicator_table`: disclosure control applied (§8)."""
    return results_csv_text(published(results_table(package, table)), custom_indicators(package))


__all__ = [
    "RESULT_COLUMNS",
    "custom_indicators",
    "custom_values",
    "published_results_csv",
    "result_indicators",
    "results_csv_text",
    "results_table",
]
