"""The row selections of wbreport.selections reproduce the indicators they stand behind
(so a detail table built on a selection explains its key figure)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import handmade, handmade_evaluation
from wbreport import selections as sel
from wbreport.indicators import indicator_table
from wbreport.package import load_package
from wbreport.partners import ALL_CODES
from wbreport.periods import parse_period


@pytest.fixture
def package(make_package: Callable[..., Path]):
    return load_package(
        make_package(
            activities=handmade.ACTIVITIES + handmade_evaluation.ACTIVITIES,
            participation=handmade.PARTICIPATION + handmade_evaluation.PARTICIPATION,
            milestones=handmade.MILESTONES,
            tools=handmade.TOOLS,
            evaluations=handmade_evaluation.EVALUATIONS,
            followups=handmade_evaluation.FOLLOWUPS,
        )
    )


def ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def from_selections(package, code: str, period: str) -> dict[str, float]:
    p = parse_period(period)
    act, part, ms = package.activities, package.participation, package.milestones
    counting = sel.counting(act, p.start, p.end)
    relevant = sel.relevant(act, part, code)
    regional = (act["scope"] == "regional").to_numpy()
    rows = part[sel.partner_rows(part, code) & sel.rows_counting(act, part, p.start, p.end)]
    evaluated = sel.evaluated_rows(act, package.evaluations, code, p.start, p.end)
    tested = sel.knowledge_rows(evaluated)
    follow = sel.followups_in(package.followups, code, p.start, p.end)
    eligible = rows[sel.activity_attribute(act, rows, sel.evaluated_type(act))]
    score = sum(k * evaluated[f"satisfaction_{k}"].sum() for k in range(1, 6))
    pre, post = tested["pre_tested"].sum(), tested["post_tested"].sum()
    gain = ratio((tested["post_tested"] * tested["post_score_mean"]).sum(), post) - ratio(
        (tested["pre_tested"] * tested["pre_score_mean"]).sum(), pre
    )
    due = sel.partner_rows(ms, code) & sel.milestones_due(ms, p.end)
    achieved = sel.partner_rows(ms, code) & sel.milestones_achieved(ms, p.end)
    return {
        "activities_delivered": (counting & relevant).sum(),
        "regional_activities": (counting & relevant & regional).sum(),
        "participants": rows["participants"].sum(),
        "cascade_sessions": (counting & sel.cascade(act, code)).sum(),
        "milestones_due": due.sum(),
        "milestones_achieved": achieved.sum(),
        "evaluation_response_rate": ratio(
            evaluated["respondents"].sum(), eligible["participants"].sum()
        ),
        "satisfaction_mean": ratio(score, evaluated["respondents"].sum()),
        "knowledge_gain": gain,
        "pass_rate": ratio(evaluated["passed"].sum(), evaluated["post_tested"].sum()),
        "applying_share": ratio(follow["applying"].sum(), follow["respondents"].sum()),
    }


@pytest.mark.parametrize("period", ["2020Q4", "2020-10", "2020", "2021Q1"])
def test_selections_reproduce_indicators(package, period: str) -> None:
    table = indicator_table(package, period).set_index(["partner", "indicator"])
    for code in ALL_CODES:
        for name, expected in from_selections(package, code, period).items():
            got = table.loc[(code, name), "value"]
            assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(
                expected, abs=1e-12
            ), (code, name, got, expected)
