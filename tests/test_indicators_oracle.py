# ruff: noqa: E501  (CSV fixture lines are long)
"""wbreport's indicators against an independent DuckDB oracle (benchmarks/duckdb_indicators.py).

The oracle is written in SQL straight from SPEC §4, §8 and §9. It is first checked on
small hand-made packages whose values were worked out by hand, then the whole table of
``wbreport.indicators.indicator_table`` (values, to-date values, targets of both scopes,
achievement, RAG, n) is compared with it on generated demo packages for several seeds
and periods of every kind, and on a hand-made package with evaluations, follow-ups,
custom indicators and lower-is-better targets, with programme.start moved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.duckdb_indicators import (
    ALL_BUILTIN,
    INDICATORS,
    PARTNERS,
    duckdb_indicators,
    oracle_table,
)
from wbreport.config import Programme, Settings
from wbreport.indicators import indicator_table
from wbreport.package import load_package
from wbreport.periods import parse_period

NA = float("nan")

# --------------------------------------------------------------------------
# hand-made package
# --------------------------------------------------------------------------

ACTIVITIES = """\ufeffactivity_id,title,type,module,scope,partner,start_date,end_date,delivery,status,organisers,led_by_certified_trainer,extra
A1,National training AL,training,M1,national,AL,2020-11-14,2020-11-15,in_person,delivered,,true,x
A2,Regional workshop,workshop,,regional,WB,2020-12-30,2020-12-31,virtual,delivered,EUAA;UNHCR,false,x
A3,TtT BA,train_the_trainers,M2,national,BA,2020-09-28,2020-10-01,blended,delivered,,TRUE,x
A4,Cancelled training AL,training,M1,national,AL,2020-11-01,2020-11-01,in_person,cancelled,,true,x
A5,Old TtT RS,train_the_trainers,M2,national,RS,2019-05-01,2019-05-05,in_person,delivered,,false,x
A6,Later TtT RS,train_the_trainers,M2,national,RS,2020-12-30,2021-01-01,in_person,delivered,,false,x
A7,Virtual training ME,training,M3,national,ME,2020-12-01,2020-12-01,virtual,delivered,,,x
A8,Earlier training MK,training,M1,national,MK,2020-09-30,2020-09-30,in_person,delivered,,true,x
A9,Planned expert meeting,expert_meeting,,regional,WB,2020-11-11,2020-11-11,in_person,planned,,false,x
A10,Training XK,training,M1,national,XK,2020-11-20,2020-11-20,in_person,delivered,,True,x
A11,Old regional TtT,train_the_trainers,M2,regional,WB,2020-05-30,2020-06-01,in_person,delivered,EUAA,false,x
A12,Regional TtT,train_the_trainers,M2,regional,WB,2020-12-14,2020-12-15,in_person,delivered,EUAA,true,x
"""
PARTICIPATION = """activity_id,partner,participants,women,certified_trainers
A1,AL,15,9,0
A2,AL,10,4,0
A2,BA,0,0,0
A2,XK,5,5,0
A3,BA,8,3,6
A4,AL,20,10,0
A5,RS,12,6,10
A6,RS,4,1,3
A8,MK,9,9,0
A9,AL,3,1,0
A10,XK,7,2,0
A11,AL,5,2,2
A11,BA,0,0,0
A12,BA,6,6,4
A12,MK,0,0,0
"""
MILESTONES = """milestone_id,partner,framework,priority_area,description,due_date,status,achieved_date,chapter24_ref
M1,AL,first_generation_roadmap,Reception,d,2020-06-30,achieved,2020-05-01,
M2,AL,first_generation_roadmap,Reception,d,2020-12-31,achieved,2021-02-01,
M3,AL,second_generation_roadmap,Asylum,d,2021-03-31,in_progress,,
M4,BA,first_generation_roadmap,Asylum,d,2019-01-01,dropped,,
M5,BA,first_generation_roadmap,Asylum,d,2020-10-10,not_started,,
M6,RS,advanced_cooperation_framework,Asylum,d,2021-06-30,achieved,2020-11-30,
"""
TOOLS = """tool_id,title,partner,language,status,published_date
T1,Guide,AL,sq,published,2020-05-01
T1,Guide,XK,sq,published,2020-11-01
T1,Guide,XK,sr-Latn,in_translation,
T2,Manual,AL,en,published,2020-12-31
T2,Manual,BA,bs,published,2021-01-05
T3,Leaflet,MK,mk,published,2020-10-01
T3,Leaflet,MK,sq,published,2019-01-01
"""

# Worked out by hand for 2020Q4 = [2020-10-01, 2020-12-31].
#  counting in P: A1 (AL), A2 (regional; AL 10, BA 0, XK 5), A3 (BA, boundary start),
#  A7 (ME, no rows), A10 (XK), A12 (regional TtT led by a certified trainer: BA 6,
#  MK 0). Not: A4 cancelled, A5/A8/A11 before P, A6 after E, A9 planned.
#  0-participant rows make neither A2 relevant to BA nor A12 relevant to MK.
#  Regional A12 is no cascade session (national only); A11 counts to date (AL 2).
ZEROS = dict.fromkeys(INDICATORS, 0.0)
EXPECTED_2020Q4: dict[str, dict[str, float]] = {
    "AL": {
        **ZEROS,
        "activities_delivered": 2,
        "regional_activities": 1,
        "participants": 25,
        "women_share": 13 / 25,
        "certified_trainers_to_date": 2,
        "cascade_sessions": 1,
        "virtual_share": 0.5,
        "milestones_due": 2,
        "milestones_achieved": 1,
        "milestone_completion_rate": 0.5,
        "milestones_overdue": 1,
        "translations_published": 1,
        "tools_available": 2,
        "languages_covered": 2,
    },
    "BA": {
        **ZEROS,
        "activities_delivered": 2,
        "regional_activities": 1,
        "participants": 14,
        "women_share": 9 / 14,
        "trainers_certified": 10,
        "certified_trainers_to_date": 10,
        "virtual_share": 0.0,
        "milestones_due": 1,
        "milestone_completion_rate": 0.0,
        "milestones_overdue": 1,
    },
    "XK": {
        **ZEROS,
        "activities_delivered": 2,
        "regional_activities": 1,
        "participants": 12,
        "women_share": 7 / 12,
        "cascade_sessions": 1,
        "virtual_share": 0.5,
        "milestone_completion_rate": NA,
        "translations_published": 1,
        "tools_available": 1,
        "languages_covered": 1,
    },
    "ME": {
        **ZEROS,
        "activities_delivered": 1,
        "women_share": NA,
        "virtual_share": 1.0,
        "milestone_completion_rate": NA,
    },
    "MK": {
        **ZEROS,
        "women_share": NA,
        "virtual_share": NA,
        "milestone_completion_rate": NA,
        "translations_published": 1,
        "tools_available": 1,
        "languages_covered": 2,
    },
    "RS": {
        **ZEROS,
        "women_share": NA,
        "certified_trainers_to_date": 10,
        "virtual_share": NA,
        "milestone_completion_rate": NA,
    },
    "WB": {
        **ZEROS,
        "activities_delivered": 6,
        "regional_activities": 2,
        "participants": 51,
        "women_share": 29 / 51,
        "trainers_certified": 10,
        "certified_trainers_to_date": 22,
        "cascade_sessions": 2,
        "virtual_share": 2 / 6,
        "milestones_due": 3,
        "milestones_achieved": 1,
        "milestone_completion_rate": 1 / 3,
        "milestones_overdue": 2,
        "translations_published": 3,
        "tools_available": 3,
        "languages_covered": 3,
    },
}


def _write_hand_package(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("activities", ACTIVITIES),
        ("participation", PARTICIPATION),
        ("milestones", MILESTONES),
        ("tools", TOOLS),
    ):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-9


def _differences(got, want) -> list[str]:
    """Rows where two long indicator frames differ (values within 1e-9, NaN equal)."""
    g = {
        (p, i): float(v)
        for p, i, v in got[["partner", "indicator", "value"]].itertuples(index=False)
    }
    w = {
        (p, i): float(v)
        for p, i, v in want[["partner", "indicator", "value"]].itertuples(index=False)
    }
    problems = [f"missing {k}" for k in w if k not in g]
    problems += [f"unexpected {k}" for k in g if k not in w]
    problems += [
        f"{k}: got {g[k]!r}, oracle {w[k]!r}" for k in w if k in g and not _same(g[k], w[k])
    ]
    return problems


def test_oracle_shape_and_order(tmp_path):
    frame = duckdb_indicators(
        _write_hand_package(tmp_path / "pkg"), date(2020, 10, 1), date(2020, 12, 31)
    )
    assert list(frame.columns) == ["partner", "indicator", "value"]
    assert list(frame["partner"]) == [p for p in PARTNERS for _ in INDICATORS]
    assert list(frame["indicator"]) == list(INDICATORS) * len(PARTNERS)
    assert frame["value"].dtype == "float64"


def test_oracle_on_hand_made_package(tmp_path):
    frame = duckdb_indicators(
        _write_hand_package(tmp_path / "pkg"), date(2020, 10, 1), date(2020, 12, 31)
    )
    got = {(p, i): v for p, i, v in frame.itertuples(index=False)}
    problems = [
        f"{p} {i}: oracle {got[(p, i)]!r}, by hand {v!r}"
        for p, row in EXPECTED_2020Q4.items()
        for i, v in row.items()
        if not _same(got[(p, i)], float(v))
    ]
    assert not problems, "\n".join(problems)


def test_oracle_empty_period(tmp_path):
    frame = duckdb_indicators(
        _write_hand_package(tmp_path / "pkg"), date(2010, 1, 1), date(2010, 12, 31)
    )
    values = {(p, i): v for p, i, v in frame.itertuples(index=False)}
    for p in PARTNERS:
        for i in ("women_share", "virtual_share", "milestone_completion_rate"):
            assert math.isnan(values[(p, i)])
        for i in set(INDICATORS) - {"women_share", "virtual_share", "milestone_completion_rate"}:
            assert values[(p, i)] == 0.0


# --------------------------------------------------------------------------
# wbreport against the oracle
# --------------------------------------------------------------------------

SEEDS = (1, 2, 3)
# a quarter, a month, a half year, a year, and periods without any activity
PERIODS = ("2020Q4", "2021-03", "2019H2", "2020", "1990Q1", "2100")


@pytest.fixture(scope="module")
def demo_packages(tmp_path_factory):
    from wbreport import demo

    folders = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"demo{seed}")
        demo.write_package(demo.generate(1, seed), folder)
        folders[seed] = folder
    return folders


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("period", PERIODS)
def test_wbreport_matches_oracle(demo_packages, seed, period):
    folder = demo_packages[seed]
    p = parse_period(period)
    got = indicator_table(load_package(folder), period)
    want = oracle_table(folder, period, p.start, p.end)
    problems = _table_differences(got, want)
    assert not problems, f"seed {seed}, {period}:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("period", ["2020Q4", "2020-12", "2020H2", "2020", "2021Q1", "1990"])
def test_wbreport_matches_oracle_on_hand_made_package(tmp_path, period):
    folder = _write_hand_package(tmp_path / "pkg")
    p = parse_period(period)
    got = indicator_table(load_package(folder), period)
    want = oracle_table(folder, period, p.start, p.end)
    problems = _table_differences(got, want)
    assert not problems, f"{period}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------
# the whole table (§4, §8, §9): hand-made packages with evaluations and a logframe
# --------------------------------------------------------------------------

NUMBERS = ("value", "baseline", "target", "achievement", "to_date", "to_date_baseline",
           "to_date_target", "to_date_achievement")  # fmt: skip


def _table_differences(got: pd.DataFrame, want: pd.DataFrame) -> list[str]:
    """Differences between wbreport's indicator table and the oracle's: order, numbers
    (within 1e-9, NaN equal), RAG, and n (NaN and 0 alike: neither suppresses)."""
    keys = list(zip(got["partner"], got["indicator"], strict=True))
    if keys != list(zip(want["partner"], want["indicator"], strict=True)):
        return ["row order or rows differ"]
    problems = []
    for column in NUMBERS:
        a, b = got[column].to_numpy(float), want[column].to_numpy(float)
        bad = ~(np.isclose(a, b, rtol=0, atol=1e-9) | (np.isnan(a) & np.isnan(b)))
        problems += [
            f"{keys[i]} {column}: got {a[i]!r}, oracle {b[i]!r}" for i in np.flatnonzero(bad)
        ]
    for column in ("rag", "to_date_rag"):
        bad = got[column].to_numpy(object) != want[column].to_numpy(object)
        problems += [f"{keys[i]} {column}" for i in np.flatnonzero(bad)]
    for column in ("n", "to_date_n"):
        a, b = (
            np.nan_to_num(got[column].to_numpy(float)),
            np.nan_to_num(want[column].to_numpy(float)),
        )
        problems += [f"{keys[i]} {column}: {a[i]} vs {b[i]}" for i in np.flatnonzero(a != b)]
    return problems


@pytest.fixture
def full_package(make_package: Callable[..., Path]) -> Path:
    from tests import handmade, handmade_evaluation
    from tests.test_indicators_framework import DEFINITIONS, OBSERVATIONS, RESULTS, TARGETS

    return make_package(
        activities=handmade.ACTIVITIES + handmade_evaluation.ACTIVITIES,
        participation=handmade.PARTICIPATION + handmade_evaluation.PARTICIPATION,
        milestones=handmade.MILESTONES,
        tools=handmade.TOOLS,
        evaluations=handmade_evaluation.EVALUATIONS,
        followups=handmade_evaluation.FOLLOWUPS,
        targets=[
            *TARGETS,
            dict(indicator="satisfaction_mean", partner="BA", baseline=3, target=4),
            dict(indicator="knowledge_gain", partner="RS", baseline=5, target=0),
            dict(indicator="applying_share", partner="AL", target=0.5, scope="to_date"),
            dict(indicator="milestones_overdue", partner="WB", baseline=2, target=1,
                 scope="to_date"),
        ],
        indicator_definitions=DEFINITIONS,
        observations=OBSERVATIONS,
        results=RESULTS,
    )  # fmt: skip


@pytest.mark.parametrize(
    "period", ["2020Q4", "2020-10", "2020-12", "2020H2", "2020", "2020Q3", "2021Q1", "1990"]
)
def test_whole_table_matches_oracle_on_hand_made_package(full_package: Path, period: str) -> None:
    p = parse_period(period)
    got = indicator_table(load_package(full_package), period)
    want = oracle_table(full_package, period, p.start, p.end)
    assert got["indicator"].tolist()[: len(ALL_BUILTIN) + 2] == [
        *ALL_BUILTIN,
        "quality_score",
        "backlog_months",
    ]
    problems = _table_differences(got, want)
    assert not problems, f"{period}:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("start", ["2020-09-15", "2020-09-30", "2020-10-01", "2021-06-01"])
def test_to_date_matches_oracle_with_programme_start_moved(full_package: Path, start: str) -> None:
    p = parse_period("2020Q4")
    begin = dt.date.fromisoformat(start)
    got = indicator_table(load_package(full_package), p, Settings(programme=Programme(begin)))
    want = oracle_table(full_package, p.label, p.start, p.end, programme_start=begin)
    problems = _table_differences(got, want)
    assert not problems, f"{start}:\n" + "\n".join(problems[:20])


def test_oracle_on_hand_worked_evaluation_figures(full_package: Path) -> None:
    want = oracle_table(full_package, "2020Q4", date(2020, 10, 1), date(2020, 12, 31))
    rows = want.set_index(["partner", "indicator"])
    assert rows.loc[("RS", "knowledge_gain"), "value"] == pytest.approx(-10)
    assert rows.loc[("AL", "knowledge_gain"), "n"] == 13
    assert rows.loc[("AL", "quality_score"), "to_date"] == 75.25
    assert rows.loc[("WB", "backlog_months"), "rag"] == "red"
