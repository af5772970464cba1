"""Sections of the programming report (SPEC §5): selections from
:mod:`wbreport.report.data` rendered as escaped, translated HTML fragments and charts."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from markupsafe import Markup

from wbreport import charts, registry
from wbreport.fragments import Fragment, table, tag
from wbreport.naming import report_file
from wbreport.partners import ALL_CODES, NATIONAL_CODES, REGION
from wbreport.report.common import Context
from wbreport.report.data import tool_dates

#: The three headline figures of the "Training evaluation" section (SPEC §8).
EVALUATION_HEADLINES = ("satisfied_share", "knowledge_gain", "applying_share")


def _records(frame: pd.DataFrame) -> list[Any]:
    return list(frame.itertuples(index=False))


def _values(ctx: Context) -> dict[tuple[str, str], float]:
    """Indicator values of the period by (partner, indicator)."""
    frame = ctx.run.table(ctx.period)
    return {
        (str(p), str(i)): float(v)
        for p, i, v in zip(frame["partner"], frame["indicator"], frame["value"], strict=True)
    }


def _where(ctx: Context, scope: str, partner: str) -> str:
    return ctx.text("Regional") if scope == "regional" else ctx.text.partner(partner)


def activities(ctx: Context) -> Fragment:
    """Delivered activities relevant to the partner (all for WB) in the period."""
    t = ctx.text
    act, note = ctx.cut(ctx.data.activities())
    rows = [
        [
            a.title,
            t.date(a.start_date),
            t.date(a.end_date),
            t.activity_type(a.type),
            a.module or "–",
            _where(ctx, a.scope, a.partner),
            t.delivery(a.delivery),
            t.count(a.participants),
            t.count(a.women),
        ]
        for a in _records(act)
    ]
    who = t("all partners") if ctx.is_region else ctx.name
    headers = [
        t("Activity"),
        t("Start"),
        t("End"),
        t("Type"),
        t("Module"),
        t("Scope"),
        t("Delivery"),
        t("Participants"),
        t("Women"),
    ]
    grid = table(
        headers,
        rows,
        caption=t("Activities delivered in {period} ({who})", period=t.period(ctx.period), who=who),
        numeric=(7, 8),
        empty=t("No activity delivered in this period."),
        class_="activities",
        data_section="activities",
    )
    return Fragment(grid + note)


def participation(ctx: Context) -> Fragment:
    """Training participation by module with the women/men split."""
    t = ctx.text
    data = ctx.data.participation_by_module()

    def share(women: float, total: float) -> str:
        """Share of women, n/a without participants."""
        return t.percent(women / total if total else math.nan, 1)

    rows: list[list[Any]] = [
        [
            m,
            t.count(r.participants),
            t.count(r.women),
            t.count(r.men),
            share(r.women, r.participants),
        ]
        for m, r in zip(data.index, _records(data), strict=True)
    ]
    if rows:
        total = data.sum()
        rows.append(
            [
                Fragment(tag("strong", t("Total"))),
                t.count(total["participants"]),
                t.count(total["women"]),
                t.count(total["men"]),
                share(total["women"], total["participants"]),
            ]
        )
    return Fragment(
        table(
            [t("Module"), t("Participants"), t("Women"), t("Men"), t("Share of women")],
            rows,
            caption=t("Training and train-the-trainers participation by module"),
            numeric=(1, 2, 3, 4),
            empty=t("No training delivered in this period."),
            data_section="participation",
        )
    )


def participation_chart(ctx: Context) -> charts.Chart | Fragment:
    """Stacked bars of women and men per module."""
    data = ctx.data.participation_by_module()
    if data.empty:
        return Fragment("")
    t = ctx.text
    return charts.participation_by_module(
        list(data.index),
        data["women"].tolist(),
        data["men"].tolist(),
        t(
            "Training participation by module, {name}, {period}",
            name=ctx.name,
            period=t.period(ctx.period),
        ),
        tr=t,
    )


def trainers(ctx: Context) -> Fragment:
    """Train-the-trainers sessions and the cascade of national trainings they feed."""
    t = ctx.text
    ttt_rows = [
        [
            a.title,
            t.date(a.end_date),
            a.module,
            t.delivery(a.delivery),
            t.count(a.certified_trainers),
        ]
        for a in _records(ctx.data.train_the_trainers())
    ]
    cascade_rows = [
        [a.title, t.partner(a.partner), t.date(a.end_date), a.module, t.count(a.participants)]
        for a in _records(ctx.data.cascade())
    ]
    value = {
        n: ctx.row(n)["value"]
        for n in ("trainers_certified", "certified_trainers_to_date", "cascade_sessions")
    }
    summary = t(
        "Trainers certified this period: {trained}; certified trainers to date: {to_date}; "
        "cascade sessions: {cascade} (national trainings led by certified trainers).",
        trained=t.count(value["trainers_certified"]),
        to_date=t.count(value["certified_trainers_to_date"]),
        cascade=t.count(value["cascade_sessions"]),
    )
    return Fragment(
        tag("p", summary, class_="lead")
        + table(
            [
                t("Train-the-trainers session"),
                t("End"),
                t("Module"),
                t("Delivery"),
                t("Trainers certified"),
            ],
            ttt_rows,
            caption=t("Train-the-trainers sessions"),
            numeric=(4,),
            empty=t("No train-the-trainers session in this period."),
            data_section="train-the-trainers",
        )
        + table(
            [t("Cascade session"), t("Partner"), t("End"), t("Module"), t("Participants")],
            cascade_rows,
            caption=t("National trainings led by certified trainers"),
            numeric=(4,),
            empty=t("No cascade session in this period."),
            data_section="cascade",
        )
    )


def _milestone_status(ctx: Context, m: Any) -> str:
    """The status at the end of the period: one achieved since then reads as open, with
    the date it was achieved (SPEC §4: re-rendering an old period gives the same picture)."""
    t = ctx.text
    if m.achieved_later:
        return t("open at period end; achieved {date}", date=t.date(m.achieved_date))
    return t.milestone_status(m.status)


def milestones(ctx: Context) -> Fragment:
    """Roadmap milestones by priority area, then the overdue items."""
    t = ctx.text
    areas = ctx.data.milestone_areas()
    rows = [
        [a, t.count(r.total), t.count(r.due), t.count(r.achieved), t.count(r.overdue)]
        for a, r in zip(areas.index, _records(areas), strict=True)
    ]
    overview = table(
        [t("Priority area"), t("Milestones"), t("Due by period end"), t("Achieved"), t("Overdue")],
        rows,
        caption=t("Roadmap milestones by priority area at {date}", date=t.date(ctx.period.end)),
        numeric=(1, 2, 3, 4),
        empty=t("No roadmap milestones."),
        data_section="milestone-areas",
    )
    late_rows = [
        [
            m.description or m.milestone_id,
            t.partner(m.partner),
            m.priority_area,
            t.framework(m.framework),
            t.date(m.due_date),
            _milestone_status(ctx, m),
            m.chapter24_ref or "–",
        ]
        for m in _records(ctx.data.overdue_milestones())
    ]
    overdue = table(
        [
            t("Overdue milestone"),
            t("Partner"),
            t("Priority area"),
            t("Framework"),
            t("Due"),
            t("Status"),
            t("Chapter 24"),
        ],
        late_rows,
        caption=t("Overdue milestones"),
        empty=t("No overdue milestones."),
        data_section="overdue-milestones",
    )
    return Fragment(overview + overdue)


def milestones_chart(ctx: Context) -> charts.Chart | Fragment:
    """Stacked bars per priority area: achieved, not yet due, overdue."""
    areas = ctx.data.milestone_areas()
    if areas.empty:
        return Fragment("")
    return charts.milestone_status(
        list(areas.index),
        areas["achieved"].tolist(),
        areas["open"].tolist(),
        areas["overdue"].tolist(),
        ctx.text("Milestones by priority area, {name}", name=ctx.name),
        tr=ctx.text,
    )


def _tool_cell(ctx: Context, value: str, when: Any) -> str:
    t = ctx.text
    if not value:
        return "–"
    if ctx.is_region:
        return value  # partner codes (AL, XK, ...): the matrix stays narrow
    if value == "published":
        return t("Published {date}", date=t.date(when))
    return t("Planned") if value == "planned" else t("In translation")


def tools(ctx: Context) -> Fragment:
    """Tools × languages: publication status at the end of the period."""
    t = ctx.text
    matrix = ctx.data.tools_matrix()
    if matrix.empty:
        return Fragment(tag("p", t("No practical tools recorded."), class_="empty"))
    languages = [c for c in matrix.columns if c != "title"]
    dates = tool_dates(ctx.package, ctx.partner, ctx.period)
    rows = [
        [row["title"]]
        + [_tool_cell(ctx, row[lang], dates.get((str(tool_id), str(lang)))) for lang in languages]
        for tool_id, row in matrix.iterrows()
    ]
    what = t("partners with the translation published") if ctx.is_region else t("status")
    legend = t(
        "Languages: {languages}.",
        languages="; ".join(f"{code} {t.language(code)}" for code in languages),
    )
    return Fragment(
        table(
            [t("Tool"), *languages],
            rows,
            caption=t(
                "Practical tools and translations ({what}, at {date})",
                what=what,
                date=t.date(ctx.period.end),
            ),
            class_="matrix",
            data_section="tools",
        )
        + tag("p", legend, class_="note")
    )


TREND_COLUMNS = ("activities_delivered", "participants", "women_share", "milestone_completion_rate")


def trend(ctx: Context) -> Fragment:
    """Key indicators over recent periods of the same kind."""
    t = ctx.text
    data = ctx.data.trend()
    rows = [
        [t.period(label)] + [t.value(data.loc[label, n], n) for n in TREND_COLUMNS]
        for label in data.index
    ]
    return Fragment(
        table(
            [t("Period")] + [t.label(n) for n in TREND_COLUMNS],
            rows,
            caption=t.plural(
                "Trend over the last {n} period", "Trend over the last {n} periods", len(rows)
            ),
            numeric=(1, 2, 3, 4),
            class_="trend",
            data_section="trend",
        )
    )


def trend_chart(ctx: Context) -> charts.Chart:
    """Participants (bars) and delivered activities (line) over recent periods."""
    data = ctx.data.trend()
    return charts.trend(
        [ctx.text.period(label) for label in data.index],
        data["participants"].tolist(),
        data["activities_delivered"].tolist(),
        ctx.text("Participants and activities, {name}, recent periods", name=ctx.name),
        tr=ctx.text,
    )


def workplan(ctx: Context) -> Fragment:
    """Planned activities starting, and milestones due, in the next period of the same kind."""
    t = ctx.text
    following = ctx.period.next()
    nxt = t.period(following) if following else "–"
    act_rows = [
        [
            a.title,
            t.date(a.start_date),
            t.activity_type(a.type),
            a.module or "–",
            _where(ctx, a.scope, a.partner),
            t.delivery(a.delivery),
        ]
        for a in _records(ctx.data.workplan_activities())
    ]
    ms_rows = [
        [
            m.description or m.milestone_id,
            t.partner(m.partner),
            m.priority_area,
            t.date(m.due_date),
            _milestone_status(ctx, m),
        ]
        for m in _records(ctx.data.workplan_milestones())
    ]
    return Fragment(
        table(
            [t("Planned activity"), t("Start"), t("Type"), t("Module"), t("Scope"), t("Delivery")],
            act_rows,
            caption=t("Activities planned to start in {period}", period=nxt),
            empty=t("No activity planned to start in {period}.", period=nxt),
            data_section="workplan-activities",
        )
        + table(
            [t("Milestone"), t("Partner"), t("Priority area"), t("Due"), t("Status")],
            ms_rows,
            caption=t("Milestones due in {period}", period=nxt),
            empty=t("No milestone due in {period}.", period=nxt),
            data_section="workplan-milestones",
        )
    )


def comparison(ctx: Context) -> Fragment:
    """Partners side by side (WB); a partner's figures next to the regional total otherwise."""
    t = ctx.text
    values = _values(ctx)
    codes = list(ALL_CODES) if ctx.is_region else [ctx.partner, REGION]
    headers = [t("Indicator")] + [t.partner(c) if c != REGION else t("Region (WB)") for c in codes]
    rows = []
    for info in registry.selected(group="programming", comparison=True):
        cells: list[Any] = [t.label(info.name)]
        for c in codes:
            value = values.get((c, info.name), math.nan)
            cells.append(
                tag(
                    "td",
                    t.value(value, info.name),
                    class_="num",
                    data_partner=c,
                    data_indicator=info.name,
                    data_value=registry.csv_number(value, info),
                )
            )
        rows.append(cells)
    period = t.period(ctx.period)
    if ctx.is_region:
        caption = t("Partners side by side, {period}", period=period)
    else:
        caption = t("Compared with the region, {period}", period=period)
    numeric = tuple(range(1, len(headers)))
    return Fragment(table(headers, rows, caption=caption, numeric=numeric, class_="comparison"))


