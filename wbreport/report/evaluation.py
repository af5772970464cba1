"""The training-evaluation report (SPEC §8): one call per section, for the notebook
``notebooks/evaluation.ipynb``.

:func:`open_evaluation` gives an :class:`EvaluationReport` for one partner (or ``WB``),
period and language. Each section method returns a :class:`Section` (its ``h2`` heading,
then escaped HTML fragments and SVG charts) that a notebook cell displays as consecutive
outputs. Header, key figures, narrative and footer are those every report kind shares
(:mod:`wbreport.report.common`); the selections behind the tables are the pure functions
of :mod:`wbreport.report.evaluation_data`, the charts those of
:mod:`wbreport.evaluation_charts`.

Disclosure control: every figure resting on ``0 < n < min_respondents`` people is shown as
"n < 5" (with the configured threshold) — key figures, module tables, per-activity rows,
partner columns and chart bars alike. evaluation_response_rate is never suppressed.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import escape

from wbreport import evaluation_charts as ec
from wbreport.charts import Chart
from wbreport.fragments import Fragment, join, table, tag
from wbreport.naming import report_file
from wbreport.partners import NATIONAL_CODES, REGION
from wbreport.registry import EVALUATION_NAMES, N_, csv_number, get
from wbreport.report import common, disclosure, open_kind
from wbreport.report import evaluation_data as ed
from wbreport.report.common import NA_ROW, Context
from wbreport.report.run import Prepared
from wbreport.wording import is_na

KIND = "evaluation"
TYPE_LABELS = {
    "training": N_("Training"),
    "train_the_trainers": N_("Train-the-trainers"),
    "workshop": N_("Workshop"),
}


@dataclass
class Section:
    """One section of a report: fragments and charts shown in order (a notebook cell
    that returns it displays each part as an output of its own)."""

    parts: list[Fragment | Chart] = field(default_factory=list)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self.parts)

    def html(self) -> str:
        """The section as the exported report shows it (charts as ``<img alt>``)."""
        out = []
        for part in self.parts:
            if isinstance(part, Chart):
                data = base64.b64encode(part.svg.encode()).decode()
                image = f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(part.alt)}">'
                out.append(f'<figure class="chart">{image}</figure>')
            else:
                out.append(str(part))
        return "".join(out)

    def _repr_html_(self) -> str:  # a plain HTML display (e.g. outside IPython's display)
        return self.html()


def open_evaluation(
    partner: str = "AL",
    period: str | None = None,
    data: str | None = None,
    params_dir: str | None = None,
    prepared: str | Prepared | None = None,
    lang: str = "en",
    kind: str = KIND,
    languages: list[str] | None = None,
) -> EvaluationReport:
    """The evaluation report of ``partner`` for ``period`` (default: the latest quarter),
    in ``lang``; ``kind`` names the title pattern and narrative file
    (``params/<period>/<CODE>.<kind>.yaml``); ``languages`` (set by ``wbreport run``) also
    renders those languages in the same execution (:mod:`wbreport.report.languages`)."""
    return open_kind(  # type: ignore[no-any-return]
        EvaluationReport, partner, period, data, params_dir, prepared, lang, kind, languages
    )


def indicator_rows(
    table: pd.DataFrame, partner: str, names: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The indicators ``names`` of ``partner`` in an indicator table (all NA, not
    suppressed, where the table lacks a row or a column)."""
    own = table[table["partner"] == partner]
    found = {str(r["indicator"]): r for r in own.to_dict("records")}
    return {n: {**NA_ROW, **{str(k): v for k, v in found.get(n, {}).items()}} for n in names}


def missing(value: Any) -> bool:
    """NA, NaN or None."""
    return is_na(value) or value is pd.NA


