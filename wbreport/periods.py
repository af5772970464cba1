"""Reporting periods: ``YYYY``, ``YYYYH1``/``H2``, ``YYYYQ1``…``Q4`` and ``YYYY-MM``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from wbreport.errors import PeriodError, UsageError

Kind = Literal["year", "half", "quarter", "month"]

_FORMS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("year", re.compile(r"([0-9]{4})")),  # ASCII digits: "\d" takes "２０２０" too
    ("half", re.compile(r"([0-9]{4})H([12])")),
    ("quarter", re.compile(r"([0-9]{4})Q([1-4])")),
    ("month", re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")),
)
_MONTHS_PER: dict[Kind, int] = {"year": 12, "half": 6, "quarter": 3, "month": 1}
# Periods live in the years a ``datetime.date`` can hold.
FIRST_YEAR, LAST_YEAR = 1, 9999


class PeriodRangeError(UsageError):
    """A period range of more periods than allowed."""

    def __init__(self, value: str, count: int, limit: int) -> None:
        self.value, self.count, self.limit = value, count, limit
        super().__init__(
            f"period range {value!r} spans {count:,} periods; at most {limit:,} are allowed"
            " in one run"
        )


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive date range named by one of the canonical period strings."""

    start: date
    kind: Kind

    @property
    def months(self) -> int:
        """Length of the period in months."""
        return _MONTHS_PER[self.kind]

    @property
    def end(self) -> date:
        """The last day of the period."""
        month = self.start.month + self.months - 1
        return date(self.start.year, month, calendar.monthrange(self.start.year, month)[1])

    @property
    def label(self) -> str:
        """The canonical period string (the year always has four digits: ``0001Q1``)."""
        y, m = self.start.year, self.start.month
        if self.kind == "year":
            return f"{y:04d}"
        if self.kind == "half":
            return f"{y:04d}H{1 if m == 1 else 2}"
        if self.kind == "quarter":
            return f"{y:04d}Q{(m - 1) // 3 + 1}"
        return f"{y:04d}-{m:02d}"

    def __str__(self) -> str:
        return self.label

    def shift(self, n: int) -> Period | None:
        """The period ``n`` steps later (earlier when negative) of the same kind.

        ``None`` when that period would fall outside the years 0001-9999 (e.g. the
        period after ``9999Q4``): there is no such period, and no date in it.
        """
        index = self.start.year * 12 + self.start.month - 1 + n * self.months
        if not FIRST_YEAR <= index // 12 <= LAST_YEAR:
            return None
        return Period(date(index // 12, index % 12 + 1, 1), self.kind)

    def next(self) -> Period | None:
        """The following period of the same kind; ``None`` after the year 9999."""
        return self.shift(1)

    def recent(self, count: int) -> list[Period]:
        """The ``count`` periods of the same kind ending with this one, oldest first.

        Fewer when the years before 0001 would be needed.
        """
        found = (self.shift(-i) for i in range(count - 1, -1, -1))
        return [p for p in found if p is not None]


def parse_period(text: str) -> Period:
    """Parse a canonical period string; raise :class:`PeriodError` otherwise."""
    value = str(text).strip()
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        year = int(match.group(1))
        if year < 1:
            break
        if kind == "year":
            return Period(date(year, 1, 1), kind)
        part = int(match.group(2))
        month = {"half": (part - 1) * 6 + 1, "quarter": (part - 1) * 3 + 1, "month": part}[kind]
        return Period(date(year, month, 1), kind)
    raise PeriodError(str(text))


def is_canonical(text: str) -> bool:
    """True when ``text`` is a period string exactly as wbreport writes it."""
    try:
        return parse_period(text).label == text
    except PeriodError:
        return False


def quarter_of(day: date) -> Period:
    """The quarter containing ``day`` (any date, 9999-12-31 included)."""
    return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), "quarter")


def steps_between(first: Period, last: Period) -> int:
    """How many steps of their kind lead from ``first`` to ``last`` (same kind)."""
    months = (last.start.year - first.start.year) * 12 + last.start.month - first.start.month
    return months // first.months


def parse_period_range(text: str, limit: int | None = None) -> list[Period]:
    """Parse ``P`` or ``FROM:TO`` (same kind, inclusive) into a list of periods.

    With ``limit``, a range of more periods raises :class:`PeriodRangeError` before
    any period is made.
    """
    if ":" not in text:
        return [parse_period(text)]
    first_text, _, last_text = text.partition(":")
    if not first_text.strip() or not last_text.strip() or ":" in last_text:
        # "2020Q4:" or "2020Q4:2021Q1:2021Q2": quote all of it
        raise PeriodError(text)
    first, last = parse_period(first_text), parse_period(last_text)
    if first.kind != last.kind:
        raise PeriodError(
            text,
            f"a range joins two periods of one kind, e.g. 2019Q1:2021Q4 or 2019:2021"
            f" ({first.label} and {last.label} are not)",
        )
    if last < first:
        raise PeriodError(
            text, f"the range ends before it starts: write {last.label}:{first.label}"
        )
    count = steps_between(first, last) + 1
    if limit is not None and count > limit:
        raise PeriodRangeError(text, count, limit)
    return [p for p in (first.shift(i) for i in range(count)) if p is not None]
