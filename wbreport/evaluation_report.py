"""The training-evaluation report (SPEC §8): one call per section, for the notebook
``notebooks/evaluation.ipynb``.

:func:`open_evaluation` gives an :class:`EvaluationReport` for one partner (or ``WB``) and
period. Each section method returns a :class:`Section` (its ``h2`` heading, then escaped
HTML fragments and SVG charts) that a notebook cell displays as consecutive outputs; the
selections behind each table are the pure functions of :mod:`wbreport.evaluation_data`.

Disclosure control: every figure resting on ``0 < n < min_respondents`` people is shown as
"n < 5" (with the configured threshold) — key figures, module tables, per-activity rows,
partner columns and chart bars alike. evaluation_response_rate is never suppressed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from wbreport import evaluation_charts as ec
from wbreport import evaluation_data as ed
from wbreport.config import Narrative, load_narrative
from wbreport.evaluation_common import (
    ReportBase,
    Section,
    indicator_rows,
    load_run,
    missing,
    translator,
)
from wbreport.fragments import Fragment, table, tag
from wbreport.indicators import as_period, default_period
from wbreport.naming import narrative_stem
from wbreport.partners import NATIONAL_CODES, REGION, get_partner
from wbreport.periods import Period
from wbreport.registry import EVALUATION_NAMES, N_, csv_number, get
from wbreport.report import Prepared

KIND = "evaluation"
TYPE_LABELS = {
    "training": N_("Training"),
    "train_the_trainers": N_("Train-the-trainers"),
    "workshop": N_("Workshop"),
}


def open_evaluation(
    partner: str = "AL",
    period: str | None = None,
    data: str | None = None,
    params_dir: str | None = None,
    prepared: str | None = None,
    lang: str = "en",
    kind: str = KIND,
) -> EvaluationReport:
    """The evaluation report of ``partner`` for ``period`` (default: the latest quarter)."""
    code = get_partner(partner).code
    run = load_run(data, params_dir, prepared)
    p = as_period(period) if period else default_period(run.package)
    params = Path(params_dir) if params_dir else None
    narrative = load_narrative(params, p.label, narrative_stem(code, kind))
    return EvaluationReport(code, p, run, narrative, translator(lang), kind, data is None)


class EvaluationReport(ReportBase):
    """One partner's (or the region's) training-evaluation report for one period."""

    def __init__(
        self,
        partner: str,
        period: Period,
        run: Prepared,
        narrative: Narrative,
        tr: Any,
        kind: str = KIND,
        is_sample: bool = False,
    ) -> None:
        super().__init__(partner, period, run, narrative, tr, kind, is_sample)
        self.own = indicator_rows(self.indicators, partner, EVALUATION_NAMES)
        self.rows = ed.evaluated(self.package, partner, period)

    def _figure(self, name: str) -> str:
        """The value of key figure ``name`` as shown (suppressed: "n < 5")."""
        row = self.own[name]
        return self.fmt(row["value"], get(name).unit, row["suppressed"])

    def _module(self, module: str) -> str:
        return module if module else self._("No module (workshops)")

    def _ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Modules by name, the activities without a module (workshops) last."""
        return frame.loc[sorted(frame.index, key=lambda m: (m == "", m))]

    # --- sections -----------------------------------------------------------------------
    def key_figures(self) -> Section:
        """Indicators 16–22 with n, baseline, target, achievement and RAG as text."""
        rows = []
        for name in EVALUATION_NAMES:
            ind, r = get(name), self.own[name]
            hide = r["suppressed"]
            value = tag(
                "td",
                self._figure(name),
                class_="num",
                data_indicator=name,
                data_value="" if hide else csv_number(r["value"], ind),
            )
            has_target = not missing(r["target"])
            shown_n = (
                "–" if hide or missing(r["n"]) or ind.n_basis is None else self.tr.number(r["n"])
            )
            rows.append(
                [
                    self._(ind.label),
                    value,
                    shown_n,
                    self.fmt(r["baseline"], ind.unit) if has_target else "",
                    self.fmt(r["target"], ind.unit) if has_target else "",
                    "" if hide or missing(r["achievement"]) else self.tr.percent(r["achievement"]),
                    self._rag("" if hide else r["rag"]) if has_target else "",
                ]
            )
        t = self.settings.rag
        grid = table(
            [
                self._("Indicator"),
                self._("Value"),
                "n",  # the statistical symbol, the same in every language
                self._("Baseline"),
                self._("Target"),
                self._("Achievement"),
                self._("Status"),
            ],
            rows,
            caption=self._("Key figures, {name}, {period}").format(
                name=self.name(self.partner), period=self.tr.period(self.period)
            ),
            numeric=(1, 2, 3, 4, 5),
            class_="key-figures",
            data_section="key-figures",
        )
        notes = [
            self._(
                "n: the number of people a figure rests on. Figures resting on fewer than "
                "{limit} people are not shown ({hidden}), to protect respondents; the response "
                "rate is always shown."
            ).format(limit=self.tr.number(self.limit), hidden=self.hidden),
            self._(
                "Status: on track (green) when achievement ≥ {green} of the way from baseline "
                "to target, watch (amber) when ≥ {amber}, otherwise off track (red). Blank where "
                "no target is set."
            ).format(green=self.tr.percent(t.green), amber=self.tr.percent(t.amber)),
        ]
        return Section(
            [self._heading(self._("Key figures")), Fragment(grid), *map(self._note, notes)]
        )

    def satisfaction(self) -> Section:
        """Satisfaction (level 1) by module: a diverging stacked bar chart and a table."""
        data = self._ordered(ed.satisfaction(self.rows, "module", self.limit))
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
        return Section([heading, chart, Fragment(grid)])

    def _satisfaction_row(self, label: Any, r: Any) -> list[Any]:
        hide = bool(r["suppressed"])
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
        data = self._ordered(ed.knowledge(self.rows, "module", self.limit))
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
        lead = self._("Knowledge gain: {gain} points.").format(gain=self._figure("knowledge_gain"))
        return Section([heading, Fragment(tag("p", lead, class_="lead")), chart, Fragment(grid)])

    def _knowledge_row(self, label: Any, r: Any) -> list[Any]:
        hide = bool(r["suppressed"])
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
        data = self._ordered(ed.passing(self.rows, "module", self.limit))
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
        return Section([heading, lead, Fragment(grid)])

    def follow_up(self) -> Section:
        """Follow-up surveys in the period (level 3): who applies what they learned."""
        data, cut = self._cut(ed.followups(self.package, self.partner, self.period, self.limit))
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
                *cut,
            ]
        )

    def activities(self) -> Section:
        """One row per evaluated-type activity delivered in the period with its figures."""
        data, cut = self._cut(ed.activities(self.package, self.partner, self.period, self.limit))
        rows = []
        for r in _records(data):
            kind = self._(TYPE_LABELS.get(r["type"], r["type"]))
            rows.append(
                [
                    r["title"],
                    self._date(r["end_date"]),
                    f"{kind}: {r['module']}" if r["module"] else kind,
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
            N_("Activity"), N_("End"), N_("Type and module"), N_("Participants"),
            N_("Respondents"), N_("Response rate"), N_("Mean (1–5)"), N_("Satisfied"),
            N_("Gain (points)"), N_("Pass rate"),
        )  # fmt: skip
        grid = table(
            [self._(h) for h in headers],
            rows,
            caption=self._("Activities delivered in {period} and their evaluation").format(
                period=self.tr.period(self.period)
            ),
            numeric=tuple(range(3, 10)),
            empty=self._("No training or workshop delivered in this period."),
            class_="activities",
        )
        return Section(
            [self._heading(self._("Activities and their evaluation")), Fragment(grid), *cut]
        )

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

        def plotted(name: str) -> list[float]:
            return [
                math.nan if s[name]["suppressed"] else float(s[name]["value"])
                for s in series.values()
            ]

        chart = ec.trend(
            labels,
            plotted("satisfaction_mean"),
            plotted("knowledge_gain"),
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
            caption=self._("Trend over the last {count} periods").format(
                count=self.tr.number(len(rows))
            ),
            numeric=tuple(range(1, len(names) + 1)),
            class_="trend",
        )
        return Section([self._heading(self._("Trend")), chart, Fragment(grid)])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


__all__ = ["EvaluationReport", "Section", "open_evaluation", "translator"]
