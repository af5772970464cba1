"""Reporting periods: ``YYYY``, ``YYYYH1``/``H2``, ``YYYYQ1``…``Q4`` and ``YYYY-MM``."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from wbreport.errors import PeriodError

Kind = Literal["year", "half", "quarter", "month"]

_FORMS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("year", re.compile(r"(\d{4})")),
    ("half", re.compile(r"(\d{4})H([12])")),
    ("quarter", re.compile(r"(\d{4})Q([1-4])")),
    ("month", re.compile(r"(\d{4})-(0[1-9]|1[0-2])")),
)
_MONTHS_PER: dict[Kind, int] = {"year": 12, "half": 6, "quarter": 3, "month": 1}


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive date range named by one of the canonical period strings."""

    start: date
    kind: Kind

    @property
    def months(self) -> int:
        return _MONTHS_PER[self.kind]

    @property
    def end(self) -> date:
        month = self.start.month + self.months - 1
        return date(self.start.year, month, calendar.monthrange(self.start.year, month)[1])

    @property
    def label(self) -> str:
        y, m = self.start.year, self.start.month
        if self.kind == "year":
            return f"{y}"
        if self.kind == "half":
            return f"{y}H{1 if m == 1 else 2}"
        if self.kind == "quarter":
            return f"{y}Q{(m - 1) // 3 + 1}"
        return f"{y}-{m:02d}"

    def __str__(self) -> str:
        return self.label

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (earlier when negative) of the same kind."""
        index = self.start.year * 12 + self.start.month - 1 + n * self.months
        return Period(date(index // 12, index % 12 + 1, 1), self.kind)

    def next(self) -> Period:
        return self.shift(1)

    def recent(self, count: int) -> list[Period]:
        """The ``count`` periods of the same kind ending with this one, oldest first."""
        return [self.shift(-i) for i in range(count - 1, -1, -1)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


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
    try:
        return parse_period(text).label == text
    except PeriodError:
        return False


def quarter_of(day: date) -> Period:
    return Period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), "quarter")


def parse_period_range(text: str) -> list[Period]:
    """Parse ``P`` or ``FROM:TO`` (same kind, inclusive) into a list of periods."""
    if ":" not in text:
        return [parse_period(text)]
    first_text, _, last_text = text.partition(":")
    first, last = parse_period(first_text), parse_period(last_text)
    if first.kind != last.kind or last < first:
        raise PeriodError(text)
    periods = [first]
    while periods[-1] != last:
        periods.append(periods[-1].next())
    return periods
