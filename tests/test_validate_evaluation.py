"""Each validation rule of SPEC §8 (evaluations, followups), with the fields of its message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_validate import find, problems_of
from wbreport.package import load_package

ACTIVITIES = [
    dict(activity_id="T1", type="training", module="Inclusion", end_date="2020-10-02"),
    dict(activity_id="W1", type="workshop", end_date="2020-10-02"),
    dict(activity_id="S1", type="study_visit", end_date="2020-10-02"),
    dict(activity_id="E1", type="expert_meeting", end_date="2020-10-02"),
    dict(activity_id="H1", type="tool_handover", end_date="2020-10-02"),
    dict(activity_id="C1", type="workshop", status="cancelled"),
    dict(activity_id="P1", type="workshop", status="planned"),
]
PARTICIPATION = [dict(activity_id=a["activity_id"], participants=10, women=5) for a in ACTIVITIES]
EVALUATION = dict(
    activity_id="T1",
    partner="AL",
    respondents=8,
    satisfaction_1=0,
    satisfaction_2=1,
    satisfaction_3=2,
    satisfaction_4=3,
    satisfaction_5=2,
    useful=6,
    pre_tested=9,
    post_tested=8,
    pre_score_mean=55.5,
    post_score_mean=70,
    passed=6,
)
FOLLOWUP = dict(activity_id="T1", partner="AL", survey_date="2021-03-01", respondents=5, applying=3)


def package(make_package: Any, evaluations: list[dict] = (), followups: list[dict] = ()) -> Path:
    return make_package(
        activities=ACTIVITIES,
        participation=PARTICIPATION,
        evaluations=[{**EVALUATION, **row} for row in evaluations],
        followups=[{**FOLLOWUP, **row} for row in followups],
    )


EVALUATION_DEFECTS = {
    # name: (changes to the evaluation row, column, value, words in allowed)
    "unknown activity": (dict(activity_id="X9"), "activity_id", "X9", "activity_id of activities"),
    "cancelled activity": (dict(activity_id="C1"), "activity_id", "C1", "status delivered"),
    "planned activity": (dict(activity_id="P1"), "activity_id", "P1", "status delivered"),
    "study visit": (dict(activity_id="S1"), "activity_id", "S1", "this one is study_visit"),
    "expert meeting": (dict(activity_id="E1"), "activity_id", "E1", "this one is expert_meeting"),
    "tool handover": (dict(activity_id="H1"), "activity_id", "H1", "this one is tool_handover"),
    "partner without participation": (dict(partner="BA"), "partner", "BA", "participation row"),
    "partner not national": (dict(partner="WB"), "partner", "WB", "one of AL"),
    "respondents above participants": (
        dict(respondents=11, satisfaction_1=3, useful=1),
        "respondents",
        "11",
        "participants of the row (10)",
    ),
    "counts do not sum to respondents": (
        dict(satisfaction_5=3),
        "respondents",
        "8",
        "add up to 9",
    ),
    "useful above respondents": (dict(useful=9), "useful", "9", "between 0 and respondents (8)"),
    "pre_tested above participants": (
        dict(pre_tested=11),
        "pre_tested",
        "11",
        "participants of the row (10)",
    ),
    "post_tested above participants": (
        dict(post_tested=12, passed=1),
        "post_tested",
        "12",
        "participants of the row (10)",
    ),
    "passed above post_tested": (dict(passed=9), "passed", "9", "between 0 and post_tested (8)"),
    "score above 100": (dict(post_score_mean=100.5), "post_score_mean", "100.5", "0 and 100"),
    "score below 0": (dict(pre_score_mean=-1), "pre_score_mean", "-1", "0 and 100"),
    "score not a number": (dict(pre_score_mean="high"), "pre_score_mean", "high", "a number"),
    "mean missing with testees": (dict(pre_score_mean=""), "pre_score_mean", "", "required"),
    "mean given without testees": (
        dict(post_tested=0, passed=0),
        "post_score_mean",
        "70",
        "must be empty when post_tested is 0",
    ),
    "negative count": (dict(useful=-1), "useful", "-1", "whole number"),
}


@pytest.mark.parametrize("name", list(EVALUATION_DEFECTS))
def test_each_evaluation_rule_reports_place_value_and_allowed(make_package, name: str) -> None:
    change, column, value, words = EVALUATION_DEFECTS[name]
    problems = problems_of(package(make_package, evaluations=[change]))
    found = find(problems, "evaluations.csv", 2, column)
    assert found.value == value
    assert words in found.allowed, found.allowed
    assert len(problems) == 1, problems


FOLLOWUP_DEFECTS = {
    "unknown activity": (dict(activity_id="X9"), "activity_id", "X9", "activity_id of activities"),
    "cancelled activity": (dict(activity_id="C1"), "activity_id", "C1", "status delivered"),
    "study visit": (dict(activity_id="S1"), "activity_id", "S1", "this one is study_visit"),
    "partner without participation": (dict(partner="RS"), "partner", "RS", "participation row"),
    "survey before the activity ended": (
        dict(survey_date="2020-10-01"),
        "survey_date",
        "2020-10-01",
        "on or after the activity's end_date (2020-10-02)",
    ),
    "bad survey date": (dict(survey_date="2021-02-30"), "survey_date", "2021-02-30", "YYYY-MM-DD"),
    "respondents above participants": (
        dict(respondents=11, applying=0),
        "respondents",
        "11",
        "participants of the row (10)",
    ),
    "applying above respondents": (dict(applying=6), "applying", "6", "respondents (5)"),
}


@pytest.mark.parametrize("name", list(FOLLOWUP_DEFECTS))
def test_each_followup_rule_reports_place_value_and_allowed(make_package, name: str) -> None:
    change, column, value, words = FOLLOWUP_DEFECTS[name]
    problems = problems_of(package(make_package, followups=[change]))
    found = find(problems, "followups.csv", 2, column)
    assert found.value == value
    assert words in found.allowed, found.allowed
    assert len(problems) == 1, problems


def test_survey_on_the_end_day_is_allowed(make_package) -> None:
    load_package(package(make_package, followups=[dict(survey_date="2020-10-02")]))


def test_valid_rows_pass_including_workshop_and_untested(make_package) -> None:
    untested = dict(
        activity_id="W1", pre_tested=0, post_tested=0, pre_score_mean="", post_score_mean="",
        passed=0,
    )  # fmt: skip
    pkg = load_package(package(make_package, evaluations=[{}, untested], followups=[{}]))
    assert len(pkg.evaluations) == 2 and len(pkg.followups) == 1


def test_duplicate_evaluation_and_followup_keys(make_package) -> None:
    problems = problems_of(
        package(
            make_package, evaluations=[{}, {}], followups=[{}, {}, dict(survey_date="2021-04-01")]
        )
    )
    dup = find(problems, "evaluations.csv", 3, "activity_id")
    assert dup.value == "T1/AL" and "unique" in dup.allowed and "row 2" in dup.allowed
    dup = find(problems, "followups.csv", 3, "activity_id")
    assert dup.value == "T1/AL/2021-03-01"
    assert len(problems) == 2


def test_all_evaluation_problems_at_once_in_row_order(make_package) -> None:
    problems = problems_of(
        package(
            make_package,
            evaluations=[dict(activity_id="S1"), dict(activity_id="C1", passed=9)],
            followups=[dict(applying=6)],
        )
    )
    assert [(p.source, p.row, p.column) for p in problems] == [
        ("evaluations.csv", 2, "activity_id"),
        ("evaluations.csv", 3, "activity_id"),
        ("evaluations.csv", 3, "passed"),
        ("followups.csv", 2, "applying"),
    ]


def test_cli_validate_rejects_evaluation_defect(make_package) -> None:
    import subprocess
    import sys

    folder = package(make_package, evaluations=[dict(useful=9)])
    done = subprocess.run(
        [sys.executable, "-m", "wbreport", "validate", "--data", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "useful" in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_rows_referring_to_empty_tables_are_broken_references(make_package) -> None:
    folder = make_package(
        activities=[],
        participation=[],
        evaluations=[EVALUATION],
        followups=[FOLLOWUP],
    )
    problems = problems_of(folder)
    assert find(problems, "evaluations.csv", 2, "activity_id").value == "T1"
    assert find(problems, "followups.csv", 2, "activity_id").value == "T1"


@pytest.mark.parametrize(
    ("table", "column"),
    [("activities", "activity_id"), ("participation", "activity_id"), ("participation", "partner")],
)
@pytest.mark.parametrize("how", ["missing file", "missing column"])
def test_a_table_that_cannot_be_read_is_one_problem_not_one_per_referring_row(
    make_package, table: str, column: str, how: str
) -> None:
    folder = package(make_package, evaluations=[{}, dict(activity_id="W1")], followups=[{}])
    file = folder / f"{table}.csv"
    if how == "missing file":
        file.unlink()
    else:
        header, *rows = file.read_text(encoding="utf-8").splitlines()
        names = header.split(",")
        keep = [i for i, name in enumerate(names) if name != column]
        lines = [",".join(line.split(",")[i] for i in keep) for line in (header, *rows)]
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    assert problems[0].source.endswith(f"{table}.csv")
    assert ("missing" if how == "missing file" else column) in problems[0].allowed
