"""One registry of indicators: every consumer (computation, CSV, reports, index, demo data,
validation, translations) reads the facts about an indicator from here.

Adding a built-in indicator is one :class:`Indicator` entry below plus one computation in
:mod:`wbreport.indicators` (see ``docs/architecture.md``). Custom indicators (SPEC §9) are
declared in the data package's ``indicator_definitions`` table and turned into entries of
the same shape by :func:`custom_indicator`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "share", "score", "points"]
Kind = Literal["additive", "ratio", "stock", "custom"]
Direction = Literal["higher", "lower"]
Group = Literal["programming", "evaluation", "custom"]


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the message catalogues; translated on display."""
    return message


@dataclass(frozen=True)
class Indicator:
    """What wbreport knows about one indicator.

    Attributes
    ----------
    name
        The name used in ``indicators.csv``, ``targets`` and ``results``.
    label
        English label (the catalogue's message id; translated per report language).
    unit
        ``count`` (integers), ``share`` (0–1), ``score`` (e.g. 1–5) or ``points``.
    kind
        ``additive`` (sums over rows in P), ``ratio`` (ratio of sums), ``stock`` (a state at
        the end of P: the to-date value equals the value) or ``custom`` (observed, §9).
    direction
        ``higher`` or ``lower`` is better (lower flips achievement, SPEC §4).
    group
        Which report shows it as a key figure: ``programming`` (§4), ``evaluation`` (§8)
        or ``custom`` (§9).
    key_figure
        Shown among the key figures of its group's report.
    index
        Shown on the period index page.
    comparison
        Shown in the WB partner comparison.
    n_basis
        For disclosure control (§8): the head-count the figure rests on, or ``None`` when
        the figure is never suppressed.
    """

    name: str
    label: str
    unit: Unit
    kind: Kind
    direction: Direction = "higher"
    group: Group = "programming"
    key_figure: bool = True
    index: bool = False
    comparison: bool = False
    n_basis: str | None = None

    @property
    def decimals(self) -> int | None:
        """Decimals in indicators.csv: 4 for ratios, scores, points and custom values,
        ``None`` (integers written without decimals) for counts."""
        if self.kind == "custom":
            return None  # written like ratios but integers stay plain: see csv_number()
        return None if self.unit == "count" else 4

    @property
    def lower_is_better(self) -> bool:
        """Whether a lower value is better (achievement is flipped, SPEC §4)."""
        return self.direction == "lower"

    @property
    def is_stock(self) -> bool:
        """Whether the indicator is a state at E (its to-date value is its value, §9)."""
        return self.kind == "stock"


def _i(name: str, label: str, unit: Unit, kind: Kind, **facts: object) -> Indicator:
    return Indicator(name, N_(label), unit, kind, **facts)  # type: ignore[arg-type]


EVALUATION: dict[str, object] = {"group": "evaluation"}

#: The built-in indicators in the order of SPEC §4 then §8 (the order of indicators.csv).
BUILTIN: tuple[Indicator, ...] = (
    _i("activities_delivered", "Activities delivered", "count", "additive",
       index=True, comparison=True),
    _i("regional_activities", "Regional activities", "count", "additive"),
    _i("participants", "Participants", "count", "additive", index=True, comparison=True),
    _i("women_share", "Share of women", "share", "ratio", index=True, comparison=True),
    _i("trainers_certified", "Trainers certified", "count", "additive", comparison=True),
    _i("certified_trainers_to_date", "Certified trainers to date", "count", "stock"),
    _i("cascade_sessions", "Cascade sessions", "count", "additive", comparison=True),
    _i("virtual_share", "Share delivered virtually", "share", "ratio"),
    _i("milestones_due", "Milestones due", "count", "stock"),
    _i("milestones_achieved", "Milestones achieved", "count", "stock"),
    _i("milestone_completion_rate", "Milestone completion rate", "share", "stock",
       index=True, comparison=True),
    _i("milestones_overdue", "Milestones overdue", "count", "stock", direction="lower",
       comparison=True),
    _i("translations_published", "Translations published", "count", "additive"),
    _i("tools_available", "Tools available", "count", "stock", index=True, comparison=True),
    _i("languages_covered", "Languages covered", "count", "stock"),
    _i("evaluation_response_rate", "Evaluation response rate", "share", "ratio",
       **EVALUATION),
    _i("satisfaction_mean", "Mean satisfaction (1–5)", "score", "ratio",
       n_basis="respondents", comparison=True, **EVALUATION),
    _i("satisfied_share", "Share satisfied", "share", "ratio", n_basis="respondents",
       index=True, comparison=True, **EVALUATION),
    _i("useful_share", "Share finding it useful", "share", "ratio", n_basis="respondents",
       comparison=True, **EVALUATION),
    _i("knowledge_gain", "Knowledge gain (points)", "points", "ratio", n_basis="tested",
       comparison=True, **EVALUATION),
    _i("pass_rate", "Pass rate", "share", "ratio", n_basis="post_tested", comparison=True,
       **EVALUATION),
    _i("applying_share", "Share applying it at work", "share", "ratio",
       n_basis="followup_respondents", comparison=True, **EVALUATION),
)  # fmt: skip

