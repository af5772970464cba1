"""What every kind of report shares: its context, header, headings, key figures (with
the change since the previous period and disclosure control), narrative and footer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from wbreport import registry
from wbreport.config import Narrative, Settings
from wbreport.fragments import Fragment, join, markdown, table, tag
from wbreport.naming import PROGRAMMING, index_file
from wbreport.partners import REGION
from wbreport.periods import Period
from wbreport.registry import N_
from wbreport.report.data import ReportData
from wbreport.report.run import Prepared, data_fingerprint
from wbreport.wording import RAG_CODES, Text, is_na

#: Section headings of the reports (message ids; the notebook calls report.heading(...)).
HEADINGS = (
    N_("Key figures"),
    N_("Highlights"),
    N_("Activities delivered"),
    N_("Training participation"),
    N_("Train-the-trainers and cascade"),
    N_("Roadmap milestones"),
    N_("Practical tools and translations"),
    N_("Regional cooperation"),
    N_("Results framework"),
    N_("Training evaluation"),
    N_("Trend"),
    N_("Workplan for the next period"),
    N_("Next steps"),
)
#: Title patterns of the report kinds declared in params/defaults.yaml (SPEC §8).
TITLES = (
    N_("{name} — programming report {period}"),
    N_("{name} — training evaluation {period}"),
)
NA_ROW = {
    "value": math.nan,
    "baseline": math.nan,
    "target": math.nan,
    "achievement": math.nan,
    "rag": "",
    "to_date": math.nan,
    "to_date_baseline": math.nan,
    "to_date_target": math.nan,
    "to_date_achievement": math.nan,
    "to_date_rag": "",
    "n": math.nan,
    "suppressed": False,
    "to_date_n": math.nan,
    "to_date_suppressed": False,
}


@dataclass
class Context:
    """One report: partner (or ``WB``), period, kind, language, the run's data and text."""

    partner: str
    period: Period
    run: Prepared
    narrative: Narrative
    text: Text
    kind: str = PROGRAMMING
    is_sample: bool = False
    #: Every language this report is rendered in by one execution (``wbreport run``): its
    #: header links the others. Empty when opened alone (JupyterLab).
    languages: tuple[str, ...] = ()
    _rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, repr=False)

    @property
    def package(self) -> Any:
        """The data package."""
        return self.run.package

    @property
    def settings(self) -> Settings:
        """The run settings."""
        return self.run.settings

    @property
    def is_region(self) -> bool:
        """True for the regional roll-up (WB)."""
        return self.partner == REGION

    @property
    def name(self) -> str:
        """The partner's display name in the report language."""
        return self.text.partner(self.partner)

    @cached_property
    def data(self) -> ReportData:
        """The report's selections (``report.data.activities()`` and the like)."""
        return ReportData(
            self.package,
            self.partner,
            self.period,
            self.run.table,
            self.settings.report.trend_periods,
        )

    @property
    def title(self) -> str:
        """The title: the kind's pattern with the partner's name and the period."""
        kind = self.settings.reports.get(self.kind)
        pattern = kind.title if kind and kind.title else "{name} — programming report {period}"
        period = self.text.period(self.period)
        return self.text.tr.configured(pattern).format(name=self.name, period=period)

    def rows(self, period: Period | None = None) -> dict[str, dict[str, Any]]:
        """Indicator rows of the partner, by indicator name (missing columns as NA)."""
        p = period or self.period
        if p.label not in self._rows:
            frame = self.run.table(p)
            own = frame[frame["partner"] == self.partner]
            self._rows[p.label] = {
                str(r["indicator"]): {**NA_ROW, **{str(k): v for k, v in r.items()}}
                for r in own.to_dict("records")
            }
        return self._rows[p.label]

    def row(self, name: str, period: Period | None = None) -> dict[str, Any]:
        """One indicator row (all NA when the table lacks it)."""
        return self.rows(period).get(name, dict(NA_ROW))

    def suppressed(self, row: dict[str, Any], flag: str = "suppressed") -> bool:
        """Disclosure control (SPEC §8): the figure rests on 0 < n < min_respondents
        (``flag="to_date_suppressed"`` for the to-date figure)."""
        value = row.get(flag)
        return bool(value) and not (isinstance(value, float) and math.isnan(value))

    def shown(self, name: str, row: dict[str, Any], column: str = "value") -> str:
        """A figure as a report shows it: formatted, or "n < 5" when suppressed."""
        flag = "to_date_suppressed" if column.startswith("to_date") else "suppressed"
        if self.suppressed(row, flag):
            return self.text("n < {threshold}", threshold=self.settings.min_respondents)
        return self.text.value(row[column], name)

    def cut(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, Markup]:
        """At most ``max_table_rows`` rows, and the note saying so."""
        limit = self.settings.report.max_table_rows
        if len(frame) <= limit:
            return frame, Markup("")
        note = self.text.plural(
            "Showing the first {limit} of {n} row; all are in the data package.",
            "Showing the first {limit} of {n} rows; all are in the data package.",
            len(frame),
            limit=self.text.count(limit),
        )
        return frame.head(limit), tag("p", note, class_="note")


