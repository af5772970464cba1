"""Every indicator of SPEC §4 on a hand-made package, values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from wbreport.config import Thresholds
from wbreport.indicators import compute, default_period, indicator_table, wide
from wbreport.package import load_package
from wbreport.periods import parse_period
from wbreport.targets import formatted

NA = math.nan

# Expected values for 2020Q4, worked out by hand from the rows above.
COLUMNS = ("AL", "BA", "XK", "ME", "RS", "WB")
# fmt: off
TABLE = {
    "activities_delivered":       (5,       0,  0, 0, 2,       6),
    "regional_activities":        (1,       0,  0, 0, 1,       1),
    "participants":               (41,      0,  0, 0, 28,      69),
    "women_share":                (23 / 41, NA, NA, NA, 16 / 28, 39 / 69),
    "trainers_certified":         (5,       0,  0, 0, 0,       5),
    "certified_trainers_to_date": (7,       0,  1, 0, 0,       8),
    "cascade_sessions":           (2,       0,  0, 0, 1,       3),
    "virtual_share":              (2 / 5,   NA, NA, NA, 1 / 2, 2 / 6),
    "milestones_due":             (3,       0,  0, 1, 0,       4),
    "milestones_achieved":        (2,       0,  0, 0, 0,       2),
    "milestone_completion_rate":  (2 / 3,   NA, NA, 0, NA,     0.5),
    "milestones_overdue":         (1,       0,  0, 1, 0,       2),
    "translations_published":     (1,       0,  2, 0, 0,       3),
    "tools_available":            (1,       0,  2, 0, 0,       2),
    "languages_covered":          (2,       0,  2, 0, 0,       3),
}
# fmt: on
EXPECTED = {
    code: {name: values[i] for name, values in TABLE.items()} for i, code in enumerate(COLUMNS)
}


@pytest.fixture
def package_dir(handmade_package: Path) -> Path:
    return handmade_package


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)


@pytest.mark.parametrize("partner", list(EXPECTED))
def test_every_indicator_matches_hand_calculation(package_dir: Path, partner: str) -> None:
    table = wide(compute(load_package(package_dir), "2020Q4"))
    for indicator, expected in EXPECTED[partner].items():
        got = table.loc[partner, indicator]
        assert same(got, expected), f"{partner} {indicator}: got {got}, expected {expected}"


def test_mk_empty_partner_is_all_zero_or_na(package_dir: Path) -> None:
    row = wide(compute(load_package(package_dir), "2020Q4")).loc["MK"]
    assert row["activities_delivered"] == 0 and math.isnan(row["women_share"])


def test_achievement_after_period_end_does_not_count_and_old_period_is_stable(
    package_dir: Path,
) -> None:
    pkg = load_package(package_dir)
    q4 = wide(compute(pkg, "2020Q4")).loc["AL"]
    q1 = wide(compute(pkg, "2021Q1")).loc["AL"]
    assert q4["milestones_achieved"] == 2  # M2 achieved 2021-01-15, after E
    assert q1["milestones_achieved"] == 3
    assert q1["milestones_due"] == 4  # M4 due 2021-03-31


def test_period_kinds_use_inclusive_ranges(package_dir: Path) -> None:
    pkg = load_package(package_dir)
    month = wide(compute(pkg, "2020-12")).loc["WB"]
    assert month["activities_delivered"] == 2  # A3 (2020-12-31) and A9
    year = wide(compute(pkg, "2020")).loc["WB"]
    assert year["activities_delivered"] == 7  # S plus A8 (September)
    half = wide(compute(pkg, "2021H1")).loc["AL"]
    assert half["activities_delivered"] == 1 and half["cascade_sessions"] == 1  # A6


def test_targets_achievement_and_rag(package_dir: Path) -> None:
    pkg = load_package(package_dir)
    table = indicator_table(pkg, parse_period("2020Q4"), Thresholds(0.9, 0.6))
    row = table.set_index(["partner", "indicator"])
    al = row.loc[("AL", "participants")]
    assert al["baseline"] == 0 and al["target"] == 50
    assert al["achievement"] == pytest.approx(0.82) and al["rag"] == "amber"
    assert math.isnan(row.loc[("WB", "women_share"), "achievement"])  # target == baseline
    assert row.loc[("WB", "women_share"), "rag"] == ""
    assert row.loc[("RS", "activities_delivered"), "rag"] == "green"
    assert row.loc[("BA", "participants"), "rag"] == "red"
    assert row.loc[("BA", "women_share"), "rag"] == ""  # value NA
    assert math.isnan(row.loc[("RS", "participants"), "target"])  # 2020Q3 target ignored


def test_rag_uses_unrounded_achievement() -> None:
    t = Thresholds(green=0.9, amber=0.6)
    assert t.rag(0.89999) == "amber" and t.rag(0.9) == "green" and t.rag(0.59999) == "red"


def test_csv_text_formats_integers_ratios_and_empties(package_dir: Path) -> None:
    pkg = load_package(package_dir)
    text = formatted(indicator_table(pkg, parse_period("2020Q4")))
    rows = text.set_index(["partner", "indicator"])
    assert list(text.columns) == [
        "period",
        "partner",
        "indicator",
        "value",
        "baseline",
        "target",
        "achievement",
        "rag",
        "to_date",
        "to_date_baseline",
        "to_date_target",
        "to_date_achievement",
        "to_date_rag",
    ]
    assert rows.loc[("AL", "participants"), "value"] == "41"
    assert rows.loc[("AL", "participants"), "baseline"] == "0"
    assert rows.loc[("AL", "women_share"), "value"] == "0.5610"
    assert rows.loc[("AL", "participants"), "achievement"] == "0.8200"
    assert rows.loc[("BA", "women_share"), "value"] == ""
    assert rows.loc[("WB", "women_share"), "baseline"] == "0.5"
    assert text["partner"].tolist()[::22] == ["AL", "BA", "XK", "ME", "MK", "RS", "WB"]
    assert len(text) == 22 * 7


def test_default_period_is_quarter_of_latest_delivered_end(package_dir: Path) -> None:
    assert default_period(load_package(package_dir)).label == "2021Q1"  # A6 ends 2021-01-01