BUILTIN_NAMES: tuple[str, ...] = tuple(i.name for i in BUILTIN)
PROGRAMMING_NAMES: tuple[str, ...] = tuple(i.name for i in BUILTIN if i.group == "programming")
EVALUATION_NAMES: tuple[str, ...] = tuple(i.name for i in BUILTIN if i.group == "evaluation")
_BY_NAME = {i.name: i for i in BUILTIN}


def get(name: str, custom: Iterable[Indicator] = ()) -> Indicator:
    """The indicator called ``name`` among the built-ins and ``custom`` ones.

    Raises
    ------
    KeyError
        When no indicator has that name.
    """
    found = _BY_NAME.get(name)
    if found is not None:
        return found
    for indicator in custom:
        if indicator.name == name:
            return indicator
    raise KeyError(name)


def custom_indicator(name: str, label: str, unit: str, direction: str) -> Indicator:
    """A custom indicator declared in ``indicator_definitions`` (SPEC §9)."""
    return Indicator(
        name,
        label,
        unit,  # type: ignore[arg-type]
        "custom",
        direction=direction,  # type: ignore[arg-type]
        group="custom",
        key_figure=False,
    )


def selected(
    *,
    group: Group | None = None,
    key_figure: bool | None = None,
    index: bool | None = None,
    comparison: bool | None = None,
) -> tuple[Indicator, ...]:
    """Built-in indicators with the given facts, in registry order."""
    return tuple(
        i
        for i in BUILTIN
        if (group is None or i.group == group)
        and (key_figure is None or i.key_figure == key_figure)
        and (index is None or i.index == index)
        and (comparison is None or i.comparison == comparison)
    )


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.0000"


def csv_number(
    value: float | None, indicator: Indicator | None = None, decimals: int | None = None
) -> str:
    """A number as ``indicators.csv`` writes it (also used for ``data-value`` in the HTML).

    NA (None or NaN) is empty. With an ``indicator``: counts as integers; ratios, scores
    and points with 4 decimals (rounded from the unrounded value); custom values with
    4 decimals unless integral. Without one: ``decimals`` fixed decimals when given
    (achievements use 4), else integers plain and other numbers as written (baselines,
    targets).
    """
    if value is None or value != value:  # NaN
        return ""
    number = float(value)
    if indicator is not None and indicator.kind == "custom":
        return str(int(number)) if number.is_integer() else _fixed(number, 4)
    if indicator is not None:
        decimals = indicator.decimals
        if decimals is None:
            return str(round(number))
    if decimals is not None:
        return _fixed(number, decimals)
    return str(int(number)) if number.is_integer() else repr(number)


def lookup(name: str, custom: Iterable[Indicator] = ()) -> Indicator:
    """Like :func:`get`, but a name that is neither built-in nor among ``custom`` is taken
    as a custom indicator (higher is better)."""
    try:
        return get(name, custom)
    except KeyError:
        return custom_indicator(name, name, "points", "higher")


__all__ = [
    "BUILTIN",
    "BUILTIN_NAMES",
    "EVALUATION_NAMES",
    "N_",
    "PROGRAMMING_NAMES",
    "Indicator",
    "csv_number",
    "custom_indicator",
    "get",
    "lookup",
    "selected",
]
