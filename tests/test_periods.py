"""Period strings at the edges: years 0001 and 9999, ranges and their cap."""

from __future__ import annotations

import datetime as dt

import pytest

from wbreport.errors import PeriodError
from wbreport.periods import (
    PeriodRangeError,
    is_canonical,
    parse_period,
    parse_period_range,
    quarter_of,
)


@pytest.mark.parametrize("text", ["0001", "0001H1", "0001Q1", "0001-01", "0999Q4", "9999-12"])
def test_labels_keep_four_digit_years(text: str) -> None:
    assert parse_period(text).label == text
    assert is_canonical(text)


@pytest.mark.parametrize("text", ["9999", "9999H2", "9999Q4", "9999-12"])
def test_no_period_after_9999(text: str) -> None:
    period = parse_period(text)
    assert period.end == dt.date(9999, 12, 31)
    assert period.next() is None
    assert period.shift(5) is None
    assert period.shift(-1) is not None


def test_no_period_before_0001() -> None:
    first = parse_period("0001Q2")
    assert first.shift(-2) is None
    assert [p.label for p in first.recent(4)] == ["0001Q1", "0001Q2"]


def test_recent_and_next_inside_the_range() -> None:
    period = parse_period("9999Q4")
    assert [p.label for p in period.recent(3)] == ["9999Q2", "9999Q3", "9999Q4"]
    assert parse_period("2020Q4").next() == parse_period("2021Q1")


def test_default_period_rule_at_the_last_day() -> None:
    assert quarter_of(dt.date(9999, 12, 31)).label == "9999Q4"


def test_range_up_to_9999() -> None:
    assert [p.label for p in parse_period_range("9999Q3:9999Q4")] == ["9999Q3", "9999Q4"]


def test_range_cap_is_checked_before_making_periods() -> None:
    with pytest.raises(PeriodRangeError) as info:
        parse_period_range("1000Q1:9999Q4", limit=400)
    assert "'1000Q1:9999Q4'" in str(info.value) and "36,000" in str(info.value)
    assert len(parse_period_range("2020-01:2020-12", limit=12)) == 12


@pytest.mark.parametrize("text", ["0000Q1", "0001Q0", "10000", "2020q1", "Q1 2020", "2020-1"])
def test_errors_quote_what_was_typed(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert repr(text) in str(info.value)


def test_indicators_at_9999(make_package) -> None:
    from wbreport.indicators import compute, default_period
    from wbreport.package import load_package

    package = load_package(
        make_package(
            activities=[dict(activity_id="A1", start_date="9999-12-01", end_date="9999-12-31")],
            participation=[dict(activity_id="A1", participants="3", women="1")],
        )
    )
    period = default_period(package)
    assert period.label == "9999Q4"
    table = compute(package, period)
    assert table.loc[table["indicator"] == "participants", "value"].iloc[0] == 3