def heading(ctx: Context, text: str, level: int = 2) -> Fragment:
    """A section heading in the report language (``text`` is the English message id)."""
    slug = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return Fragment(tag(f"h{level}", ctx.text(text), id=f"s-{slug}"))


def header(ctx: Context) -> Fragment:
    """Kicker, title, reporting period with its dates, and the sample-data notice."""
    t = ctx.text
    p = ctx.period
    parts = [
        tag(
            "p",
            t(
                "Capacity-building programme in asylum and reception with the Western Balkan "
                "partners"
            ),
            class_="kicker",
        ),
        tag("h1", ctx.title),
        tag(
            "p",
            t(
                "Reporting period {period}: {start} – {end}",
                period=t.period(p),
                start=t.date(p.start),
                end=t.date(p.end),
            ),
            class_="subtitle",
        ),
    ]
    if ctx.is_sample:
        parts.append(
            tag(
                "p",
                t("Illustrative sample data: the figures in this report are not real."),
                class_="notice",
            )
        )
    parts.append(language_links(ctx))
    return Fragment(tag("header", join(parts), class_="report-header"))


def language_links(ctx: Context) -> Markup:
    """The report's languages, each named in itself, the others linked (as on the index);
    nothing when it is rendered in one language."""
    from wbreport.i18n import LANGUAGES
    from wbreport.naming import report_file

    if len(ctx.languages) < 2:
        return Markup("")
    items = []
    for lang in ctx.languages:
        name = LANGUAGES[lang].name
        if lang == ctx.text.lang:
            item = tag("strong", name, lang=lang, aria_current="page")
        else:
            href = report_file(ctx.partner, ctx.kind, lang)
            item = tag("a", name, href=href, hreflang=lang, lang=lang)
        items.append(tag("li", item))
    return tag("nav", tag("ul", join(items)), class_="languages", aria_label=ctx.text("Languages"))


def rag_badge(t: Text, rag: str, achievement: float = math.nan, short: bool = False) -> Markup:
    """RAG status as words and colour (never colour alone), with the achievement;
    ``short`` writes only the colour word (``GREEN``) for narrow tables."""
    words = t(RAG_CODES[rag]) if short and rag else t.rag(rag)
    if rag and not is_na(achievement):
        words = f"{t.achievement(achievement)} · {words}"
    return tag("span", words, class_=f"rag rag-{rag or 'none'}")


def _arrow(ctx: Context, name: str, now: dict[str, Any], before: dict[str, Any]) -> Markup:
    """↑ ↓ → against the previous period, with the previous value, for eyes and ears."""
    t = ctx.text
    if (
        ctx.suppressed(now)
        or ctx.suppressed(before)
        or is_na(now["value"])
        or is_na(before["value"])
    ):
        return tag("span", "–", class_="change change-none")
    info = t.indicator(name)
    current = registry.csv_number(now["value"], info)
    previous = registry.csv_number(before["value"], info)
    diff = float(current) - float(previous)
    shown = t.value(before["value"], name)
    # Equal as shown is unchanged: "↓ 80.6 %" beside 80.6 % would read as a mistake.
    if diff == 0 or t.value(now["value"], name) == shown:
        arrow, words, mood = "→", t("unchanged from {previous}", previous=shown), "same"
    else:
        up = diff > 0
        arrow = "↑" if up else "↓"
        words = (
            t("up from {previous}", previous=shown)
            if up
            else t("down from {previous}", previous=shown)
        )
        mood = "good" if up != info.lower_is_better else "bad"
    visible = tag("span", f"{arrow} {shown}", aria_hidden="true")
    hidden = tag("span", words, class_="visually-hidden")
    return tag("span", visible + hidden, class_=f"change change-{mood}")


def value_cell(ctx: Context, name: str, row: dict[str, Any]) -> Markup:
    """The ``<td>`` of a figure with ``data-indicator`` and ``data-value`` (as in
    indicators.csv; empty when suppressed) for tests and readers of the HTML."""
    hidden = ctx.suppressed(row)
    raw = "" if hidden else registry.csv_number(row["value"], ctx.text.indicator(name))
    return tag("td", ctx.shown(name, row), class_="num", data_indicator=name, data_value=raw)


