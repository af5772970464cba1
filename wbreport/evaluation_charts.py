"""Charts of the training-evaluation report (SPEC §8): matplotlib figures as compact SVG
with alt text, built with the helpers of :mod:`wbreport.charts`; no file I/O.

Every text a chart shows (titles, axis labels, legend entries, alt text) is passed in
translated or goes through ``tr``, a translator of :mod:`wbreport.i18n`. Figures resting
on too few people (disclosure control) are never drawn: their row shows the suppression
label instead of a bar or a dot.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from wbreport.charts import ACCENT, GREY, MEN, Chart, _figure, _legend_below, _style, _to_chart
from wbreport.registry import N_

#: Satisfaction 1 … 5, a colour-blind safe diverging scale (PuOr) with a grey centre.
LIKERT_COLOURS = ("#E66101", "#FDB863", "#CCCCCC", "#B2ABD2", "#5E3C99")
LIKERT_LABELS = (
    N_("Very dissatisfied"),
    N_("Dissatisfied"),
    N_("Neutral"),
    N_("Satisfied"),
    N_("Very satisfied"),
)
BEFORE, AFTER = GREY, MEN
WRAP = 28  # characters per line of a row label


def _label(text: str) -> str:
    return textwrap.fill(str(text), WRAP) or "–"


def _height(rows: int) -> float:
    return 0.9 + 0.34 * max(rows, 1)


def _nan(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _note(hide: bool | str, hidden_text: str) -> str:
    """What a hidden row reads: its own text ("withheld") or the suppressed one ("n < 5")."""
    return hide if isinstance(hide, str) else hidden_text


def likert(
    labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    hidden: Sequence[bool | str],
    title: str,
    tr: Any,
    hidden_text: str,
) -> Chart:
    """Diverging stacked bars of the satisfaction ratings 1–5 per row (module or partner).

    Each bar is centred on the middle of its neutral segment: the dissatisfied shares
    extend left, the satisfied ones right. ``hidden`` rows (suppressed, or without
    respondents) show ``hidden_text`` (or the row's own text, when ``hidden`` holds one) or
    "no responses" instead of a bar.
    """
    names = [tr.gettext(n) for n in LIKERT_LABELS]
    with _style():
        fig, ax = _figure(_height(len(labels)))
        ys = list(range(len(labels)))
        parts = []
        for y, label, row, hide in zip(ys, labels, counts, hidden, strict=True):
            total = sum(row)
            if hide or total == 0:
                note = _note(hide, hidden_text) if hide else tr.gettext("no responses")
                ax.text(0, y, note, ha="center", va="center", fontsize=8, color="#5A6270")
                parts.append(f"{label}: {note}")
                continue
            shares = [c / total for c in row]
            left = -(shares[0] + shares[1] + shares[2] / 2)
            for k, share in enumerate(shares):
                if share > 0:
                    ax.barh(
                        y,
                        share,
                        left=left,
                        color=LIKERT_COLOURS[k],
                        height=0.7,
                    )
                left += share
            ax.text(1.02, y, f"n = {tr.number(total)}", va="center", fontsize=7, color="#5A6270")
            parts.append(
                tr.gettext(
                    "{row}: {satisfied} satisfied or very satisfied, {neutral} neutral, "
                    "{dissatisfied} dissatisfied or very dissatisfied (n = {n})"
                ).format(
                    row=label,
                    satisfied=tr.percent(shares[3] + shares[4]),
                    neutral=tr.percent(shares[2]),
                    dissatisfied=tr.percent(shares[0] + shares[1]),
                    n=tr.number(total),
                )
            )
        ax.set_yticks(ys, [_label(x) for x in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(-1, 1)
        ticks = [-1, -0.5, 0, 0.5, 1]
        ax.set_xticks(ticks, [tr.percent(abs(t)) for t in ticks])
        ax.axvline(0, color="#5A6270", linewidth=0.6)
        ax.set_xlabel(tr.gettext("Share of respondents"))
        ax.set_title(title, loc="left")
        # The five ratings in order, whichever were given (handles drawn by no bar).
        for colour, name in zip(LIKERT_COLOURS, names, strict=True):
            ax.barh([0], [0], color=colour, label=name)
        _legend_below(ax, ncol=5)
        text = "; ".join(parts) if parts else tr.gettext("No evaluation in this period.")
        return _to_chart(fig, f"{title}. {text}")


def dumbbell(
    labels: Sequence[str],
    before: Sequence[float],
    after: Sequence[float],
    hidden: Sequence[bool | str],
    title: str,
    tr: Any,
    hidden_text: str,
) -> Chart:
    """Mean test score before and after per row, as two dots joined by a line (0–100)."""
    names = (tr.gettext("Before"), tr.gettext("After"))
    with _style():
        fig, ax = _figure(_height(len(labels)))
        ys = list(range(len(labels)))
        parts = []
        first = True
        for y, label, pre, post, hide in zip(ys, labels, before, after, hidden, strict=True):
            if hide or _nan(pre) or _nan(post):
                note = (
                    _note(hide, hidden_text) if hide else tr.gettext("not tested before and after")
                )
                ax.text(50, y, note, ha="center", va="center", fontsize=8, color="#5A6270")
                parts.append(f"{label}: {note}")
                continue
            ax.plot([pre, post], [y, y], color="#B0B6BE", linewidth=2, zorder=1)
            ax.scatter([pre], [y], color=BEFORE, s=36, zorder=2, label=names[0] if first else None)
            ax.scatter([post], [y], color=AFTER, s=36, zorder=3, label=names[1] if first else None)
            first = False
            gain = post - pre
            ax.text(
                max(pre, post) + 2.5,
                y,
                f"{'+' if gain >= 0 else '−'}{tr.number(abs(gain), 1)}",
                va="center",
                fontsize=7,
            )
            parts.append(
                tr.ngettext_decimal(
                    "{row}: {before} before, {after} after ({gain} point)",
                    "{row}: {before} before, {after} after ({gain} points)",
                    gain,
                    1,
                ).format(
                    row=label,
                    before=tr.number(pre, 1),
                    after=tr.number(post, 1),
                    gain=f"{'+' if gain >= 0 else '−'}{tr.number(abs(gain), 1)}",
                )
            )
        if first:  # nothing drawn: keep the legend
            ax.scatter([], [], color=BEFORE, s=36, label=names[0])
            ax.scatter([], [], color=AFTER, s=36, label=names[1])
        ax.set_yticks(ys, [_label(x) for x in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(0, 108)
        ax.set_xticks([0, 25, 50, 75, 100], [tr.number(t) for t in (0, 25, 50, 75, 100)])
        ax.set_xlabel(tr.gettext("Mean test score (0–100)"))
        ax.set_title(title, loc="left")
        _legend_below(ax, ncol=2)
        text = "; ".join(parts) if parts else tr.gettext("No knowledge test in this period.")
        return _to_chart(fig, f"{title}. {text}")


def trend(
    periods: Sequence[str],
    satisfaction: Sequence[float],
    gain: Sequence[float],
    titles: tuple[str, str, str],
    tr: Any,
) -> Chart:
    """Mean satisfaction (1–5) and knowledge gain (points) over recent periods, side by
    side; a suppressed or missing figure is a gap in its line. ``titles`` are the chart's
    title and the two panels' titles."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    title, left_title, right_title = titles
    with _style():
        fig = Figure(figsize=(6.4, 2.8))
        left, right = fig.subplots(1, 2)
        fig.subplots_adjust(top=0.78, wspace=0.3)
        x = list(range(len(periods)))
        left.plot(x, satisfaction, color=MEN, marker="o")
        left.set_ylim(1, 5)
        left.set_yticks([1, 2, 3, 4, 5], [tr.number(v) for v in (1, 2, 3, 4, 5)])
        right.plot(x, gain, color=ACCENT, marker="o")
        right.axhline(0, color="#5A6270", linewidth=0.6)
        # the locale's decimal sign on the points axis too ("12,5")
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.number(round(v, 2))))
        for ax, name in ((left, left_title), (right, right_title)):
            ax.set_xticks(x, list(periods), rotation=45 if len(periods) > 4 else 0, fontsize=7)
            ax.set_title(name, loc="left", fontsize=9)
            ax.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
        fig.suptitle(title, x=0.02, y=0.99, ha="left", fontsize=10, fontweight="bold")

        def _text(value: float, decimals: int) -> str:
            return tr.gettext("no figure") if _nan(value) else tr.number(value, decimals)

        parts = [
            tr.gettext("{period}: satisfaction {satisfaction}, gain {gain}").format(
                period=p, satisfaction=_text(s, 2), gain=_text(g, 1)
            )
            for p, s, g in zip(periods, satisfaction, gain, strict=True)
        ]
        return _to_chart(fig, f"{title}. " + "; ".join(parts))


__all__ = ["LIKERT_LABELS", "dumbbell", "likert", "trend"]