class EvaluationReport:
    """One partner's (or the region's) training-evaluation report for one period."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.t = ctx.text
        self.tr = ctx.text.tr
        self.partner = ctx.partner
        self.period = ctx.period
        self.run = ctx.run
        self.package = ctx.package
        self.settings = ctx.settings
        self.is_region = ctx.is_region
        self.limit = self.settings.min_respondents
        self.indicators = self.run.table(self.period)
        self.own = indicator_rows(self.indicators, self.partner, EVALUATION_NAMES)
        self.rows = ed.evaluated(self.package, self.partner, self.period)

    # --- formatting -------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self.tr.gettext(message)

    @property
    def title(self) -> str:
        """The title (the kind's pattern, as in the ``h1``)."""
        return self.ctx.title

    @property
    def hidden(self) -> str:
        """What a suppressed figure shows: "n < 5" with the configured threshold."""
        return self.t("n < {threshold}", threshold=self.limit)

    def name(self, code: str) -> str:
        """A partner's display name in the report's language."""
        return self.t.partner(code)

    def fmt(self, value: Any, unit: str, suppressed: bool | str = False) -> str:
        """A figure as shown: count, share (%), score (2 decimals), test score (1) or
        points (signed); "n < 5" when suppressed (a text: that text, e.g. "withheld")."""
        if suppressed:
            return suppressed if isinstance(suppressed, str) else self.hidden
        if missing(value):
            return self.t.na() if unit != "count" else "–"
        if unit == "count":
            return self.t.count(value)
        if unit == "share":
            return self.t.percent(value, 1)
        if unit == "score":
            return self.t.number(value, 2)
        if unit == "test_score":  # a mean test score, 0–100
            return self.t.number(value, 1)
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return sign + self.t.number(abs(value), 1)

    def _date(self, day: Any) -> str:
        return self.t.date(day)

    def _heading(self, text: str) -> Fragment:
        return Fragment(tag("h2", text))

    def _cut(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Fragment]]:
        shown, note = self.ctx.cut(frame)
        return shown, [Fragment(note)] if note else []

    def _figure(self, name: str) -> str:
        """The value of key figure ``name`` as shown (suppressed: "n < 5")."""
        row = self.own[name]
        return self.fmt(row["value"], get(name).unit, self.ctx.suppressed(row))

    def _module(self, module: str) -> str:
        return module if module else self._("No module (workshops)")

    def _mask(self, suppressed: Any, protected: Any) -> np.ndarray:
        return disclosure.mask(self.t, self.hidden, suppressed, protected)

    def _protected(self, frame: pd.DataFrame, by_module: bool = True) -> pd.DataFrame:
        """``frame`` whose ``suppressed`` reads as :meth:`_mask` (no row can be worked out
        from the total), in the report's order of modules when it is ``by_module``."""
        protected = ed.protect(frame["n"], frame["suppressed"], self.limit)
        frame = frame.assign(suppressed=self._mask(frame["suppressed"], protected))
        return self._ordered(frame) if by_module else frame

    def _withheld(self, *masks: Any) -> list[Fragment]:
        return disclosure.withheld_note(self.t, self.limit, *masks)

    def _ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Modules by name, the activities without a module (workshops) last."""
        return frame.loc[sorted(frame.index, key=lambda m: (m == "", m))]

    # --- sections shared with other kinds --------------------------------------------

    def header(self) -> Fragment:
        """Kicker, title, period, sample notice and a link to the programming report."""
        link = tag(
            "a", self._("programming report"), href=report_file(self.partner, lang=self.t.lang)
        )
        # TRANSLATORS: {link} is the words "programming report", a link to that report
        sentence = self._("Activities, participation and milestones: see the {link}.")
        see = tag("p", escape(sentence).format(link=link))
        return Fragment(common.header(self.ctx).html + see)

    def key_figures(self) -> Section:
        """Indicators 16–22 with n, the change since the previous period, baseline,
        target, achievement and RAG as text; suppressed figures read "n < 5"."""
        grid = common.key_figures(self.ctx, EVALUATION_NAMES, show_n=True)
        return Section([self._heading(self._("Key figures")), grid])

    def highlights(self) -> Section:
        """The analyst's highlights (``params/<period>/<CODE>.evaluation.yaml``)."""
        text = self.ctx.narrative.highlights
        return Section([self._heading(self._("Highlights")), common.narrative(self.ctx, text)])

    def next_steps(self) -> Section:
        """The analyst's next steps."""
        text = self.ctx.narrative.next_steps
        return Section([self._heading(self._("Next steps")), common.narrative(self.ctx, text)])

    def footer(self, generated_at: datetime | None = None) -> Fragment:
        """Generation time, data fingerprint, version and the Kosovo* footnote."""
        return common.footer(self.ctx, generated_at)

    # --- sections of the evaluation report ----------------------------------------------

    def satisfaction(self) -> Section:
        """Satisfaction (level 1) by module: a diverging stacked bar chart and a table."""
        data = self._protected(ed.satisfaction(self.rows, "module", self.limit))
        heading = self._heading(self._("Satisfaction and usefulness"))
        if data.empty:
            return Section([heading, self._empty()])
        labels = [self._module(m) for m in data.index]
        chart = ec.likert(
            labels,
            data[ed.RATINGS].to_numpy().tolist(),
            data["suppressed"].tolist(),
            self._("Overall satisfaction by module, {name}, {period}").format(
                name=self.name(self.partner), period=self.tr.period(self.period)
            ),
            self.tr,
            self.hidden,
        )
        total = ed.satisfaction(self.rows.assign(total=""), "total", self.limit).iloc[0]
        rows = [
            self._satisfaction_row(label, r)
            for label, r in zip(labels, _records(data), strict=True)
        ]
        rows.append(self._satisfaction_row(Fragment(tag("strong", self._("Total"))), total))
        grid = table(
            [
                self._("Module"),
                self._("Respondents"),
                *(self.tr.number(k) for k in range(1, 6)),  # the ratings
                self._("Mean (1–5)"),
                self._("Satisfied (4–5)"),
                self._("Useful"),
            ],
            rows,
            caption=self._("Ratings by module: 1 = very dissatisfied … 5 = very satisfied"),
            numeric=tuple(range(1, 10)),
            class_="likert",
        )
        return Section([heading, chart, Fragment(grid), *self._withheld(data["suppressed"])])

    def _satisfaction_row(self, label: Any, r: Any) -> list[Any]:
        hide = r["suppressed"]
        counts = [self.fmt(r[c], "count", hide) for c in ["respondents", *ed.RATINGS]]
        return [
            label,
            *counts,
            self.fmt(r["mean"], "score", hide),
            self.fmt(r["satisfied_share"], "share", hide),
            self.fmt(r["useful_share"], "share", hide),
        ]

    def _empty(self) -> Fragment:
        return Fragment(tag("p", self._("No evaluation in this period."), class_="empty"))

    def knowledge(self) -> Section:
        """Knowledge tests (level 2) before and after by module: a dumbbell chart, a table."""
        data = self._protected(ed.knowledge(self.rows, "module", self.limit))
        heading = self._heading(self._("Knowledge before and after"))
        if data.empty:
            text = self._("No activity tested knowledge both before and after in this period.")
            return Section([heading, Fragment(tag("p", text, class_="empty"))])
        labels = [self._module(m) for m in data.index]
        chart = ec.dumbbell(
            labels,
            data["pre_score"].tolist(),
            data["post_score"].tolist(),
            data["suppressed"].tolist(),
            self._("Mean test score before and after, by module, {name}, {period}").format(
                name=self.name(self.partner), period=self.tr.period(self.period)
            ),
            self.tr,
            self.hidden,
        )
        total = ed.knowledge(self.rows.assign(total=""), "total", self.limit).iloc[0]
        rows = [
            self._knowledge_row(label, r) for label, r in zip(labels, _records(data), strict=True)
        ]
        rows.append(self._knowledge_row(Fragment(tag("strong", self._("Total"))), total))
        grid = table(
            [
                self._(h)
                for h in (
                    N_("Module"),
                    N_("Tested before"),
                    N_("Tested after"),
                    N_("Score before"),
                    N_("Score after"),
                    N_("Gain (points)"),
                )
            ],
            rows,
            caption=self._("Mean test scores (0–100) of activities tested before and after"),
            numeric=(1, 2, 3, 4, 5),
            class_="knowledge",
        )
        gain = self.own["knowledge_gain"]
        shown = self._figure("knowledge_gain")
        if self.ctx.suppressed(gain) or is_na(gain["value"]):
            # TRANSLATORS: {figure} is "n < 5" (too few tested to show) or "n/a"
            lead = self.t("Knowledge gain: {figure}.", figure=shown)
        else:
            lead = self.t.plural(
                "Knowledge gain: {gain} point.",
                "Knowledge gain: {gain} points.",
                gain["value"],
                decimals=1,
                gain=shown,
            )
        lead_ = Fragment(tag("p", lead, class_="lead"))
        return Section([heading, lead_, chart, Fragment(grid), *self._withheld(data["suppressed"])])

    def _knowledge_row(self, label: Any, r: Any) -> list[Any]:
        hide = r["suppressed"]
        return [
            label,
            self.fmt(r["pre_tested"], "count", hide),
            self.fmt(r["post_tested"], "count", hide),
            self.fmt(r["pre_score"], "test_score", hide),
            self.fmt(r["post_score"], "test_score", hide),
            self.fmt(r["gain"], "points", hide),
        ]

    def pass_rate(self) -> Section:
        """The share of those tested after the activity who passed, by module."""
        data = self._protected(ed.passing(self.rows, "module", self.limit))
        heading = self._heading(self._("Pass rate"))
        lead = Fragment(
            tag(
                "p",
                self._("Pass rate: {rate}.").format(rate=self._figure("pass_rate")),
                class_="lead",
            )
        )
        data = data[data["post_tested"] > 0]
        if data.empty:
            return Section([heading, lead])
        rows = [
            [
                self._module(m),
                self.fmt(r["post_tested"], "count", r["suppressed"]),
                self.fmt(r["passed"], "count", r["suppressed"]),
                self.fmt(r["pass_rate"], "share", r["suppressed"]),
            ]
            for m, r in zip(data.index, _records(data), strict=True)
        ]
        grid = table(
            [self._(h) for h in (N_("Module"), N_("Tested after"), N_("Passed"), N_("Pass rate"))],
            rows,
            caption=self._("Knowledge test passed, by module"),
            numeric=(1, 2, 3),
            class_="pass-rate",
        )
        return Section([heading, lead, Fragment(grid), *self._withheld(data["suppressed"])])

    def follow_up(self) -> Section:
        """Follow-up surveys in the period (level 3): who applies what they learned."""
        data, cut = self._cut(
            self._protected(
                ed.followups(self.package, self.partner, self.period, self.limit), by_module=False
            )
        )
        heading = self._heading(self._("Follow-up: applying it at work"))
        lead = self._("Share applying what they learned at work, surveyed months later: {share}.")
        rows = [
            [
                r["title"],
                self._date(r["end_date"]),
                self._date(r["survey_date"]),
                self.fmt(r["respondents"], "count", r["suppressed"]),
                self.fmt(r["applying"], "count", r["suppressed"]),
                self.fmt(r["applying_share"], "share", r["suppressed"]),
            ]
            for r in _records(data)
        ]
        grid = table(
            [
                self._(h)
                for h in (
                    N_("Activity"),
                    N_("Activity ended"),
                    N_("Survey"),
                    N_("Respondents"),
                    N_("Applying"),
                    N_("Share applying"),
                )
            ],
            rows,
            caption=self._("Follow-up surveys in {period}").format(
                period=self.tr.period(self.period)
            ),
            numeric=(3, 4, 5),
            empty=self._("No follow-up survey in this period."),
            class_="followups",
        )
        return Section(
            [
                heading,
                Fragment(
                    tag("p", lead.format(share=self._figure("applying_share")), class_="lead")
                ),
                Fragment(grid),
                *self._withheld(data["suppressed"]),
                *cut,
            ]
        )

    def activities(self) -> Section:
        """One row per evaluated-type activity delivered in the period with its figures."""
        every = ed.activities(self.package, self.partner, self.period, self.limit)
        hidden = ed.hidden_modules(self.rows, self.limit)  # the module tables' hidden rows
        protected = ed.protect_activities(every, self.limit, hidden)
        flags = tuple(ed.ACTIVITY_FIGURES)
        data, cut = self._cut(
            every.assign(**{f: self._mask(every[f], protected[f]) for f in flags})
        )
        rows = []
        for r in _records(data):
            kind = self._(TYPE_LABELS.get(r["type"], r["type"]))
            what = f"{kind}: {r['module']}" if r["module"] else kind
            rows.append(
                [
                    Fragment(join([r["title"], " ", tag("small", f"({what})")])),
                    self._date(r["end_date"]),
                    self.fmt(r["participants"], "count"),
                    self.fmt(r["respondents"], "count"),
                    self.fmt(r["response_rate"], "share"),
                    self.fmt(r["mean"], "score", r["satisfaction_suppressed"]),
                    self.fmt(r["satisfied_share"], "share", r["satisfaction_suppressed"]),
                    self.fmt(r["gain"], "points", r["gain_suppressed"]),
                    self.fmt(r["pass_rate"], "share", r["pass_suppressed"]),
                ]
            )
        headers = (
            N_("Activity (type and module)"), N_("End"), N_("Participants"),
            N_("Respondents"), N_("Response rate"), N_("Mean (1–5)"), N_("Satisfied"),
            N_("Gain (points)"), N_("Pass rate"),
        )  # fmt: skip
        grid = table(
            [self._(h) for h in headers],
            rows,
            caption=self._("Activities delivered in {period} and their evaluation").format(
                period=self.tr.period(self.period)
            ),
            numeric=tuple(range(2, 9)),
            empty=self._("No training or workshop delivered in this period."),
            class_="activities",
        )
        withheld = self._withheld(*(data[f] for f in flags))
        heading = self._heading(self._("Activities and their evaluation"))
        return Section([heading, Fragment(grid), *withheld, *cut])

    def comparison(self) -> Section:
        """Partners side by side (WB, with their satisfaction chart); a partner next to
        the region otherwise."""
        codes = [*NATIONAL_CODES, REGION] if self.is_region else [self.partner, REGION]
        own = {c: indicator_rows(self.indicators, c, EVALUATION_NAMES) for c in codes}
        headers = [self._("Indicator")] + [
            self.name(c) if c != REGION else self._("Region (WB)") for c in codes
        ]
        rows = []
        for name in EVALUATION_NAMES:
            ind = get(name)
            cells = []
            for c in codes:
                r = own[c][name]
                cells.append(
                    tag(
                        "td",
                        self.fmt(r["value"], ind.unit, r["suppressed"]),
                        class_="num",
                        data_partner=c,
                        data_indicator=name,
                        data_value="" if r["suppressed"] else csv_number(r["value"], ind),
                    )
                )
            rows.append([self._(ind.label), *cells])
        caption = (
            self._("Partners side by side, {period}")
            if self.is_region
            else self._("Compared with the region, {period}")
        )
        grid = Fragment(
            table(
                headers,
                rows,
                caption=caption.format(period=self.tr.period(self.period)),
                numeric=tuple(range(1, len(headers))),
                class_="comparison",
            )
        )
        heading = self._heading(
            self._("Partners compared") if self.is_region else self._("Compared with the region")
        )
        if not self.is_region:
            return Section([heading, grid])
        data = ed.satisfaction(self.rows, "partner", self.limit).reindex(list(NATIONAL_CODES))
        data[ed.RATINGS] = data[ed.RATINGS].fillna(0)
        chart = ec.likert(
            [self.name(c) for c in data.index],
            data[ed.RATINGS].astype(int).to_numpy().tolist(),
            data["suppressed"].fillna(False).astype(bool).tolist(),
            self._("Overall satisfaction by partner, {period}").format(
                period=self.tr.period(self.period)
            ),
            self.tr,
            self.hidden,
        )
        return Section([heading, chart, grid])

    def trend(self) -> Section:
        """Satisfaction and knowledge gain over recent periods of the same kind."""
        periods = self.period.recent(self.settings.report.trend_periods)
        series = {
            p.label: indicator_rows(self.run.table(p), self.partner, EVALUATION_NAMES)
            for p in periods
        }
        labels = [self.tr.period(p) for p in periods]

        def _plotted(name: str) -> list[float]:
            return [
                math.nan if s[name]["suppressed"] else float(s[name]["value"])
                for s in series.values()
            ]

        chart = ec.trend(
            labels,
            _plotted("satisfaction_mean"),
            _plotted("knowledge_gain"),
            (
                self._("Satisfaction and knowledge gain, {name}, recent periods").format(
                    name=self.name(self.partner)
                ),
                self._(get("satisfaction_mean").label),
                self._(get("knowledge_gain").label),
            ),
            self.tr,
        )
        names = (
            "evaluation_response_rate",
            "satisfaction_mean",
            "satisfied_share",
            "knowledge_gain",
            "pass_rate",
            "applying_share",
        )
        rows = [
            [label] + [self.fmt(s[n]["value"], get(n).unit, s[n]["suppressed"]) for n in names]
            for label, s in zip(labels, series.values(), strict=True)
        ]
        grid = table(
            [self._("Period")] + [self._(get(n).label) for n in names],
            rows,
            caption=self.t.plural(
                "Trend over the last {n} period", "Trend over the last {n} periods", len(rows)
            ),
            numeric=tuple(range(1, len(names) + 1)),
            class_="trend",
        )
        return Section([self._heading(self._("Trend")), chart, Fragment(grid)])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


__all__ = ["EvaluationReport", "Section", "indicator_rows", "open_evaluation"]
