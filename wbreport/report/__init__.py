"""Everything a report shows, computed from a package: notebooks only call and display.

:func:`open_report` gives a :class:`Report` for one partner (or ``WB``), period, kind and
language. Its methods return escaped HTML :class:`~wbreport.fragments.Fragment` objects
or :class:`~wbreport.charts.Chart` objects; ``report.data`` holds the selections behind
them as DataFrames (:mod:`wbreport.report.data`).

Modules: :mod:`~wbreport.report.run` (indicators computed once per run),
:mod:`~wbreport.report.data` (selections), :mod:`~wbreport.wording` (wording and
locale formatting), :mod:`~wbreport.report.common` (context, header, headings, key
figures, narrative, footer), :mod:`~wbreport.report.programming` and
:mod:`~wbreport.report.results` (sections).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wbreport import charts
from wbreport.config import Narrative, load_report_narrative, load_settings
from wbreport.fragments import Fragment
from wbreport.framework import custom_indicators
from wbreport.indicators import as_period, default_period
from wbreport.naming import PROGRAMMING, narrative_stems
from wbreport.package import load_package
from wbreport.partners import get_partner
from wbreport.report import common, programming, results
from wbreport.report.common import Context
from wbreport.report.data import ReportData
from wbreport.report.run import Prepared, data_fingerprint, indicator_table, load_prepared, prepare
from wbreport.wording import Text, translator

_load_prepared = load_prepared  # the name the evaluation report imports


def _narrative(
    params: Path | None, period: str, code: str, kind: str, lang: str, sample: bool = True
) -> Narrative:
    return load_report_narrative(params, period, narrative_stems(code, kind, lang), sample)


def open_context(
    partner: str = "AL",
    period: str | None = None,
    data: str | None = None,
    params_dir: str | None = None,
    prepared: str | Prepared | None = None,
    lang: str = "en",
    kind: str = PROGRAMMING,
) -> Context:
    """The :class:`~wbreport.report.common.Context` of one report (see :func:`open_report`)."""
    code = get_partner(partner).code
    params = Path(params_dir) if params_dir else None
    if isinstance(prepared, Prepared):
        run = prepared
    elif prepared:
        run = load_prepared(prepared)
    else:
        settings = load_settings(params if params and params.is_dir() else None)
        run = Prepared(load_package(data), settings)
    p = as_period(period) if period else default_period(run.package)
    narrative = _narrative(params, p.label, code, kind, lang, sample=data is None)
    text = Text(translator(lang), custom_indicators(run.package))
    return Context(code, p, run, narrative, text, kind=kind, is_sample=data is None)


def open_kind(
    make: Callable[[Context], Any],
    partner: str,
    period: str | None,
    data: str | None,
    params_dir: str | None,
    prepared: str | Prepared | None,
    lang: str,
    kind: str,
    languages: list[str] | None,
) -> Any:
    """``make(context)`` for one report of any kind (see :func:`open_report` for the
    parameters); with other ``languages`` (set by ``wbreport run``), every language from
    this one execution (:mod:`wbreport.report.languages`)."""
    if languages and [*dict.fromkeys([lang, *languages])] != [lang]:
        from wbreport.report.languages import open_languages

        return open_languages(
            lambda **p: make(open_context(**p)),
            [lang, *languages],
            partner=partner,
            period=period,
            data=data,
            params_dir=params_dir,
            prepared=prepared,
            kind=kind,
        )
    return make(open_context(partner, period, data, params_dir, prepared, lang, kind))


def open_report(
    partner: str = "AL",
    period: str | None = None,
    data: str | None = None,
    params_dir: str | None = None,
    prepared: str | Prepared | None = None,
    lang: str = "en",
    kind: str = PROGRAMMING,
    languages: list[str] | None = None,
) -> Report:
    """The report of ``partner`` for ``period`` (default: the latest quarter in the data).

    Parameters
    ----------
    partner
        AL, BA, XK, ME, MK, RS or WB.
    period
        A period string (``2021Q4``); ``None`` for the latest quarter with a delivered
        activity.
    data
        A data package path; ``None`` for the illustrative sample.
    params_dir
        Folder of ``defaults.yaml`` and the ``<period>/<CODE>.yaml`` narratives (and
        ``<CODE>.<lang>.yaml`` for one language).
    prepared
        The file (or object) of a run's :class:`Prepared` data, set by ``wbreport run``.
    lang
        Report language (SPEC §10).
    kind
        Report kind (SPEC §8); its title pattern comes from the settings.
    languages
        Set by ``wbreport run``: render these languages too in the same execution (see
        :mod:`wbreport.report.languages`); the cells show ``lang``.
    """
    return open_kind(Report, partner, period, data, params_dir, prepared, lang, kind, languages)


class Report:
    """One partner's (or the region's) report: the notebook calls one method per cell."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.partner = ctx.partner
        self.period = ctx.period
        self.run = ctx.run
        self.package = ctx.package
        self.settings = ctx.settings
        self.narrative = ctx.narrative
        self.is_region = ctx.is_region
        self.lang = ctx.text.lang
        self.kind = ctx.kind

    @property
    def data(self) -> ReportData:
        """The selections behind the tables, as DataFrames."""
        return self.ctx.data

    @property
    def text(self) -> Text:
        """Wording and formatting in the report language."""
        return self.ctx.text

    @property
    def title(self) -> str:
        """The report title (as in the ``h1``)."""
        return self.ctx.title

    @property
    def indicators(self) -> pd.DataFrame:
        """The indicator table of the period (every partner)."""
        return self.run.table(self.period)

    def heading(self, text: str, level: int = 2) -> Fragment:
        """A translated section heading, e.g. ``report.heading("Key figures")``."""
        return common.heading(self.ctx, text, level)

    def header(self) -> Fragment:
        """Kicker, title, period and the sample notice."""
        return common.header(self.ctx)

    def key_figures(self) -> Fragment:
        """Key figures with arrows, targets and RAG."""
        return common.key_figures(self.ctx)

    def highlights(self) -> Fragment:
        """The analyst's highlights."""
        return common.narrative(self.ctx, self.narrative.highlights)

    def next_steps(self) -> Fragment:
        """The analyst's next steps."""
        return common.narrative(self.ctx, self.narrative.next_steps)

    def footer(self, generated_at: datetime | None = None) -> Fragment:
        """Generation facts and the Kosovo* footnote."""
        return common.footer(self.ctx, generated_at)

    def activities(self) -> Fragment:
        """Delivered activities."""
        return programming.activities(self.ctx)

    def participation(self) -> Fragment:
        """Training participation by module (table)."""
        return programming.participation(self.ctx)

    def participation_chart(self) -> charts.Chart | Fragment:
        """Training participation by module (chart)."""
        return programming.participation_chart(self.ctx)

    def trainers(self) -> Fragment:
        """Train-the-trainers and cascade."""
        return programming.trainers(self.ctx)

    def milestones(self) -> Fragment:
        """Roadmap milestones by priority area and overdue items."""
        return programming.milestones(self.ctx)

    def milestones_chart(self) -> charts.Chart | Fragment:
        """Milestones by priority area (chart)."""
        return programming.milestones_chart(self.ctx)

    def tools(self) -> Fragment:
        """Tools × languages matrix."""
        return programming.tools(self.ctx)

    def trend(self) -> Fragment:
        """Trend table."""
        return programming.trend(self.ctx)

    def trend_chart(self) -> charts.Chart:
        """Trend chart."""
        return programming.trend_chart(self.ctx)

    def workplan(self) -> Fragment:
        """Workplan for the next period."""
        return programming.workplan(self.ctx)

    def comparison(self) -> Fragment:
        """Partners side by side (WB) or partner vs region."""
        return programming.comparison(self.ctx)

    def comparison_chart(self) -> charts.Chart | Fragment:
        """Participants by partner (WB only)."""
        return programming.comparison_chart(self.ctx)

    def regional_activities(self) -> Fragment:
        """Regional activities with organisers."""
        return programming.regional_activities(self.ctx)

    def results_framework(self) -> Fragment:
        """The Results framework section (SPEC §9)."""
        return results.results_framework(self.ctx)

    def training_evaluation(self) -> Fragment:
        """Three evaluation headline figures and a link to the evaluation report."""
        return programming.training_evaluation(self.ctx)


__all__ = [
    "Context",
    "Prepared",
    "Report",
    "ReportData",
    "data_fingerprint",
    "indicator_table",
    "open_context",
    "open_kind",
    "open_report",
    "prepare",
]
