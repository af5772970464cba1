"""Every indicator of SPEC §4 on a hand-made package, values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from wbreport.indicators import compute, default_period, wide
from wbreport.io import load_package
from wbreport.periods import parse_period
from wbreport.report import indicator_table
from wbreport.targets import Thresholds, formatted

NA = math.nan

ACTIVITIES = [
    dict(
        activity_id="A1",
        type="training",
        module="Inclusion",
        end_date="2020-10-15",
        led_by_certified_trainer="TRUE",
    ),
    dict(
        activity_id="A2",
        type="training",
        module="Inclusion",
        end_date="2020-11-10",
        delivery="virtual",
    ),
    dict(
        activity_id="A3",
        type="train_the_trainers",
        module="Interview",
        end_date="2020-12-31",
        delivery="blended",
    ),
    dict(activity_id="A4", status="cancelled", end_date="2020-11-01"),
    dict(
        activity_id="A5",
        type="training",
        module="Reception",
        start_date="2020-09-20",
        end_date="2020-10-01",
        led_by_certified_trainer="true",
    ),
    dict(
        activity_id="A6",
        type="training",
        module="Inclusion",
        start_date="2020-12-30",
        end_date="2021-01-01",
        led_by_certified_trainer="true",
    ),
    dict(
        activity_id="A7",
        scope="regional",
        partner="WB",
        end_date="2020-10-20",
        delivery="virtual",
        organisers="UNHCR;IOM",
    ),
    dict(
        activity_id="A8",
        scope="regional",
        partner="WB",
        type="train_the_trainers",
        module="Interview",
        start_date="2020-09-14",
        end_date="2020-09-15",
    ),
    dict(
        activity_id="A9",
        partner="RS",
        type="training",
        module="Inclusion",
        end_date="2020-12-01",
        led_by_certified_trainer="True",
    ),
    dict(
        activity_id="A10",
        scope="regional",
        partner="WB",
        status="planned",
        start_date="2021-02-01",
        end_date="2021-02-01",
    ),
]
PARTICIPATION = [
    dict(activity_id="A1", participants=10, women=6),
    dict(activity_id="A2", participants=12, women=4),
    dict(activity_id="A3", participants=6, women=3, certified_trainers=5),
    dict(activity_id="A4", participants=0, women=0),
    dict(activity_id="A5", participants=8, women=8),
    dict(activity_id="A6", participants=9, women=1),
    dict(activity_id="A7", participants=5, women=2),
    dict(activity_id="A7", partner="BA", participants=0, women=0),
    dict(activity_id="A7", partner="RS", participants=8, women=4),
    dict(activity_id="A8", participants=4, women=3, certified_trainers=2),
    dict(activity_id="A8", partner="XK", participants=3, women=1, certified_trainers=1),
    dict(activity_id="A9", partner="RS", participants=20, women=12),
]
MILESTONES = [
    dict(milestone_id="M1", due_date="2020-06-30", status="achieved", achieved_date="2020-05-01"),
    dict(milestone_id="M2", due_date="2020-12-31", status="achieved", achieved_date="2021-01-15"),
    dict(milestone_id="M3", due_date="2020-09-30", status="dropped"),
    dict(milestone_id="M4", due_date="2021-03-31", status="in_progress"),
    dict(milestone_id="M5", due_date="2020-11-30", status="achieved", achieved_date="2020-12-31"),
    dict(milestone_id="M6", partner="ME", due_date="2019-12-31", status="in_progress"),
]
TOOLS = [
    dict(tool_id="T1", status="published", published_date="2020-11-01"),
    dict(tool_id="T1", language="en", status="published", published_date="2019-05-01"),
    dict(tool_id="T2", status="published", published_date="2021-02-01"),
    dict(tool_id="T2", partner="XK", status="published", published_date="2020-10-10"),
    dict(tool_id="T3", partner="XK", language="sr-Latn", status="in_translation"),
    dict(
        tool_id="T1",
        partner="XK",
        language="sr-Latn",
        status="published",
        published_date="2020-12-31",
    ),
]
TARGETS = [
    dict(indicator="participants", partner="AL", target=50),
    dict(indicator="women_share", partner="WB", baseline=0.5, target=0.5),
    dict(indicator="activities_delivered", partner="RS", baseline=1, target=2),
    dict(indicator="participants", partner="BA", baseline=0, target=10),
    dict(indicator="women_share", partner="BA", target=0.5),
    dict(indicator="participants", partner="RS", period="2020Q3", target=1),
]

EXPECTED = {  # partner -> indicator -> value, 2020Q4
    "AL": dict(
        activities_delivered=5,
        regional_activities=1,
        participants=41,
        women_share=23 / 41,
        trainers_certified=5,
        certified_trainers_to_date=7,
        cascade_sessions=2,
        virtual_share=2 / 5,
        milestones_due=3,
        milestones_achieved=2,
        milestone_completion_rate=2 / 3,
        milestones_overdue=1,
        translations_published=1,
        tools_available=1,
        languages_covered=2,
    ),
    "BA": dict(
        activities_delivered=0,
        regional_activities=0,
        participants=0,
        women_share=NA,
        trainers_certified=0,
        certified_trainers_to_date=0,
        cascade_sessions=0,
        virtual_share=NA,
        milestones_due=0,
        milestones_achieved=0,
        milestone_completion_rate=NA,
        milestones_overdue=0,
        translations_published=0,
        tools_available=0,
        languages_covered=0,
    ),
    "XK": dict(
        activities_delivered=0,
        regional_activities=0,
        participants=0,
        women_share=NA,
        trainers_certified=0,
        certified_trainers_to_date=1,
        cascade_sessions=0,
        virtual_share=NA,
        milestones_due=0,
        milestones_achieved=0,
        milestone_completion_rate=NA,
        milestones_overdue=0,
        translations_published=2,
        tools_available=2,
        languages_covered=2,
    ),
    "ME": dict(
        activities_delivered=0,
        regional_activities=0,
        participants=0,
        women_share=NA,
        trainers_certified=0,
        certified_trainers_to_date=0,
        cascade_sessions=0,
        virtual_share=NA,
        milestones_due=1,
        milestones_achieved=0,
        milestone_completion_rate=0,
        milestones_overdue=1,
        translations_published=0,
        tools_available=0,
        languages_covered=0,
    ),
    "RS": dict(
        activities_delivered=2,
        regional_activities=1,
        participants=28,
        women_share=16 / 28,
        trainers_certified=0,
        certified_trainers_to_date=0,
        cascade_sessions=1,
        virtual_share=1 / 2,
        milestones_due=0,
        milestones_achieved=0,
        milestone_completion_rate=NA,
        milestones_overdue=0,
        translations_published=0,
        tools_available=0,
        languages_covered=0,
    ),
    "WB": dict(
        activities_delivered=6,
        regional_activities=1,
        participants=69,
        women_share=39 / 69,
        trainers_certified=5,
        certified_trainers_to_date=8,
        cascade_sessions=3,
        virtual_share=2 / 6,
        milestones_due=4,
        milestones_achieved=2,
        milestone_completion_rate=0.5,
        milestones_overdue=2,
        translations_published=3,
        tools_available=2,
        languages_covered=3,
    ),
}


@pytest.fixture
def package_dir(make_package) -> Path:
    return make_package(
        activities=ACTIVITIES,
        participation=PARTICIPATION,
        milestones=MILESTONES,
        tools=TOOLS,
        targets=TARGETS,
    )


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
    ]
    assert rows.loc[("AL", "participants"), "value"] == "41"
    assert rows.loc[("AL", "participants"), "baseline"] == "0"
    assert rows.loc[("AL", "women_share"), "value"] == "0.5610"
    assert rows.loc[("AL", "participants"), "achievement"] == "0.8200"
    assert rows.loc[("BA", "women_share"), "value"] == ""
    assert rows.loc[("WB", "women_share"), "baseline"] == "0.5"
    assert text["partner"].tolist()[::15] == ["AL", "BA", "XK", "ME", "MK", "RS", "WB"]
    assert len(text) == 105


def test_default_period_is_quarter_of_latest_delivered_end(package_dir: Path) -> None:
    assert default_period(load_package(package_dir)).label == "2021Q1"  # A6 ends 2021-01-01