def comparison_chart(ctx: Context) -> charts.Chart | Fragment:
    """Participants per partner with the share of women (WB only)."""
    if not ctx.is_region:
        return Fragment("")
    values = _values(ctx)
    t = ctx.text
    return charts.partner_comparison(
        [t.partner(c) for c in NATIONAL_CODES],
        [values[(c, "participants")] for c in NATIONAL_CODES],
        [values[(c, "women_share")] for c in NATIONAL_CODES],
        t("Participants by partner, {period}", period=t.period(ctx.period)),
        tr=t,
    )


def regional_activities(ctx: Context) -> Fragment:
    """Regional activities delivered in the period with their organisers."""
    t = ctx.text
    rows = [
        [
            a.title,
            t.date(a.end_date),
            t.activity_type(a.type),
            a.organisers or "–",
            ", ".join(t.partner(c) for c in a.partners) or "–",
        ]
        for a in _records(ctx.data.regional_activities())
    ]
    return Fragment(
        table(
            [
                t("Regional activity"),
                t("End"),
                t("Type"),
                t("Organisers"),
                t("Partners taking part"),
            ],
            rows,
            caption=t("Regional activities delivered in {period}", period=t.period(ctx.period)),
            empty=t("No regional activity in this period."),
            data_section="regional-activities",
        )
    )


