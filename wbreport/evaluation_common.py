"""Pieces every report kind shares — a translator, sections, the header, figure formatting
with disclosure control, narrative and footer — used by the evaluation report.

They stand here until the programming report's package (``wbreport/report/``) offers its
common header, key figures and footer; then this module folds into it.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import escape

from wbreport.charts import Chart
from wbreport.config import DEFAULT_KINDS, Narrative, load_settings
from wbreport.fragments import Fragment, join, markdown, tag
from wbreport.i18n import partner_name, translator
from wbreport.io import load_package
from wbreport.naming import PROGRAMMING, report_file
from wbreport.partners import KOSOVO_FOOTNOTE, REGION, get_partner
from wbreport.periods import Period
from wbreport.registry import N_
from wbreport.report import Prepared, _load_prepared, data_fingerprint

RAG_LABELS = {
    "green": (N_("On track"), N_("GREEN")),
    "amber": (N_("Watch"), N_("AMBER")),
    "red": (N_("Off track"), N_("RED")),
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


def load_run(data: str | None, params_dir: str | None, prepared: str | None) -> Prepared:
    """The run's data and indicators: ``wbreport run``'s prepared file, or the package at
    ``data`` (the sample when ``None``) with the settings of ``params_dir``."""
    if prepared:
        return _load_prepared(prepared)
    params = Path(params_dir) if params_dir else None
    settings = load_settings(params if params and params.is_dir() else None)
    return Prepared(load_package(data), settings)


def indicator_rows(
    table: pd.DataFrame, partner: str, names: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """The indicators ``names`` of ``partner`` in an indicator table: value, baseline,
    target, achievement, rag, n and suppressed; NA (and not suppressed) where the table
    lacks a row or a column."""
    own = table[table["partner"] == partner].set_index("indicator")
    rows = {}
    for name in names:
        found = own.loc[name].to_dict() if name in own.index else {}
        row = {k: found.get(k, math.nan) for k in ("value", "baseline", "target", "achievement")}
        row["rag"] = found.get("rag", "") or ""
        row["n"] = found.get("n", math.nan)
        row["suppressed"] = bool(found.get("suppressed", False) or False)
        rows[name] = row
    return rows


def missing(value: Any) -> bool:
    """NA, NaN or None."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


