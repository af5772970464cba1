"""Matplotlib charts as compact, deterministic SVG with alt text; no file I/O."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wbreport.registry import N_
from wbreport.wording import Text, translator

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _text(tr: Text | None) -> Text:
    return tr if tr is not None else Text(translator("en"))


def _locale_axis(axis: Any, t: Text) -> None:
    """Tick labels of a count axis in the report locale (grouping, digits)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: t.count(x)))


def _style() -> Any:
    """The charts' rcParams, for the figure's lifetime. Charts use matplotlib's object API,
    not pyplot: no pyplot import in kernels, no figure manager per chart, nothing to close;
    and matplotlib is imported on the first chart, so processes that only compute
    indicators or write the index (``wbreport run`` itself) never load it."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


# Colour-blind safe pair (Okabe-Ito) and neutral greys; text stays text in the SVG.
WOMEN, MEN, ACCENT, GREY = "#CC79A7", "#0072B2", "#E69F00", "#999999"
STYLE: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "wbreport",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    # Labels are data text: "$...$" must show as typed, not be parsed (and crash) as mathtext.
    "text.parse_math": False,
}
MIME = "image/svg+xml"


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its alt text; displays in Jupyter and exports as ``<img alt>``."""

    svg: str
    alt: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        return {MIME: self.svg, "text/plain": self.alt}, {MIME: {"alt": self.alt}}


def _tight_bbox(fig: Figure) -> Any:
    """The box ``bbox_inches="tight"`` would crop to, measured with an SVG renderer at the
    SVG's 72 dpi but without the extra full draw savefig makes first: a third of a chart's
    time. The chart comes out the same (only generated clip-path ids differ)."""
    import matplotlib
    from matplotlib.backends.backend_svg import RendererSVG

    dpi = fig.dpi
    fig.dpi = 72
    try:
        width, height = fig.get_size_inches()
        renderer = RendererSVG(width * 72, height * 72, io.StringIO(), image_dpi=72)
        return fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = dpi


def _to_chart(fig: Figure, alt: str) -> Chart:
    buffer = io.StringIO()
    try:
        bbox: Any = _tight_bbox(fig)
    except Exception:
        bbox = "tight"
    fig.savefig(buffer, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})
    return Chart(compact_svg(buffer.getvalue()), alt)


_ATTRIBUTE = re.compile(r'="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d{2})\d+")
_INDENT = re.compile(r">\s+<")
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


def compact_svg(svg: str) -> str:
    """The SVG with coordinates to 1/100 pt and no indentation between tags: a third
    smaller, the same picture. Only attribute values are rounded, never text (labels are
    data and keep every digit)."""

    def attribute(match: re.Match[str]) -> str:
        value = _LONG_DECIMAL.sub(r"\1", match.group(1))
        return '="' + " ".join(value.split()) + '"'

    svg = _METADATA.sub("", svg)
    return _INDENT.sub("><", _ATTRIBUTE.sub(attribute, svg))


def _legend_below(ax: Any, ncol: int, entries: tuple[list[Any], list[str]] | None = None) -> None:
    """Legend centred under the x-axis label, a fixed 32 pt below the axes whatever their
    height (a fraction of the axes height overlaps the label on short charts). ``entries``
    (handles, labels) when they come from more than one axes."""
    from matplotlib.transforms import offset_copy

    below = offset_copy(ax.transAxes, fig=ax.figure, y=-32, units="points")
    ax.legend(
        *(entries or ()),
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=below,
        ncol=ncol,
        fontsize=8,
    )


def _figure(height: float) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(6.4, height))
        ax = fig.subplots()
    return fig, ax


# A chart's figure without its words (bars, lines, colours, size), by chart and data: the
# other languages of a report re-dress it instead of building it again (SPEC §10, issue 13).
# Every text is set again on each use, so a chart is the same whether its figure is new or not.
_FIGURES: dict[Any, Any] = {}
_KEPT_FIGURES = 4


def _reused(key: Any, build: Any) -> Any:
    """The figure parts ``build()`` makes for ``key``, built once while it stays recent."""
    parts = _FIGURES.pop(key, None)
    if parts is None:
        with _style():
            parts = build()
    _FIGURES[key] = parts
    while len(_FIGURES) > _KEPT_FIGURES:
        _FIGURES.pop(next(iter(_FIGURES)))
    return parts


def forget_figures() -> None:
    """Drop the kept figures (between reports in a warm kernel)."""
    _FIGURES.clear()