def training_evaluation(ctx: Context, lang: str | None = None) -> Fragment:
    """Three headline figures of the training evaluation and a link to its report."""
    t = ctx.text
    items = []
    for name in EVALUATION_HEADLINES:
        r = ctx.row(name)
        items.append(
            tag(
                "div",
                tag("dt", t.label(name))
                + tag(
                    "dd",
                    ctx.shown(name, r),
                    data_indicator=name,
                    data_value=""
                    if ctx.suppressed(r)
                    else registry.csv_number(r["value"], t.indicator(name)),
                ),
                class_="headline",
            )
        )
    figures = tag("dl", Markup("").join(items), class_="headlines", data_section="evaluation")
    parts = figures
    if "evaluation" in ctx.settings.reports:
        href = report_file(ctx.partner, "evaluation", lang or t.lang)
        text = t("Training evaluation report, {period}", period=t.period(ctx.period))
        intro = tag("span", t("Details by module and activity:"))
        parts += tag("p", intro + Markup(" ") + tag("a", text, href=href), class_="see-also")
    return Fragment(parts)


__all__ = [
    "EVALUATION_HEADLINES",
    "activities",
    "comparison",
    "comparison_chart",
    "milestones",
    "milestones_chart",
    "participation",
    "participation_chart",
    "regional_activities",
    "tools",
    "trainers",
    "training_evaluation",
    "trend",
    "trend_chart",
    "workplan",
]
