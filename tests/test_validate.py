"""Each validation rule of SPEC §2, with the fields of its message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reporting import wbreport
from wbreport.errors import Problem, ValidationError
from wbreport.package import load_package
from wbreport.schema import TABLES

GOOD_ACTIVITY = dict(activity_id="A1", type="training", module="Inclusion")


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as info:
        load_package(path)
    return info.value.problems


def find(problems: list[Problem], source: str, row: int | None, column: str | None) -> Problem:
    for p in problems:
        if p.source == source and p.row == row and p.column == column:
            return p
    raise AssertionError(f"no problem at {source} row {row} column {column}: {problems}")


DEFECTS = {
    # name: (table rows, expected source, row, column, value, words in allowed)
    "bad id": (
        {"activities": [dict(activity_id="../x")]},
        "activities.csv",
        2,
        "activity_id",
        "../x",
        "identifier",
    ),
    "unknown type": (
        {"activities": [dict(activity_id="A1", type="lecture")]},
        "activities.csv",
        2,
        "type",
        "lecture",
        "train_the_trainers",
    ),
    "unknown partner": (
        {"activities": [dict(activity_id="A1", partner="../x")]},
        "activities.csv",
        2,
        "partner",
        "../x",
        "one of AL",
    ),
    "bad date": (
        {"activities": [dict(activity_id="A1", start_date="2020-02-30")]},
        "activities.csv",
        2,
        "start_date",
        "2020-02-30",
        "YYYY-MM-DD",
    ),
    "end before start": (
        {"activities": [dict(activity_id="A1", start_date="2020-05-02", end_date="2020-05-01")]},
        "activities.csv",
        2,
        "end_date",
        "2020-05-01",
        "on or after",
    ),
    "missing module": (
        {"activities": [dict(activity_id="A1", type="training")]},
        "activities.csv",
        2,
        "module",
        "",
        "module is required",
    ),
    "regional not WB": (
        {"activities": [dict(activity_id="A1", scope="regional", partner="AL")]},
        "activities.csv",
        2,
        "partner",
        "AL",
        "partner WB",
    ),
    "bad boolean": (
        {"activities": [dict(activity_id="A1", led_by_certified_trainer="yes")]},
        "activities.csv",
        2,
        "led_by_certified_trainer",
        "yes",
        "true or false",
    ),
    "duplicate id": (
        {"activities": [dict(activity_id="A1"), dict(activity_id="A1")]},
        "activities.csv",
        3,
        "activity_id",
        "A1",
        "same as row 2",
    ),
    "unknown activity": (
        {"activities": [dict(activity_id="A1")], "participation": [dict(activity_id="B9")]},
        "participation.csv",
        2,
        "activity_id",
        "B9",
        "activities table",
    ),
    "women over participants": (
        {
            "activities": [dict(activity_id="A1")],
            "participation": [dict(activity_id="A1", participants=3, women=4)],
        },
        "participation.csv",
        2,
        "women",
        "4",
        "between 0 and participants",
    ),
    "negative count": (
        {
            "activities": [dict(activity_id="A1")],
            "participation": [dict(activity_id="A1", participants=-3, women=0)],
        },
        "participation.csv",
        2,
        "participants",
        "-3",
        "whole number",
    ),
    "trainers outside ttt": (
        {
            "activities": [dict(activity_id="A1")],
            "participation": [dict(activity_id="A1", certified_trainers=1)],
        },
        "participation.csv",
        2,
        "certified_trainers",
        "1",
        "train_the_trainers",
    ),
    "national partner mismatch": (
        {
            "activities": [dict(activity_id="A1")],
            "participation": [dict(activity_id="A1", partner="RS")],
        },
        "participation.csv",
        2,
        "partner",
        "RS",
        "activity's partner (AL)",
    ),
    "duplicate participation": (
        {
            "activities": [dict(activity_id="A1")],
            "participation": [dict(activity_id="A1"), dict(activity_id="A1")],
        },
        "participation.csv",
        3,
        "activity_id",
        "A1/AL",
        "unique",
    ),
    "achieved without date": (
        {"milestones": [dict(milestone_id="M1", status="achieved")]},
        "milestones.csv",
        2,
        "achieved_date",
        "",
        "required when status",
    ),
    "date without achieved": (
        {"milestones": [dict(milestone_id="M1", achieved_date="2020-01-01")]},
        "milestones.csv",
        2,
        "achieved_date",
        "2020-01-01",
        "must be empty",
    ),
    "WB milestone": (
        {"milestones": [dict(milestone_id="M1", partner="WB")]},
        "milestones.csv",
        2,
        "partner",
        "WB",
        "one of AL",
    ),
    "bad language": (
        {"tools": [dict(tool_id="T1", language="de")]},
        "tools.csv",
        2,
        "language",
        "de",
        "sr-Latn",
    ),
    "published without date": (
        {"tools": [dict(tool_id="T1", status="published")]},
        "tools.csv",
        2,
        "published_date",
        "",
        "required when status",
    ),
    "period not canonical": (
        {"targets": [dict(indicator="participants", partner="AL", period="2020q4", target=1)]},
        "targets.csv",
        2,
        "period",
        "2020q4",
        "YYYYQ1",
    ),
    "non-number target": (
        {"targets": [dict(indicator="participants", partner="AL", target="ten")]},
        "targets.csv",
        2,
        "target",
        "ten",
        "a number",
    ),
    "unknown indicator": (
        {"targets": [dict(indicator="happiness", partner="AL", target=1)]},
        "targets.csv",
        2,
        "indicator",
        "happiness",
        "activities_delivered",
    ),
}


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_rule_reports_place_value_and_allowed(make_package, name: str) -> None:
    tables, source, row, column, value, allowed = DEFECTS[name]
    problem = find(problems_of(make_package(**tables)), source, row, column)
    assert problem.value == value
    assert allowed in problem.allowed


def test_all_problems_are_listed_at_once(make_package) -> None:
    merged: dict[str, list[dict]] = {
        "activities": [],
        "participation": [],
        "milestones": [],
        "tools": [],
        "targets": [],
    }
    for i, (tables, *_rest) in enumerate(DEFECTS.values()):
        for name, rows in tables.items():
            for row in rows:
                row = dict(row)
                for key in ("activity_id", "milestone_id", "tool_id"):
                    if key in row and row[key] not in ("../x", "A1/AL"):
                        row[key] = f"{row[key]}x{i}"
                merged[name].append(row)
    problems = problems_of(make_package(**merged))
    assert len(problems) >= len(DEFECTS)
    assert all(p.row is not None and p.column for p in problems)


def test_missing_required_column_and_table(tmp_path: Path, make_package) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY])
    text = (folder / "activities.csv").read_text().replace(",status", ",state")
    (folder / "activities.csv").write_text(text)
    (folder / "tools.csv").unlink()
    problems = problems_of(folder)
    missing = find(problems, "activities.csv", 1, "status")
    assert "required column is missing" in missing.allowed
    assert any("required table 'tools'" in p.allowed for p in problems)


@pytest.mark.parametrize(
    ("name", "header"),
    [("status", "Status"), ("status", "STATUS"), ("activity_id", "Activity ID")],
)
def test_a_column_named_in_other_case_says_how_to_name_it(
    make_package, name: str, header: str
) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY])
    lines = (folder / "activities.csv").read_text().split("\n")
    lines[0] = ",".join(header if h == name else h for h in lines[0].split(","))
    (folder / "activities.csv").write_text("\n".join(lines))
    missing = find(problems_of(folder), "activities.csv", 1, name)
    assert missing.value == header
    assert missing.allowed.startswith(f"rename the column {name!r}: names are written exactly")


def test_a_boolean_may_be_empty_and_empty_is_false(make_package) -> None:
    folder = make_package(activities=[{**GOOD_ACTIVITY, "led_by_certified_trainer": "yes"}])
    wrong = find(problems_of(folder), "activities.csv", 2, "led_by_certified_trainer")
    assert wrong.allowed == "true or false or empty (= false)"


def test_codes_stay_text(make_package) -> None:
    folder = make_package(
        activities=[dict(activity_id="007")], participation=[dict(activity_id="007")]
    )
    package = load_package(folder)
    assert package.activities["activity_id"].tolist() == ["007"]
    assert package.participation["activity_id"].tolist() == ["007"]


def test_bad_encoding_names_the_line(make_package) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY, dict(activity_id="A2")])
    data = (folder / "activities.csv").read_bytes().replace(b"A2,Activity", b"A2,Activit\xe9")
    (folder / "activities.csv").write_bytes(data)
    problem = find(problems_of(folder), "activities.csv", 3, None)
    assert "UTF-8" in problem.allowed


def test_bom_is_allowed(make_package) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY])
    path = folder / "activities.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_package(folder).activities["activity_id"].tolist() == ["A1"]


def test_booleans_are_case_insensitive_and_empty_is_false(make_package) -> None:
    folder = make_package(
        activities=[
            dict(activity_id="A1", led_by_certified_trainer="TRUE"),
            dict(activity_id="A2", led_by_certified_trainer=""),
        ]
    )
    assert load_package(folder).activities["led_by_certified_trainer"].tolist() == [True, False]


def test_extra_columns_are_ignored(make_package) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY])
    path = folder / "activities.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",comment", lines[1] + ",hello"]) + "\n")
    assert "comment" not in load_package(folder).activities.columns


def test_targets_table_is_optional(make_package) -> None:
    folder = make_package(activities=[GOOD_ACTIVITY])
    (folder / "targets.csv").unlink()
    assert load_package(folder).targets.empty


def test_cli_validate_lists_every_problem_without_traceback(make_package) -> None:
    tables = {"activities": [dict(activity_id="../x", type="lecture", start_date="2020-13-01")]}
    folder = make_package(**tables)
    result = wbreport("validate", "--data", str(folder))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    for words in ("row 2, column 'activity_id'", "column 'type'", "column 'start_date'"):
        assert words in result.stderr


def test_cli_validate_ok_on_sample() -> None:
    result = wbreport("validate")
    assert result.returncode == 0, result.stderr
    assert "participation" in result.stdout


def test_validate_json_gives_each_problem_by_its_parts(make_package) -> None:
    """A pipeline delivering the package reads the problems, not the printed lines."""
    folder = make_package(activities=[{**GOOD_ACTIVITY, "led_by_certified_trainer": "yes"}])
    done = wbreport("validate", "--data", str(folder), "--json")
    assert done.returncode == 2, done.stderr
    summary = json.loads(done.stdout)
    assert summary["exit_code"] == 2 and summary["source"] == str(folder)
    assert summary["problems"] == [
        {
            "source": "activities.csv",
            "row": 2,
            "column": "led_by_certified_trainer",
            "value": "yes",
            "allowed": "true or false or empty (= false)",
            "message": summary["errors"][0],
        }
    ]
    assert "invalid input: 1 problem(s)" in done.stderr  # the lines are still on stderr
    valid = wbreport("validate", "--json")
    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout) == {
        "exit_code": 0,
        "errors": [],
        "problems": [],
        "source": "sample",
        "tables": {t.name: len(getattr(load_package(None), t.name)) for t in TABLES},
    }


def test_a_refused_run_gives_the_problems_in_its_json_summary(make_package, tmp_path) -> None:
    folder = make_package(activities=[{**GOOD_ACTIVITY, "status": "Delivered"}])
    done = wbreport("run", "--data", str(folder), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 2, done.stderr
    summary = json.loads(done.stdout)
    assert summary["periods"] == []
    [problem] = summary["problems"]
    assert (problem["source"], problem["row"], problem["column"], problem["value"]) == (
        "activities.csv",
        2,
        "status",
        "Delivered",
    )
    assert problem["message"] == summary["errors"][0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".wbreport.lock"]