def _numbers(values: Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _stacked_bars(
    labels: Sequence[str],
    series: Sequence[tuple[Sequence[float], str, str]],
    xlabel: str,
    title: str,
    alt: str,
    t: Text,
) -> Chart:
    """Horizontal bars per label, one stacked segment per (values, colour, name) series."""
    positions = list(range(len(labels)))

    def build() -> Any:
        fig, ax = _figure(0.5 + 0.32 * max(len(labels), 1))
        left = [0.0] * len(labels)
        bars = []
        for values, colour, _name in series:
            bars.append(ax.barh(positions, values, left=left, color=colour))
            left = [x + y for x, y in zip(left, values, strict=True)]
        ax.invert_yaxis()
        return fig, ax, bars

    key = ("bars", len(labels), tuple((_numbers(v), c) for v, c, _ in series))
    fig, ax, bars = _reused(key, build)
    with _style():
        ax.set_yticks(positions, labels)
        for container, (_values, _colour, name) in zip(bars, series, strict=True):
            container.set_label(name)
        _locale_axis(ax.xaxis, t)
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        _legend_below(ax, ncol=len(series))
        return _to_chart(fig, f"{title}. {alt}")


def participation_by_module(
    modules: Sequence[str],
    women: Sequence[float],
    men: Sequence[float],
    title: str,
    tr: Text | None = None,
) -> Chart:
    """Horizontal stacked bars of women and men per training module."""
    t = _text(tr)
    parts = [
        m + ": " + t.plural("{n} woman", "{n} women", w) + ", " + t.plural("{n} man", "{n} men", n)
        for m, w, n in zip(modules, women, men, strict=True)
    ]
    return _stacked_bars(
        modules,
        [(women, WOMEN, t(N_("Women"))), (men, MEN, t(N_("Men")))],
        t(N_("Participants")),
        title,
        "; ".join(parts) if parts else t(N_("No training participation.")),
        t,
    )


def _two_lines(label: str) -> str:
    """A period's name with its last word (the year) on a line of its own."""
    head, _, tail = label.rpartition(" ")
    return f"{head}\n{tail}" if head else label


def trend(
    labels: Sequence[str],
    participants: Sequence[float],
    activities: Sequence[float],
    title: str,
    tr: Text | None = None,
) -> Chart:
    """Participants (bars) and delivered activities (line) over recent periods."""
    t = _text(tr)
    people, delivered = t(N_("Participants")), t(N_("Activities delivered"))
    positions = list(range(len(labels)))

    def build() -> Any:
        fig, ax = _figure(2.4)
        bars = ax.bar(positions, participants, color=MEN)
        ax2 = ax.twinx()
        (line,) = ax2.plot(positions, activities, color=ACCENT, marker="o")
        ax2.spines["top"].set_visible(False)
        # Room above the highest point, whose marker sat on the top edge.
        ax2.set_ylim(0, max([*activities, 1]) * 1.12)
        return fig, ax, ax2, bars, line

    key = ("trend", _numbers(participants), _numbers(activities))
    fig, ax, ax2, bars, line = _reused(key, build)
    with _style():
        # periods in words ("3. тримесечје 2020"): the year on a second line
        ax.set_xticks(positions, [_two_lines(x) for x in labels], fontsize=7)
        ax.set_ylabel(people)
        _locale_axis(ax.yaxis, t)
        ax2.set_ylabel(delivered)
        _locale_axis(ax2.yaxis, t)
        ax.set_title(title, loc="left")
        # Below the axes, as the other charts' legends: inside, it covered the first bars.
        _legend_below(ax, ncol=2, entries=([bars, line], [people, delivered]))
        parts = [
            p
            + ": "
            + t.plural("{n} participant", "{n} participants", n)
            + ", "
            + t.plural("{n} activity", "{n} activities", a)
            for p, n, a in zip(labels, participants, activities, strict=True)
        ]
        return _to_chart(fig, f"{title}. " + "; ".join(parts))


def milestone_status(
    areas: Sequence[str],
    achieved: Sequence[int],
    open_: Sequence[int],
    overdue: Sequence[int],
    title: str,
    tr: Text | None = None,
) -> Chart:
    """Stacked bars per priority area: achieved, open (not yet due), overdue."""
    t = _text(tr)
    parts = [
        a
        + ": "
        # TRANSLATORS: a count of milestones (the noun is implied: agree with "milestone")
        + t.plural("{n} achieved", "{n} achieved", x)
        + ", "
        + t.plural("{n} not yet due", "{n} not yet due", o)
        + ", "
        + t.plural("{n} overdue", "{n} overdue", d)
        for a, x, o, d in zip(areas, achieved, open_, overdue, strict=True)
    ]
    series = [
        (achieved, MEN, t(N_("Achieved"))),
        (open_, GREY, t(N_("Not yet due"))),
        (overdue, ACCENT, t(N_("Overdue"))),
    ]
    alt = "; ".join(parts) if parts else t(N_("No milestones."))
    return _stacked_bars(areas, series, t(N_("Milestones")), title, alt, t)


def partner_comparison(
    partners: Sequence[str],
    participants: Sequence[float],
    women_share: Sequence[float],
    title: str,
    tr: Text | None = None,
) -> Chart:
    """Participants per partner with the share of women as a label."""
    t = _text(tr)
    positions = list(range(len(partners)))

    def build() -> Any:
        fig, ax = _figure(2.4)
        bars = ax.bar(positions, participants, color=MEN)
        return fig, ax, bars, []

    key = ("comparison", _numbers(participants))
    fig, ax, bars, notes = _reused(key, build)
    with _style():
        ax.set_xticks(positions, [textwrap.fill(p, 12) for p in partners])  # "Bosnia and\nH..."
        for note in notes:  # the previous language's
            note.remove()
        notes.clear()
        for bar, share in zip(bars, women_share, strict=True):
            text = t.na() if share != share else t(N_("{share} women"), share=t.percent(share, 0))
            notes.append(
                ax.annotate(
                    text,
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
            )
        ax.set_ylabel(t(N_("Participants")))
        _locale_axis(ax.yaxis, t)
        ax.set_title(title, loc="left")
        parts = [
            p
            + ": "
            + t.plural("{n} participant", "{n} participants", n)
            + ("" if s != s else t(N_(", {share} women"), share=t.percent(s, 0)))
            for p, n, s in zip(partners, participants, women_share, strict=True)
        ]
        return _to_chart(fig, f"{title}. " + "; ".join(parts))
