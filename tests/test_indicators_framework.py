"""SPEC §9 figures worked out by hand: to-date values, custom indicators, to-date targets,
lower-is-better achievement, the rows of results.csv; on tests/handmade.py plus a logframe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests import handmade
from wbreport.config import Programme, Settings
from wbreport.framework import results_csv_text
from wbreport.indicators import indicator_table, results_table
from wbreport.package import load_package
from wbreport.registry import BUILTIN, BUILTIN_NAMES
from wbreport.targets import formatted, published

DEFINITIONS = [
    dict(indicator="quality_score", label="Quality", unit="score", direction="higher"),
    dict(indicator="backlog_months", label="Backlog", unit="points", direction="lower"),
]
OBSERVATIONS = [
    # three periods ending 2020-12-31: the shortest (the quarter) is the to-date value
    dict(indicator="quality_score", partner="AL", period="2020", value=70),
    dict(indicator="quality_score", partner="AL", period="2020Q4", value=75.25),
    dict(indicator="quality_score", partner="AL", period="2020H2", value=72),
    dict(indicator="quality_score", partner="AL", period="2020-07", value=60.123456),
    dict(indicator="quality_score", partner="AL", period="2021-01", value=99),
    dict(indicator="backlog_months", partner="WB", period="2020Q4", value=8),
    dict(indicator="backlog_months", partner="WB", period="2020Q3", value=10),
]
TARGETS = [
    *handmade.TARGETS,
    dict(indicator="participants", partner="AL", target=60, scope="to_date"),
    dict(indicator="milestones_overdue", partner="AL", baseline=3, target=0),
    dict(indicator="milestones_overdue", partner="ME", baseline=1, target=1),
    dict(indicator="backlog_months", partner="WB", baseline=9, target=6),
    dict(indicator="quality_score", partner="AL", baseline=70, target=80, scope="to_date"),
    dict(indicator="quality_score", partner="BA", baseline=60, target=70),
]
RESULTS = [
    dict(result_id="I", level="impact", parent_id="", partner="WB", statement="Impact <b>",
         indicators="backlog_months"),
    dict(result_id="O1", level="outcome", parent_id="I", partner="AL", statement="=Outcome",
         indicators="milestones_overdue;quality_score", means_of_verification="Audits"),
    dict(result_id="P1", level="output", parent_id="O1", partner="AL", statement="Output",
         indicators=""),
]  # fmt: skip


@pytest.fixture
def framework_dir(make_package: Callable[..., Path]) -> Path:
    return make_package(
        activities=handmade.ACTIVITIES,
        participation=handmade.PARTICIPATION,
        milestones=handmade.MILESTONES,
        tools=handmade.TOOLS,
        targets=TARGETS,
        indicator_definitions=DEFINITIONS,
        observations=OBSERVATIONS,
        results=RESULTS,
    )


def table_of(folder: Path, period: str, start: str | None = None) -> pd.DataFrame:
    settings = Settings(programme=Programme(dt.date.fromisoformat(start))) if start else None
    return indicator_table(load_package(folder), period, settings).set_index(
        ["partner", "indicator"]
    )


def test_rows_22_builtins_then_custom_in_declared_order_for_seven_partners(
    framework_dir: Path,
) -> None:
    t = indicator_table(load_package(framework_dir), "2020Q4")
    names = [*BUILTIN_NAMES, "quality_score", "backlog_months"]
    assert t["indicator"].tolist() == names * 7
    assert t["partner"].tolist()[:: len(names)] == ["AL", "BA", "XK", "ME", "MK", "RS", "WB"]


def test_additive_to_date_counts_from_programme_start_inclusive(framework_dir: Path) -> None:
    # AL participants: 41 in 2020Q4; A8 (ended 2020-09-15, 4 AL participants) only to date
    assert table_of(framework_dir, "2020Q4").loc[("AL", "participants"), "to_date"] == 45
    on_a8 = table_of(framework_dir, "2020Q4", start="2020-09-15")
    assert on_a8.loc[("AL", "participants"), "to_date"] == 45
    after_a8 = table_of(framework_dir, "2020Q4", start="2020-09-16")
    assert after_a8.loc[("AL", "participants"), "to_date"] == 41
    assert after_a8.loc[("AL", "women_share"), "to_date"] == pytest.approx(23 / 41)
    t = table_of(framework_dir, "2020Q4")
    assert t.loc[("AL", "women_share"), "to_date"] == pytest.approx(26 / 45)
    assert t.loc[("WB", "activities_delivered"), "to_date"] == 7  # A8 plus the six of Q4
    assert t.loc[("XK", "translations_published"), "to_date"] == 2


def test_stock_to_date_is_the_value(framework_dir: Path) -> None:
    t = table_of(framework_dir, "2020Q4", start="2020-12-01")
    stocks = [i.name for i in BUILTIN if i.is_stock]
    for name in stocks:
        for code in ("AL", "XK", "ME", "WB"):
            row = t.loc[(code, name)]
            assert row["to_date"] == row["value"] or (
                math.isnan(row["to_date"]) and math.isnan(row["value"])
            ), (code, name)


def test_to_date_target_compares_with_to_date_value(framework_dir: Path) -> None:
    row = table_of(framework_dir, "2020Q4").loc[("AL", "participants")]
    assert (row["target"], row["to_date_baseline"], row["to_date_target"]) == (50, 0, 60)
    assert row["to_date_achievement"] == pytest.approx(45 / 60)
    assert row["to_date_rag"] == "amber" and row["rag"] == "amber"  # 41/50 = 0.82


def test_lower_is_better_achievement_and_rag(framework_dir: Path) -> None:
    t = table_of(framework_dir, "2020Q4")
    overdue = t.loc[("AL", "milestones_overdue")]  # 1 overdue; baseline 3, target 0
    assert overdue["value"] == 1
    assert overdue["achievement"] == pytest.approx((3 - 1) / (3 - 0))
    assert overdue["rag"] == "amber"
    flat = t.loc[("ME", "milestones_overdue")]  # target = baseline
    assert math.isnan(flat["achievement"]) and flat["rag"] == ""
    backlog = t.loc[("WB", "backlog_months")]  # custom lower: 8 against 9 -> 6
    assert backlog["achievement"] == pytest.approx(1 / 3) and backlog["rag"] == "red"
    worse = table_of(framework_dir, "2020Q3").loc[("WB", "backlog_months")]
    assert worse["value"] == 10 and math.isnan(worse["target"])  # no 2020Q3 target


def test_custom_value_is_the_exact_period_observation(framework_dir: Path) -> None:
    q4 = table_of(framework_dir, "2020Q4")
    assert q4.loc[("AL", "quality_score"), "value"] == 75.25
    assert table_of(framework_dir, "2020H2").loc[("AL", "quality_score"), "value"] == 72
    assert table_of(framework_dir, "2020").loc[("AL", "quality_score"), "value"] == 70
    assert math.isnan(table_of(framework_dir, "2020Q3").loc[("AL", "quality_score"), "value"])
    assert math.isnan(q4.loc[("BA", "quality_score"), "value"])  # no observation
    assert math.isnan(q4.loc[("WB", "quality_score"), "value"])  # no roll-up of custom values


def test_custom_to_date_is_latest_ending_then_shortest(framework_dir: Path) -> None:
    # 2020, 2020H2 and 2020Q4 all end 2020-12-31: the quarter wins, whatever row order
    for period in ("2020", "2020H2", "2020Q4", "2020-12"):
        t = table_of(framework_dir, period)
        assert t.loc[("AL", "quality_score"), "to_date"] == 75.25, period
    assert table_of(framework_dir, "2020Q3").loc[("AL", "quality_score"), "to_date"] == (
        pytest.approx(60.123456)
    )  # 2020-07 ends before 2020-09-30
    assert math.isnan(table_of(framework_dir, "2020Q2").loc[("AL", "quality_score"), "to_date"])
    assert table_of(framework_dir, "2021Q1").loc[("AL", "quality_score"), "to_date"] == 99
    assert table_of(framework_dir, "2021Q1").loc[("AL", "quality_score"), "value"] != 99  # NA
    row = table_of(framework_dir, "2020Q4").loc[("AL", "quality_score")]
    assert row["to_date_achievement"] == pytest.approx((75.25 - 70) / 10)
    assert row["to_date_rag"] == "red"
    ba = table_of(framework_dir, "2020Q4").loc[("BA", "quality_score")]
    assert (ba["baseline"], ba["target"], ba["rag"]) == (60, 70, "")  # value missing


def test_custom_values_written_like_ratios_integers_plain(framework_dir: Path) -> None:
    text = formatted(indicator_table(load_package(framework_dir), "2020Q4")).set_index(
        ["partner", "indicator"]
    )
    assert text.loc[("AL", "quality_score"), "value"] == "75.2500"
    assert text.loc[("WB", "backlog_months"), "value"] == "8"
    assert text.loc[("BA", "quality_score"), "value"] == ""
    assert text.loc[("AL", "quality_score"), "to_date_achievement"] == "0.5250"
    july = formatted(indicator_table(load_package(framework_dir), "2020-07")).set_index(
        ["partner", "indicator"]
    )
    assert july.loc[("AL", "quality_score"), "value"] == "60.1235"


def test_results_table_rows_per_partner_result_indicator(framework_dir: Path) -> None:
    pkg = load_package(framework_dir)
    rows = results_table(pkg, indicator_table(pkg, "2020Q4"))
    assert list(zip(rows["partner"], rows["result_id"], rows["indicator"], strict=True)) == [
        ("AL", "O1", "milestones_overdue"),
        ("AL", "O1", "quality_score"),
        ("AL", "P1", ""),
        ("WB", "I", "backlog_months"),
    ]
    o1 = rows.iloc[0]
    assert (o1["level"], o1["parent_id"], o1["means_of_verification"]) == ("outcome", "I", "Audits")
    assert o1["value"] == 1 and o1["rag"] == "amber"
    assert rows.iloc[1]["to_date"] == 75.25 and rows.iloc[3]["value"] == 8
    assert math.isnan(rows.iloc[2]["value"]) and rows.iloc[2]["rag"] == ""
    text = list(csv.DictReader(io.StringIO(results_csv_text(published(rows)))))
    assert text[0]["statement"] == "'=Outcome"  # never a spreadsheet formula
    assert text[3]["statement"] == "Impact <b>" and text[3]["value"] == "8"
    assert text[1]["to_date_achievement"] == "0.5250"


def test_no_framework_tables_give_no_custom_rows(handmade_package: Path) -> None:
    pkg = load_package(handmade_package)
    t = indicator_table(pkg, "2020Q4")
    assert len(t) == 22 * 7
    assert results_table(pkg, t).empty


def test_published_results_csv_applies_disclosure_control(make_package) -> None:
    from tests import handmade_evaluation as hm
    from wbreport.framework import published_results_csv

    folder = make_package(
        activities=hm.ACTIVITIES,
        participation=hm.PARTICIPATION,
        evaluations=hm.EVALUATIONS,
        followups=hm.FOLLOWUPS,
        results=[
            dict(result_id="P", level="output", partner="BA", statement="Trained",
                 indicators="satisfaction_mean;evaluation_response_rate"),
        ],
    )  # fmt: skip
    pkg = load_package(folder)
    rows = list(
        csv.DictReader(io.StringIO(published_results_csv(pkg, indicator_table(pkg, "2020Q4"))))
    )
    assert [(r["indicator"], r["value"]) for r in rows] == [
        ("satisfaction_mean", ""),  # n = 2: suppressed
        ("evaluation_response_rate", "0.6667"),
    ]