def _key_row(ctx: Context, name: str, previous: Period | None, show_n: bool) -> list[Any]:
    t = ctx.text
    r = ctx.row(name)
    cells: list[Any] = [
        t.label(name),
        value_cell(ctx, name, r),
        _arrow(ctx, name, r, ctx.row(name, previous) if previous else dict(NA_ROW)),
    ]
    if show_n:  # a suppressed figure shows no number at all, its n neither
        cells.append("–" if ctx.suppressed(r) else t.count(r["n"]))
    if is_na(r["target"]):
        return [*cells, "", "", "", ""]
    hidden = ctx.suppressed(r)
    return [
        *cells,
        t.value(r["baseline"], name),
        t.value(r["target"], name),
        "" if is_na(r["achievement"]) or hidden else t.achievement(r["achievement"]),
        rag_badge(t, "" if hidden else str(r["rag"] or "")),
    ]


def key_figures(
    ctx: Context,
    names: tuple[str, ...] | None = None,
    caption: str | None = None,
    show_n: bool = False,
) -> Fragment:
    """Indicators with the change since the previous period, baseline, target,
    achievement and RAG as text and colour; suppressed figures read "n < 5"."""
    t = ctx.text
    names = names or tuple(i.name for i in registry.selected(group="programming", key_figure=True))
    previous = ctx.period.shift(-1)
    rows = [_key_row(ctx, name, previous, show_n) for name in names]
    # The column holds the previous period's value with an arrow, so it is headed by that
    # period: under "Since Q3 2021", "↑ 11" read as eleven more. (A longer header, "Previous
    # period, Q3 2021", squeezed the table onto one more printed page.)
    before = t.period(previous) if previous else "–"
    headers = [t("Indicator"), t("Value"), before]
    headers += [t("Respondents (n)")] if show_n else []
    headers += [t("Baseline"), t("Target"), t("Achievement"), t("Status")]
    numeric = tuple(range(1, len(headers) - 1))
    th = ctx.settings.rag
    note = t(
        "Status: on track (green) when achievement ≥ {green} of the way from baseline to "
        "target, watch (amber) when ≥ {amber}, otherwise off track (red). Blank where no "
        "target is set. Arrows compare with the previous period. Figures resting on fewer "
        "than {threshold} people are not shown (n < {threshold}).",
        green=t.percent(th.green, 0),
        amber=t.percent(th.amber, 0),
        threshold=ctx.settings.min_respondents,
    )
    note += beyond_note(ctx, [(ctx.row(name), "") for name in names])
    grid = table(
        headers,
        rows,
        caption=caption
        or t("Key figures, {name}, {period}", name=ctx.name, period=t.period(ctx.period)),
        numeric=numeric,
        class_="key-figures",
        data_section="key-figures",
    )
    return Fragment(grid + tag("p", note, class_="note"))


def beyond_note(ctx: Context, shown: list[tuple[dict[str, Any], str]]) -> str:
    """A sentence (with a leading space) saying what an achievement below 0 % or above
    100 % means, when one of the ``shown`` (row, prefix: "" or "to_date_") is; else ""."""
    for row, prefix in shown:
        achievement = row.get(f"{prefix}achievement")
        hidden = ctx.suppressed(row, f"{prefix}suppressed")
        if not is_na(achievement) and not 0 <= float(achievement) <= 1 and not hidden:
            return " " + ctx.text(
                "An achievement below 0% means the figure moved away from its target since the "
                "baseline; above 100%, it went beyond the target."
            )
    return ""


def narrative(ctx: Context, text: str) -> Fragment:
    """Analyst markdown, sanitised, or a note that none was provided."""
    if not text.strip():
        return Fragment(
            tag("p", ctx.text("No narrative provided for this period."), class_="empty")
        )
    return Fragment(tag("div", markdown(text), class_="narrative"))


def footer(ctx: Context, generated_at: datetime | None = None) -> Fragment:
    """Generation time, version, source and data fingerprint; the Kosovo* footnote."""
    from wbreport import __version__

    t = ctx.text
    when = generated_at or datetime.now(UTC)
    digest = data_fingerprint(ctx.package)
    stamp = f"{t.date(when)} {when:%H:%M} UTC"
    source = t("illustrative sample data") if ctx.is_sample else Path(ctx.package.source).name
    parts = [
        tag(
            "p",
            t(
                "Generated {when} by wbreport {version} from {source}; data fingerprint "
                "sha256:{digest}.",
                when=stamp,
                version=__version__,
                source=source,
                digest=digest[:16],
            ),
        ),
        tag("p", t.footnote(), class_="footnote", id="kosovo-footnote"),
    ]
    # the period index in the report's language, next to it in the published set
    everything = t("All reports of {period}", period=t.period(ctx.period))
    parts.insert(1, tag("p", tag("a", everything, href=index_file(t.lang)), class_="index-link"))
    return Fragment(tag("footer", join(parts), class_="report-footer"))


__all__ = [
    "HEADINGS",
    "Context",
    "footer",
    "header",
    "heading",
    "key_figures",
    "narrative",
    "rag_badge",
    "value_cell",
]
