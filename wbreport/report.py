"""Everything a report shows, computed from a package: notebooks only call and display.

:func:`open_report` gives a :class:`Report` for one partner (or ``WB``) and period;
each of its section methods returns an escaped HTML :class:`~wbreport.fragments.Fragment`
or a :class:`~wbreport.charts.Chart`.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from wbreport import charts
from wbreport.config import Narrative, Settings, load_narrative, load_settings
from wbreport.fragments import Fragment, fmt_int, fmt_number, join, markdown, rag_badge, table, tag
from wbreport.indicators import as_period, default_period, indicator_table, wide
from wbreport.package import Package, load_package
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE, NATIONAL_CODES, REGION, get_partner
from wbreport.periods import Period
from wbreport.registry import BUILTIN, PROGRAMMING_NAMES, csv_number, lookup
from wbreport.schema import RATIO_INDICATORS

LABELS = {i.name: i.label for i in BUILTIN}
TYPE_LABELS = {
    "training": "Training",
    "train_the_trainers": "Train-the-trainers",
    "workshop": "Workshop",
    "expert_meeting": "Expert meeting",
    "study_visit": "Study visit",
    "tool_handover": "Tool handover",
}
DELIVERY_LABELS = {"in_person": "In person", "virtual": "Virtual", "blended": "Blended"}
COMPARISON = (
    "activities_delivered",
    "participants",
    "women_share",
    "trainers_certified",
    "cascade_sessions",
    "milestone_completion_rate",
    "milestones_overdue",
    "tools_available",
)


def _records(frame: pd.DataFrame) -> list[SimpleNamespace]:
    """Rows as objects with one attribute per column (typed as Any)."""
    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


def csv_value(value: float, indicator: str) -> str:
    """A value as indicators.csv writes it (used for ``data-value`` in the HTML)."""
    return csv_number(value, lookup(indicator))


@dataclass
class Prepared:
    """Data and indicators computed once per run and shared by every report of it."""

    package: Package
    settings: Settings
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, period: Period) -> pd.DataFrame:
        if period.label not in self.tables:
            self.tables[period.label] = indicator_table(self.package, period, self.settings)
        return self.tables[period.label]

    def save(self, path: Path) -> Path:
        path.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return path


def prepare(package: Package, periods: list[Period], settings: Settings) -> Prepared:
    """Compute every table the reports of ``periods`` need (their trends included)."""
    prepared = Prepared(package, settings)
    for period in periods:
        for p in period.recent(settings.report.trend_periods):
            prepared.table(p)
    return prepared


def _load_prepared(path: str | Path) -> Prepared:
    # Only wbreport run writes this file, inside its own private staging folder.
    with open(path, "rb") as handle:
        prepared = pickle.load(handle)
    if not isinstance(prepared, Prepared):
        raise TypeError(f"{path} is not a wbreport prepared run")
    return prepared


def open_report(
    partner: str = "AL",
    period: str | None = None,
    data: str | None = None,
    params_dir: str | None = None,
    prepared: str | None = None,
) -> Report:
    """The report of ``partner`` for ``period`` (default: the latest quarter in the data)."""
    code = get_partner(partner).code
    params = Path(params_dir) if params_dir else None
    if prepared:
        run = _load_prepared(prepared)
    else:
        settings = load_settings(params if params and params.is_dir() else None)
        run = Prepared(load_package(data), settings)
    p = as_period(period) if period else default_period(run.package)
    narrative = load_narrative(params, p.label, code)
    return Report(code, p, run, narrative, is_sample=data is None)


class Report:
    """One partner's (or the region's) report for one period."""

    def __init__(
        self,
        partner: str,
        period: Period,
        run: Prepared,
        narrative: Narrative,
        is_sample: bool = False,
    ) -> None:
        self.partner = partner
        self.info = get_partner(partner)
        self.period = period
        self.run = run
        self.package = run.package
        self.settings = run.settings
        self.narrative = narrative
        self.is_sample = is_sample
        self.is_region = partner == REGION
        self.start, self.end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        self.indicators = run.table(period)
        self.own = self.indicators[self.indicators["partner"] == partner].set_index("indicator")

    # --- shared selections ---------------------------------------------------

    @property
    def title(self) -> str:
        return f"{self.info.name} — programming report {self.period.label}"

    def _counting(self) -> pd.DataFrame:
        act = self.package.activities
        mask = (act["status"] == "delivered") & act["end_date"].between(self.start, self.end)
        return act[mask]

    def _rows(self) -> pd.DataFrame:
        """Participation rows of this partner (all rows for WB)."""
        part = self.package.participation
        return part if self.is_region else part[part["partner"] == self.partner]

    def _relevant(self, act: pd.DataFrame) -> pd.DataFrame:
        if self.is_region:
            return act
        rows = self._rows()
        joined = set(rows.loc[rows["participants"] > 0, "activity_id"])
        national = (act["scope"] == "national") & (act["partner"] == self.partner)
        regional = (act["scope"] == "regional") & act["activity_id"].isin(joined)
        return act[national | regional]

    def _people(self) -> pd.DataFrame:
        """Participants and women of this partner per activity id."""
        return (
            self._rows()
            .groupby("activity_id")[["participants", "women", "certified_trainers"]]
            .sum()
        )

    def _cut(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, Fragment | str]:
        limit = self.settings.report.max_table_rows
        if len(frame) <= limit:
            return frame, ""
        note = tag(
            "p",
            f"Showing the first {limit} of {len(frame)} rows; all are in the data package.",
            class_="note",
        )
        return frame.head(limit), Fragment(note)

    # --- sections --------------------------------------------------------------

    def header(self) -> Fragment:
        p = self.period
        parts = [
            tag(
                "p",
                "Capacity-building programme in asylum and reception with the Western Balkan "
                "partners",
                class_="kicker",
            ),
            tag("h1", self.title),
            tag(
                "p",
                f"Reporting period {p.label}: {p.start:%-d %B %Y} – {p.end:%-d %B %Y}",
                class_="subtitle",
            ),
        ]
        if self.is_sample:
            parts.append(
                tag(
                    "p",
                    "Illustrative sample data: the figures in this report are not real.",
                    class_="notice",
                )
            )
        return Fragment(tag("header", join(parts), class_="report-header"))

    def key_figures(self) -> Fragment:
        """All indicators with baseline, target, achievement and RAG as text and colour."""
        rows = []
        own = {str(k): v for k, v in self.own.to_dict("index").items()}
        for name in PROGRAMMING_NAMES:
            r = own[name]
            ratio = name in RATIO_INDICATORS
            value = tag(
                "td",
                fmt_number(r["value"], ratio),
                class_="num",
                data_indicator=name,
                data_value=csv_value(r["value"], name),
            )
            has_target = not math.isnan(r["target"])
            rows.append(
                [
                    LABELS[name],
                    value,
                    fmt_number(r["baseline"], ratio) if has_target else "",
                    fmt_number(r["target"], ratio) if has_target else "",
                    "" if math.isnan(r["achievement"]) else f"{r['achievement'] * 100:.0f}%",
                    rag_badge(r["rag"]) if has_target else "",
                ]
            )
        t = self.settings.rag
        note = tag(
            "p",
            f"Status: on track (green) when achievement ≥ {t.green:.0%} of the way from "
            f"baseline to target, watch (amber) when ≥ {t.amber:.0%}, otherwise off track "
            "(red). Blank where no target is set.",
            class_="note",
        )
        grid = table(
            ["Indicator", "Value", "Baseline", "Target", "Achievement", "Status"],
            rows,
            caption=f"Key figures, {self.info.name}, {self.period.label}",
            numeric=(1, 2, 3, 4),
            class_="key-figures",
            data_section="key-figures",
        )
        return Fragment(grid + note)

    def activities(self) -> Fragment:
        """Delivered activities relevant to the partner (all for WB) in the period."""
        act = self._relevant(self._counting()).sort_values(["end_date", "activity_id"])
        people = self._people()
        act, note = self._cut(act)
        rows = []
        for a in _records(act):
            n = people.loc[a.activity_id] if a.activity_id in people.index else None
            where = "Regional" if a.scope == "regional" else get_partner(a.partner).name
            rows.append(
                [
                    a.title,
                    f"{a.start_date:%Y-%m-%d}",
                    f"{a.end_date:%Y-%m-%d}",
                    TYPE_LABELS[a.type],
                    a.module or "–",
                    where,
                    DELIVERY_LABELS[a.delivery],
                    fmt_int(n["participants"]) if n is not None else "–",
                    fmt_int(n["women"]) if n is not None else "–",
                ]
            )
        who = "all partners" if self.is_region else self.info.name
        grid = table(
            [
                "Activity",
                "Start",
                "End",
                "Type",
                "Module",
                "Scope",
                "Delivery",
                "Participants",
                "Women",
            ],
            rows,
            caption=f"Activities delivered in {self.period.label} ({who})",
            numeric=(7, 8),
            empty="No activity delivered in this period.",
        )
        return Fragment(grid + note)

    def _module_table(self) -> pd.DataFrame:
        act = self._counting()
        trainings = act[act["type"].isin(["training", "train_the_trainers"])].set_index(
            "activity_id"
        )
        rows = self._rows()
        rows = rows[rows["activity_id"].isin(trainings.index)]
        module = rows["activity_id"].map(trainings["module"])
        grouped = rows.assign(module=module).groupby("module")[["participants", "women"]].sum()
        grouped["men"] = grouped["participants"] - grouped["women"]
        return grouped.sort_values("participants", ascending=False)

    def participation(self) -> Fragment:
        """Training participation by module with the women/men split."""
        data = self._module_table()
        rows = [
            [
                m,
                fmt_int(r.participants),
                fmt_int(r.women),
                fmt_int(r.men),
                fmt_number(r.women / r.participants if r.participants else math.nan, True),
            ]
            for m, r in zip(data.index, _records(data), strict=True)
        ]
        if rows:
            total = data.sum()
            share = total["women"] / total["participants"] if total["participants"] else math.nan
            rows.append(
                [
                    Fragment(tag("strong", "Total")),
                    fmt_int(total["participants"]),
                    fmt_int(total["women"]),
                    fmt_int(total["men"]),
                    fmt_number(share, True),
                ]
            )
        return Fragment(
            table(
                ["Module", "Participants", "Women", "Men", "Share of women"],
                rows,
                caption="Training and train-the-trainers participation by module",
                numeric=(1, 2, 3, 4),
                empty="No training delivered in this period.",
            )
        )

    def participation_chart(self) -> charts.Chart | Fragment:
        data = self._module_table()
        if data.empty:
            return Fragment("")
        return charts.participation_by_module(
            list(data.index),
            data["women"].tolist(),
            data["men"].tolist(),
            f"Training participation by module, {self.info.name}, {self.period.label}",
        )

    def trainers(self) -> Fragment:
        """Train-the-trainers sessions and the cascade of national trainings they feed."""
        act = self._counting()
        people = self._people()
        ttt = self._relevant(act[act["type"] == "train_the_trainers"]).sort_values("end_date")
        ttt_rows = [
            [
                a.title,
                f"{a.end_date:%Y-%m-%d}",
                a.module,
                DELIVERY_LABELS[a.delivery],
                fmt_int(
                    people.loc[a.activity_id, "certified_trainers"]
                    if a.activity_id in people.index
                    else 0
                ),
            ]
            for a in _records(ttt)
        ]
        cascade = act[
            (act["scope"] == "national")
            & (act["type"] == "training")
            & act["led_by_certified_trainer"]
        ]
        if not self.is_region:
            cascade = cascade[cascade["partner"] == self.partner]
        cascade = cascade.sort_values("end_date")
        cascade_rows = [
            [
                a.title,
                get_partner(a.partner).name,
                f"{a.end_date:%Y-%m-%d}",
                a.module,
                fmt_int(
                    people.loc[a.activity_id, "participants"]
                    if a.activity_id in people.index
                    else 0
                ),
            ]
            for a in _records(cascade)
        ]
        o = self.own["value"]
        summary = tag(
            "p",
            f"{fmt_int(o['trainers_certified'])} trainers certified this period; "
            f"{fmt_int(o['certified_trainers_to_date'])} certified trainers to date; "
            f"{fmt_int(o['cascade_sessions'])} cascade session(s): national trainings led "
            "by certified trainers.",
            class_="lead",
        )
        return Fragment(
            summary
            + table(
                ["Train-the-trainers session", "End", "Module", "Delivery", "Trainers certified"],
                ttt_rows,
                caption="Train-the-trainers sessions",
                numeric=(4,),
                empty="No train-the-trainers session in this period.",
            )
            + table(
                ["Cascade session", "Partner", "End", "Module", "Participants"],
                cascade_rows,
                caption="National trainings led by certified trainers",
                numeric=(4,),
                empty="No cascade session in this period.",
            )
        )

    def _milestones(self) -> pd.DataFrame:
        ms = self.package.milestones
        ms = ms if self.is_region else ms[ms["partner"] == self.partner]
        ms = ms[ms["status"] != "dropped"].copy()
        ms["due"] = ms["due_date"] <= self.end
        ms["achieved"] = (ms["status"] == "achieved") & (ms["achieved_date"] <= self.end)
        ms["overdue"] = ms["due"] & ~ms["achieved"]
        return ms

    def _milestone_areas(self) -> pd.DataFrame:
        ms = self._milestones()
        grouped = ms.groupby("priority_area")[["due", "achieved", "overdue"]].sum()
        grouped["total"] = ms.groupby("priority_area").size()
        grouped["open"] = grouped["total"] - grouped["achieved"] - grouped["overdue"]
        return grouped.astype(int)

    def milestones(self) -> Fragment:
        """Roadmap milestones by priority area, then the overdue items."""
        areas = self._milestone_areas()
        rows = [
            [a, r.total, r.due, r.achieved, r.overdue]
            for a, r in zip(areas.index, _records(areas), strict=True)
        ]
        overview = table(
            ["Priority area", "Milestones", "Due by period end", "Achieved", "Overdue"],
            rows,
            caption=f"Roadmap milestones by priority area at {self.end:%Y-%m-%d}",
            numeric=(1, 2, 3, 4),
            empty="No roadmap milestones.",
        )
        ms = self._milestones()
        late = ms[ms["overdue"]].sort_values(["due_date", "milestone_id"])
        late_rows = [
            [
                m.description or m.milestone_id,
                get_partner(m.partner).name,
                m.priority_area,
                m.framework.replace("_", " ").capitalize(),
                f"{m.due_date:%Y-%m-%d}",
                m.status.replace("_", " "),
                m.chapter24_ref or "–",
            ]
            for m in _records(late)
        ]
        overdue = table(
            [
                "Overdue milestone",
                "Partner",
                "Priority area",
                "Framework",
                "Due",
                "Status",
                "Chapter 24",
            ],
            late_rows,
            caption="Overdue milestones",
            empty="No overdue milestones.",
        )
        return Fragment(overview + overdue)

    def milestones_chart(self) -> charts.Chart | Fragment:
        areas = self._milestone_areas()
        if areas.empty:
            return Fragment("")
        return charts.milestone_status(
            list(areas.index),
            areas["achieved"].tolist(),
            areas["open"].tolist(),
            areas["overdue"].tolist(),
            f"Milestones by priority area, {self.info.name}",
        )

    def tools(self) -> Fragment:
        """Tools × languages: publication status at the end of the period."""
        tools = self.package.tools
        if not self.is_region:
            tools = tools[tools["partner"] == self.partner]
        if tools.empty:
            return Fragment(tag("p", "No practical tools recorded.", class_="empty"))
        languages = [
            lang
            for lang in ("en", "sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk", "cnr")
            if lang in set(tools["language"])
        ]
        published = tools["published_date"] <= self.end

        def cell(group: pd.DataFrame) -> str:
            if self.is_region:
                codes = [
                    c for c in ALL_CODES if c in set(group.loc[published[group.index], "partner"])
                ]
                return ", ".join(codes) or "–"
            row = group.iloc[0]
            if published[group.index[0]]:
                return f"Published {row['published_date']:%Y-%m-%d}"
            return {
                "in_translation": "In translation",
                "planned": "Planned",
                "published": "In translation",
            }[row["status"]]

        titles = tools.drop_duplicates("tool_id").set_index("tool_id")["title"]
        rows = []
        for tool_id in sorted(titles.index, key=lambda t: titles[t]):
            own = tools[tools["tool_id"] == tool_id]
            rows.append(
                [titles[tool_id]]
                + [
                    cell(own[own["language"] == lang]) if (own["language"] == lang).any() else "–"
                    for lang in languages
                ]
            )
        what = "partners with the translation published" if self.is_region else "status"
        return Fragment(
            table(
                ["Tool", *languages],
                rows,
                caption=f"Practical tools and translations ({what}, at {self.end:%Y-%m-%d})",
                class_="matrix",
            )
        )

    def _trend(self) -> pd.DataFrame:
        periods = self.period.recent(self.settings.report.trend_periods)
        frames = {p.label: wide(self.run.table(p)).loc[self.partner] for p in periods}
        return pd.DataFrame(frames).T

    def trend(self) -> Fragment:
        data = self._trend()
        rows = [
            [
                label,
                fmt_int(r.activities_delivered),
                fmt_int(r.participants),
                fmt_number(r.women_share, True),
                fmt_number(r.milestone_completion_rate, True),
            ]
            for label, r in zip(data.index, _records(data), strict=True)
        ]
        return Fragment(
            table(
                [
                    "Period",
                    "Activities delivered",
                    "Participants",
                    "Share of women",
                    "Milestone completion",
                ],
                rows,
                caption=f"Trend over the last {len(rows)} periods",
                numeric=(1, 2, 3, 4),
            )
        )

    def trend_chart(self) -> charts.Chart:
        data = self._trend()
        return charts.trend(
            list(data.index),
            data["participants"].tolist(),
            data["activities_delivered"].tolist(),
            f"Participants and activities, {self.info.name}, recent periods",
        )

    def workplan(self) -> Fragment:
        """Planned activities starting, and milestones due, in the next period of the same kind."""
        nxt = self.period.next()
        start, end = pd.Timestamp(nxt.start), pd.Timestamp(nxt.end)
        act = self.package.activities
        planned = act[(act["status"] == "planned") & act["start_date"].between(start, end)]
        if not self.is_region:
            planned = planned[
                (planned["scope"] == "regional") | (planned["partner"] == self.partner)
            ]
        planned = planned.sort_values(["start_date", "activity_id"])
        act_rows = [
            [
                a.title,
                f"{a.start_date:%Y-%m-%d}",
                TYPE_LABELS[a.type],
                a.module or "–",
                "Regional" if a.scope == "regional" else get_partner(a.partner).name,
                DELIVERY_LABELS[a.delivery],
            ]
            for a in _records(planned)
        ]
        ms = self.package.milestones
        ms = ms[
            ms["due_date"].between(start, end)
            & (ms["status"] != "dropped")
            & (ms["status"] != "achieved")
        ]
        if not self.is_region:
            ms = ms[ms["partner"] == self.partner]
        ms_rows = [
            [
                m.description or m.milestone_id,
                get_partner(m.partner).name,
                m.priority_area,
                f"{m.due_date:%Y-%m-%d}",
                m.status.replace("_", " "),
            ]
            for m in _records(ms.sort_values("due_date"))
        ]
        return Fragment(
            table(
                ["Planned activity", "Start", "Type", "Module", "Scope", "Delivery"],
                act_rows,
                caption=f"Activities planned to start in {nxt.label}",
                empty=f"No activity planned to start in {nxt.label}.",
            )
            + table(
                ["Milestone", "Partner", "Priority area", "Due", "Status"],
                ms_rows,
                caption=f"Milestones due in {nxt.label}",
                empty=f"No milestone due in {nxt.label}.",
            )
        )

    def highlights(self) -> Fragment:
        return self._narrative(self.narrative.highlights)

    def next_steps(self) -> Fragment:
        return self._narrative(self.narrative.next_steps)

    def _narrative(self, text: str) -> Fragment:
        if not text.strip():
            return Fragment(tag("p", "No narrative provided for this period.", class_="empty"))
        return Fragment(tag("div", markdown(text), class_="narrative"))

    def comparison(self) -> Fragment:
        """Partners side by side (WB); a partner's figures next to the regional total otherwise."""
        values = {str(k): v for k, v in wide(self.indicators).to_dict("index").items()}
        codes = list(ALL_CODES) if self.is_region else [self.partner, REGION]
        headers = ["Indicator"] + [
            get_partner(c).name if c != REGION else "Region (WB)" for c in codes
        ]
        rows = []
        for name in COMPARISON:
            ratio = name in RATIO_INDICATORS
            rows.append(
                [LABELS[name]]
                + [
                    tag(
                        "td",
                        fmt_number(values[c][name], ratio),
                        class_="num",
                        data_partner=c,
                        data_indicator=name,
                        data_value=csv_value(values[c][name], name),
                    )
                    for c in codes
                ]
            )
        caption = (
            "Partners side by side" if self.is_region else "Compared with the region"
        ) + f", {self.period.label}"
        return Fragment(table(headers, rows, caption=caption, class_="comparison"))

    def comparison_chart(self) -> charts.Chart | Fragment:
        if not self.is_region:
            return Fragment("")
        t = wide(self.indicators).loc[list(NATIONAL_CODES)]
        names = [get_partner(c).name for c in t.index]
        return charts.partner_comparison(
            names,
            t["participants"].tolist(),
            t["women_share"].tolist(),
            f"Participants by partner, {self.period.label}",
        )

    def regional_activities(self) -> Fragment:
        """Regional activities delivered in the period with their organisers."""
        act = self._counting()
        act = self._relevant(act[act["scope"] == "regional"]).sort_values("end_date")
        part = self.package.participation
        rows = []
        for a in _records(act):
            who = part[(part["activity_id"] == a.activity_id) & (part["participants"] > 0)]
            joined = ", ".join(
                get_partner(c).name for c in NATIONAL_CODES if c in set(who["partner"])
            )
            organisers = "; ".join(o.strip() for o in a.organisers.split(";") if o.strip()) or "–"
            rows.append(
                [a.title, f"{a.end_date:%Y-%m-%d}", TYPE_LABELS[a.type], organisers, joined or "–"]
            )
        return Fragment(
            table(
                ["Regional activity", "End", "Type", "Organisers", "Partners taking part"],
                rows,
                caption=f"Regional activities delivered in {self.period.label}",
                empty="No regional activity in this period.",
            )
        )

    def footer(self, generated_at: datetime | None = None) -> Fragment:
        from wbreport import __version__

        when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
        digest = data_fingerprint(self.package)
        source = "illustrative sample data" if self.is_sample else Path(self.package.source).name
        parts = [
            tag(
                "p",
                f"Generated {when} by wbreport {__version__} from {source}; data fingerprint "
                f"sha256:{digest[:16]}.",
            ),
            tag("p", KOSOVO_FOOTNOTE, class_="footnote", id="kosovo-footnote"),
        ]
        return Fragment(tag("footer", join(parts), class_="report-footer"))


def data_fingerprint(package: Package) -> str:
    """One sha256 over the per-file hashes of the package."""
    return hashlib.sha256(
        "".join(f"{k}={v}\n" for k, v in sorted(package.fingerprint.items())).encode()
    ).hexdigest()


__all__ = ["LABELS", "Prepared", "Report", "indicator_table", "open_report", "prepare"]