class ReportBase:
    """Formatting, header, narrative and footer of a report of one kind for one partner
    (or the region) and period; report kinds add their sections."""

    def __init__(
        self,
        partner: str,
        period: Period,
        run: Prepared,
        narrative: Narrative,
        tr: Any,
        kind: str,
        is_sample: bool = False,
    ) -> None:
        self.partner = partner
        self.info = get_partner(partner)
        self.period = period
        self.run = run
        self.package = run.package
        self.settings = run.settings
        self.narrative = narrative
        self.tr = tr
        self.kind = kind
        self.is_sample = is_sample
        self.is_region = partner == REGION
        self.limit = self.settings.min_respondents
        self.indicators = run.table(period)

    # --- formatting -------------------------------------------------------------------

    def _(self, message: str) -> str:
        return self.tr.gettext(message)

    @property
    def hidden(self) -> str:
        """What a suppressed figure shows: "n < 5" with the configured threshold."""
        return f"n < {self.tr.number(self.limit)}"  # a symbol, the same in every language

    def name(self, code: str) -> str:
        """A partner's display name in the report's language."""
        return partner_name(code, self.tr)

    @property
    def title(self) -> str:
        kind = self.settings.reports.get(self.kind) or DEFAULT_KINDS.get(self.kind)
        pattern = kind.title if kind else "{name} — {period}"
        return self._(pattern).format(name=self.name(self.partner), period=self.period.label)

    def fmt(self, value: Any, unit: str, suppressed: bool = False) -> str:
        """A figure as shown: count, share (%), score (2 decimals) or points (signed)."""
        if suppressed:
            return self.hidden
        if missing(value):
            return self._("n/a") if unit != "count" else "–"
        if unit == "count":
            return self.tr.number(value)
        if unit == "share":
            return self.tr.percent(value, 1)
        if unit == "score":
            return self.tr.number(value, 2)
        if unit == "test_score":  # a mean test score, 0–100
            return self.tr.number(value, 1)
        sign = "+" if value > 0 else ("−" if value < 0 else "")
        return sign + self.tr.number(abs(value), 1)

    def _date(self, day: Any) -> str:
        return "–" if missing(day) else f"{day:%Y-%m-%d}"

    def _heading(self, text: str) -> Fragment:
        return Fragment(tag("h2", text))

    def _note(self, text: str) -> Fragment:
        return Fragment(tag("p", text, class_="note"))

    def _cut(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Fragment]]:
        limit = self.settings.report.max_table_rows
        if len(frame) <= limit:
            return frame, []
        note = self._("Showing the first {shown} of {total} rows; all are in the data package.")
        return frame.head(limit), [
            self._note(note.format(shown=self.tr.number(limit), total=self.tr.number(len(frame))))
        ]

    def _rag(self, rag: str) -> Fragment:
        if not rag:
            return Fragment(tag("span", self._("no status"), class_="rag rag-none"))
        label, colour = RAG_LABELS[rag]
        text = f"{self._(label)} ({self._(colour)})"
        return Fragment(tag("span", text, class_=f"rag rag-{rag}"))

    # --- sections -----------------------------------------------------------------------
    def header(self) -> Fragment:
        """Kicker, title, period, sample notice and a link to the programming report."""
        p = self.period
        parts = [
            tag(
                "p",
                self._(
                    "Capacity-building programme in asylum and reception with the Western "
                    "Balkan partners"
                ),
                class_="kicker",
            ),
            tag("h1", self.title),
            tag(
                "p",
                self._("Reporting period {period}: {start} – {end}").format(
                    period=self.tr.period(p), start=self.tr.date(p.start), end=self.tr.date(p.end)
                ),
                class_="subtitle",
            ),
        ]
        if self.is_sample:
            parts.append(
                tag(
                    "p",
                    self._("Illustrative sample data: the figures in this report are not real."),
                    class_="notice",
                )
            )
        if self.kind == PROGRAMMING:
            return Fragment(tag("header", join(parts), class_="report-header"))
        link = tag(
            "a", self._("programming report"), href=report_file(self.partner, lang=self.tr.lang)
        )
        parts.append(
            tag(
                "p", join([self._("Activities, participation and milestones: see the "), link, "."])
            )
        )
        return Fragment(tag("header", join(parts), class_="report-header"))

    def _narrative(self, heading: str, text: str) -> Section:
        if not text.strip():
            body = Fragment(
                tag("p", self._("No narrative provided for this period."), class_="empty")
            )
        else:
            body = Fragment(tag("div", markdown(text), class_="narrative"))
        return Section([self._heading(heading), body])

    def highlights(self) -> Section:
        """The analyst's highlights (``params/<period>/<CODE>.evaluation.yaml``)."""
        return self._narrative(self._("Highlights"), self.narrative.highlights)

    def next_steps(self) -> Section:
        """The analyst's next steps."""
        return self._narrative(self._("Next steps"), self.narrative.next_steps)

    def footer(self, generated_at: datetime | None = None) -> Fragment:
        """Generation time, data fingerprint, version and the Kosovo* footnote."""
        from wbreport import __version__

        when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
        digest = data_fingerprint(self.package)
        source = (
            self._("illustrative sample data") if self.is_sample else Path(self.package.source).name
        )
        parts = [
            tag(
                "p",
                self._(
                    "Generated {when} by wbreport {version} from {source}; "
                    "data fingerprint sha256:{digest}."
                ).format(when=when, version=__version__, source=source, digest=digest[:16]),
            ),
            tag("p", self._(KOSOVO_FOOTNOTE), class_="footnote", id="kosovo-footnote"),
        ]
        return Fragment(tag("footer", join(parts), class_="report-footer"))


__all__ = [
    "ReportBase",
    "Section",
    "indicator_rows",
    "load_run",
    "missing",
    "translator",
]
