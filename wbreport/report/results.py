"""The Results framework section (SPEC §9): the partner's logframe (WB: the programme's)
as an indented hierarchy impact → outcome → output, each result's statement (data text,
escaped) and means of verification, and each of its indicators with baseline, period
target and value, to-date baseline, target and value, achievement and RAG as text and colour."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from wbreport.fragments import Fragment, join, table, tag
from wbreport.framework import result_indicators
from wbreport.report.common import Context, beyond_note, rag_badge
from wbreport.wording import LEVELS, is_na

LEVEL_ORDER = ("impact", "outcome", "output")


def results_rows(package: Any, partner: str) -> pd.DataFrame:
    """The results of ``partner`` (WB: programme-wide ones) plus their ancestors from
    other partners (shown as context), ordered impact → outcome → output."""
    frame = getattr(package, "results", None)
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=["result_id", "level", "parent_id", "partner", "statement"])
    frame = frame.fillna({"parent_id": "", "indicators": "", "means_of_verification": ""})
    by_id = frame.set_index("result_id", drop=False)
    own = frame[frame["partner"] == partner]
    keep = list(own["result_id"])
    for rid in list(keep):
        parent = by_id.loc[rid, "parent_id"]
        while parent and parent in by_id.index and parent not in keep:
            keep.append(parent)
            parent = by_id.loc[parent, "parent_id"]
    chosen = frame[frame["result_id"].isin(keep)].copy()
    chosen["own"] = chosen["partner"] == partner
    return chosen


def _children(frame: pd.DataFrame, parent: str) -> list[Any]:
    ids = set(frame["result_id"])
    # Roots: no parent, or a parent outside the shown set.
    kids = frame[frame["parent_id"] == parent] if parent else frame[~frame["parent_id"].isin(ids)]
    return list(kids.itertuples(index=False))


def _status(ctx: Context, row: dict[str, Any], prefix: str) -> Markup | str:
    """RAG and achievement of the period (``prefix=""``) or to date (``"to_date_"``)."""
    if is_na(row[f"{prefix}target"]):
        return "–"
    if ctx.suppressed(row, f"{prefix}suppressed"):
        return rag_badge(ctx.text, "", short=True)
    rag = str(row[f"{prefix}rag"] or "")
    return rag_badge(ctx.text, rag, row[f"{prefix}achievement"], short=True)


def _indicator_row(ctx: Context, name: str) -> list[Any]:
    t = ctx.text
    r = ctx.row(name)
    try:
        t.indicator(name)
    except KeyError:  # an indicator name the package does not declare: shown as written
        return [name] + ["–"] * 8
    has_target = not is_na(r["target"])
    has_to_date = not is_na(r["to_date_target"])
    # Each status beside the baseline and target it was judged on: the period's and the
    # programme's to date differ (a to-date target counts from the programme's start).
    return [
        t.label(name),
        t.value(r["baseline"], name) if has_target else "–",
        t.value(r["target"], name) if has_target else "–",
        ctx.shown(name, r),
        _status(ctx, r, ""),
        t.value(r["to_date_baseline"], name) if has_to_date else "–",
        t.value(r["to_date_target"], name) if has_to_date else "–",
        ctx.shown(name, r, "to_date"),
        _status(ctx, r, "to_date_"),
    ]


def _indicators(ctx: Context, result: Any, head: Markup) -> Markup:
    """The result's heading line and its indicator table (the heading as its caption)."""
    t = ctx.text
    names = result_indicators(result.indicators)
    if not names:
        return tag("p", head) + tag("p", t("No indicator measures this result."), class_="empty")
    headers = [
        t("Indicator"),
        t("Baseline"),
        t("Target"),
        t("Value"),
        t("Status"),
        t("Baseline to date"),
        t("Target to date"),
        t("Value to date"),
        t("Status to date"),
    ]
    return table(
        headers,
        [_indicator_row(ctx, n) for n in names],
        caption=head,
        numeric=(1, 2, 3, 5, 6, 7),
        class_="result-indicators",
        data_section="result-indicators",
    )


def _result(ctx: Context, frame: pd.DataFrame, result: Any) -> Markup:
    t = ctx.text
    level = tag("span", t(LEVELS.get(result.level, result.level)), class_="level")
    head = level + Markup(" ") + tag("span", result.statement, class_="statement")
    if result.own:
        parts = [_indicators(ctx, result, head)]
        if result.means_of_verification:
            mov = t("Means of verification: {text}", text=result.means_of_verification)
            parts.append(tag("p", mov, class_="mov"))
    else:
        context = tag("p", t("Programme-wide result, shown for context."), class_="note")
        parts = [tag("p", head), context]
    kids = _children(frame, result.result_id)
    if kids:
        parts.append(tag("ol", join(_result(ctx, frame, k) for k in kids), class_="results"))
    return tag(
        "li", join(parts), class_=f"result result-{result.level}", id=f"r-{result.result_id}"
    )


def _shown_rows(ctx: Context, frame: pd.DataFrame) -> list[tuple[dict[str, Any], str]]:
    """The indicator rows the section shows with a target (period and to date)."""
    names = {n for r in frame[frame["own"]].itertuples() for n in result_indicators(r.indicators)}
    rows = [ctx.row(n) for n in sorted(names)]
    return [(r, prefix) for r in rows for prefix in ("", "to_date_")]


def results_framework(ctx: Context) -> Fragment:
    """The Results framework section's body (the heading is the notebook's)."""
    frame = results_rows(ctx.package, ctx.partner)
    t = ctx.text
    if frame.empty:
        return Fragment(tag("p", t("No results framework in the data package."), class_="empty"))
    order = {level: i for i, level in enumerate(LEVEL_ORDER)}
    frame = frame.sort_values("level", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    roots = _children(frame, "")
    body = tag("ol", join(_result(ctx, frame, r) for r in roots), class_="results")
    note = tag(
        "p",
        t(
            "Values and targets for {period} and to date (since the programme start, {start}). "
            "Status gives the achievement, the share of the way from baseline to target.",
            period=t.period(ctx.period),
            start=t.date(ctx.settings.programme.start),
        )
        + beyond_note(ctx, _shown_rows(ctx, frame)),
        class_="note",
    )
    return Fragment(tag("div", body + note, class_="results-framework", data_section="results"))


__all__ = ["LEVEL_ORDER", "results_framework", "results_rows"]
