"""Indicators 16–22 (SPEC §8), their n and disclosure control, worked out by hand on
tests/handmade_evaluation.py for 2020Q4."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests import handmade_evaluation as hm
from wbreport.config import Programme, Settings
from wbreport.indicators import indicator_table
from wbreport.package import load_package
from wbreport.registry import EVALUATION_NAMES
from wbreport.targets import formatted, published, to_csv_text

NA = math.nan
COLUMNS = ("AL", "BA", "XK", "ME", "MK", "RS", "WB")
# fmt: off
VALUES = {
    "evaluation_response_rate": (17 / 24, 2 / 3, NA, NA, NA, 3 / 5, 22 / 32),
    "satisfaction_mean": (63 / 17, 9 / 2, NA, NA, NA, 12 / 3, 84 / 22),
    "satisfied_share": (12 / 17, 2 / 2, NA, NA, NA, 2 / 3, 16 / 22),
    "useful_share": (13 / 17, 2 / 2, NA, NA, NA, 1 / 3, 16 / 22),
    "knowledge_gain": (835 / 13 - 810 / 15, 20.25 - 10.5, NA, NA, NA, 30 - 40,
                       995.5 / 19 - 991 / 21),
    "pass_rate": (11 / 17, 2 / 2, NA, NA, NA, 1 / 4, 14 / 23),
    "applying_share": (4 / 6, NA, NA, NA, NA, 5 / 5, 9 / 11),
}
N = {
    "evaluation_response_rate": (NA,) * 7,  # never suppressed
    "satisfaction_mean": (17, 2, 0, 0, 0, 3, 22),
    "satisfied_share": (17, 2, 0, 0, 0, 3, 22),
    "useful_share": (17, 2, 0, 0, 0, 3, 22),
    "knowledge_gain": (13, 2, 0, 0, 0, 4, 19),  # min(Σ pre_tested, Σ post_tested)
    "pass_rate": (17, 2, 0, 0, 0, 4, 23),  # Σ post_tested
    "applying_share": (6, 0, 0, 0, 0, 5, 11),  # Σ follow-up respondents
}
# fmt: on


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)


@pytest.fixture
def evaluation_dir(make_package: Callable[..., Path]) -> Path:
    return make_package(
        activities=hm.ACTIVITIES,
        participation=hm.PARTICIPATION,
        evaluations=hm.EVALUATIONS,
        followups=hm.FOLLOWUPS,
        targets=[
            dict(indicator="satisfaction_mean", partner="BA", baseline=3, target=4),
            dict(indicator="satisfaction_mean", partner="AL", baseline=3, target=4),
            dict(indicator="applying_share", partner="AL", target=0.5, scope="to_date"),
        ],
    )


@pytest.fixture
def table(evaluation_dir: Path) -> pd.DataFrame:
    return indicator_table(load_package(evaluation_dir), "2020Q4").set_index(
        ["partner", "indicator"]
    )


@pytest.mark.parametrize("indicator", list(VALUES))
def test_each_evaluation_indicator_matches_hand_calculation(
    table: pd.DataFrame, indicator: str
) -> None:
    for code, expected in zip(COLUMNS, VALUES[indicator], strict=True):
        got = table.loc[(code, indicator), "value"]
        assert same(got, expected), f"{code} {indicator}: got {got}, expected {expected}"


@pytest.mark.parametrize("indicator", list(N))
def test_each_evaluation_indicator_n(table: pd.DataFrame, indicator: str) -> None:
    for code, expected in zip(COLUMNS, N[indicator], strict=True):
        got = table.loc[(code, indicator), "n"]
        assert same(got, expected), f"{code} {indicator}: n {got}, expected {expected}"


def test_suppressed_exactly_when_n_between_1_and_threshold(table: pd.DataFrame) -> None:
    for indicator, ns in N.items():
        for code, n in zip(COLUMNS, ns, strict=True):
            expected = not math.isnan(n) and 0 < n < 5
            assert table.loc[(code, indicator), "suppressed"] == expected, (code, indicator)
    # n = 5 is not below the threshold: RS's applying_share is published
    assert not table.loc[("RS", "applying_share"), "suppressed"]
    assert not table.loc[("RS", "evaluation_response_rate"), "suppressed"]


def test_threshold_comes_from_settings(evaluation_dir: Path) -> None:
    pkg = load_package(evaluation_dir)
    t = indicator_table(pkg, "2020Q4", Settings(min_respondents=3)).set_index(
        ["partner", "indicator"]
    )
    assert t.loc[("BA", "satisfaction_mean"), "suppressed"]  # n = 2
    assert not t.loc[("RS", "satisfaction_mean"), "suppressed"]  # n = 3


def test_knowledge_gain_ignores_rows_without_pre_test_and_may_be_negative(
    table: pd.DataFrame,
) -> None:
    # T2 (post 4 at 80, no pre-test) would pull the post mean up if it counted
    assert table.loc[("AL", "knowledge_gain"), "value"] == pytest.approx(835 / 13 - 54)
    assert table.loc[("RS", "knowledge_gain"), "value"] == pytest.approx(-10)


def test_zero_participant_rows_and_non_evaluated_types(table: pd.DataFrame) -> None:
    # BA: R1 row with 0 participants plus B1 (3): 2 respondents / 3; X1 (expert meeting,
    # 5 AL participants) and C1 (cancelled) are outside the denominators.
    assert table.loc[("BA", "evaluation_response_rate"), "value"] == pytest.approx(2 / 3)
    assert table.loc[("AL", "evaluation_response_rate"), "value"] == pytest.approx(17 / 24)


def test_period_boundaries_are_inclusive(evaluation_dir: Path) -> None:
    pkg = load_package(evaluation_dir)
    oct_ = indicator_table(pkg, "2020-10").set_index(["partner", "indicator"])
    dec = indicator_table(pkg, "2020-12").set_index(["partner", "indicator"])
    sep = indicator_table(pkg, "2020-09").set_index(["partner", "indicator"])
    assert oct_.loc[("AL", "satisfaction_mean"), "n"] == 8  # T1 ends 2020-10-01
    assert dec.loc[("AL", "satisfaction_mean"), "n"] == 4  # T2 ends 2020-12-31
    assert sep.loc[("AL", "satisfaction_mean"), "n"] == 7  # T3 ends 2020-09-30
    assert oct_.loc[("AL", "applying_share"), "value"] == pytest.approx(3 / 4)  # 2020-10-01
    assert dec.loc[("AL", "applying_share"), "value"] == pytest.approx(1 / 2)  # 2020-12-31
    assert sep.loc[("AL", "applying_share"), "value"] == 0  # 2020-09-30: 0 of 3


def test_to_date_evaluation_figures_and_their_suppression(table: pd.DataFrame) -> None:
    al = table.loc["AL"]
    assert al.loc["evaluation_response_rate", "to_date"] == pytest.approx(24 / 31)
    assert al.loc["satisfaction_mean", "to_date"] == pytest.approx(98 / 24)
    assert al.loc["satisfaction_mean", "to_date_n"] == 24
    assert al.loc["knowledge_gain", "to_date_n"] == 13 + 7
    assert al.loc["applying_share", "to_date"] == pytest.approx(4 / 9)
    assert al.loc["applying_share", "to_date_n"] == 9
    assert table.loc[("BA", "satisfaction_mean"), "to_date_suppressed"]


def test_programme_start_moves_the_to_date_window(evaluation_dir: Path) -> None:
    pkg = load_package(evaluation_dir)

    def to_date(start: str) -> pd.DataFrame:
        settings = Settings(programme=Programme(dt.date.fromisoformat(start)))
        return indicator_table(pkg, "2020Q4", settings).set_index(["partner", "indicator"])

    on_t3 = to_date("2020-09-30")  # T3 ends on the programme's first day: counts
    assert on_t3.loc[("AL", "satisfaction_mean"), "to_date_n"] == 24
    after = to_date("2020-10-01")  # the to-date window is the quarter
    row = after.loc[("AL", "satisfaction_mean")]
    assert row["to_date"] == row["value"] and row["to_date_n"] == row["n"]
    late = to_date("2021-06-01")  # programme starts after E: nothing counts
    assert math.isnan(late.loc[("AL", "satisfaction_mean"), "to_date"])
    assert late.loc[("AL", "participants"), "to_date"] == 0


def test_no_evaluation_tables_means_na(handmade_package: Path) -> None:
    t = indicator_table(load_package(handmade_package), "2020Q4")
    evaluation = t[t["indicator"].isin(EVALUATION_NAMES)]
    assert len(evaluation) == 7 * 7
    assert evaluation["value"].isna().all() and evaluation["to_date"].isna().all()
    assert not evaluation["suppressed"].any()


def test_published_blanks_suppressed_figures_but_keeps_targets(table: pd.DataFrame) -> None:
    raw = table.reset_index()
    shown = published(raw).set_index(["partner", "indicator"])
    ba = shown.loc[("BA", "satisfaction_mean")]
    assert table.loc[("BA", "satisfaction_mean"), "rag"] == "green"  # raw: 4.5 vs 3 → 4
    assert math.isnan(ba["value"]) and math.isnan(ba["achievement"]) and ba["rag"] == ""
    assert (ba["baseline"], ba["target"]) == (3, 4)
    assert math.isnan(ba["to_date"]) and ba["to_date_rag"] == ""
    al = shown.loc[("AL", "satisfaction_mean")]
    assert al["value"] == pytest.approx(63 / 17) and al["rag"] == "amber"  # 0.706


def test_published_csv_and_raw_csv(evaluation_dir: Path) -> None:
    raw = indicator_table(load_package(evaluation_dir), "2020Q4")
    rows = {
        (r["partner"], r["indicator"]): r for r in csv.DictReader(io.StringIO(to_csv_text(raw)))
    }
    ba = rows[("BA", "satisfaction_mean")]
    assert (ba["value"], ba["baseline"], ba["target"], ba["achievement"], ba["rag"]) == (
        "", "3", "4", "", "",
    )  # fmt: skip
    assert rows[("RS", "knowledge_gain")]["value"] == ""  # n = 4
    assert rows[("RS", "evaluation_response_rate")]["value"] == "0.6000"
    assert rows[("AL", "knowledge_gain")]["value"] == f"{835 / 13 - 54:.4f}"
    assert rows[("AL", "applying_share")]["to_date_target"] == "0.5"
    assert rows[("AL", "applying_share")]["to_date_achievement"] == f"{(4 / 9) / 0.5:.4f}"
    text = formatted(raw).set_index(["partner", "indicator"])
    assert text.loc[("BA", "satisfaction_mean"), "value"] == "4.5000"  # raw for the analyst
    assert text.loc[("RS", "knowledge_gain"), "value"] == "-10.0000"
