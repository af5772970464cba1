"""Each validation rule of SPEC §9 (results, indicator_definitions, observations, targets
scope), with the fields of its message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_validate import find, problems_of
from wbreport.package import load_package

ACTIVITIES = [dict(activity_id="A1")]
PARTICIPATION = [dict(activity_id="A1")]
DEFINITIONS = [
    dict(indicator="quality_score", label="Quality", unit="score", direction="higher"),
    dict(indicator="backlog_months", label="Backlog", unit="points", direction="lower"),
]
RESULTS = [
    dict(result_id="I", level="impact", parent_id="", partner="WB", statement="Impact",
         indicators="quality_score"),
    dict(result_id="O1", level="outcome", parent_id="I", partner="AL", statement="Outcome",
         indicators="milestone_completion_rate; backlog_months"),
    dict(result_id="P1", level="output", parent_id="O1", partner="AL", statement="Output",
         indicators="participants;satisfied_share", means_of_verification="Lists"),
]  # fmt: skip
OBSERVATIONS = [
    dict(indicator="quality_score", partner="AL", period="2020", value=70.5),
    dict(indicator="backlog_months", partner="WB", period="2020H2", value=8),
]
TARGETS = [
    dict(indicator="participants", partner="AL", period="2020Q4", target=10),
    dict(indicator="participants", partner="AL", period="2020Q4", target=50, scope="to_date"),
    dict(indicator="backlog_months", partner="WB", period="2020Q4", baseline=9, target=6),
    dict(indicator="milestones_overdue", partner="AL", period="2020Q4", baseline=3, target=0),
]


def package(make_package: Any, **changes: list[dict]) -> Path:
    tables = dict(
        activities=ACTIVITIES,
        participation=PARTICIPATION,
        indicator_definitions=DEFINITIONS,
        results=RESULTS,
        observations=OBSERVATIONS,
        targets=TARGETS,
    )
    return make_package(**{**tables, **changes})


def test_valid_framework_loads(make_package) -> None:
    pkg = load_package(package(make_package))
    assert len(pkg.results) == 3 and len(pkg.observations) == 2
    assert list(pkg.indicator_definitions["indicator"]) == ["quality_score", "backlog_months"]


def with_row(rows: list[dict], **row: Any) -> list[dict]:
    return [*rows, row]


RESULT = dict(level="output", parent_id="O1", partner="AL", statement="S", indicators="")
DEFECTS = {
    # name: (table changes, source, row, column, value, words in allowed)
    "unknown level": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "level": "goal"})),
        "results.csv", 5, "level", "goal", "one of impact, outcome, output",
    ),
    "parent missing": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "parent_id": "NOPE"})),
        "results.csv", 5, "parent_id", "NOPE", "result_id of another result",
    ),
    "level skipped": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "parent_id": "I"})),
        "results.csv", 5, "parent_id", "I", "level outcome",
    ),
    "parent at the same level": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "parent_id": "P1"})),
        "results.csv", 5, "parent_id", "P1", "this one is output",
    ),
    "impact with a parent": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "level": "impact"})),
        "results.csv", 5, "parent_id", "O1", "an impact has no parent",
    ),
    "unknown indicator in list": (
        dict(results=with_row(RESULTS, result_id="X",
                              **{**RESULT, "indicators": "participants;joy"})),
        "results.csv", 5, "indicators", "participants;joy", "unknown: joy",
    ),
    "duplicate result": (
        dict(results=with_row(RESULTS, result_id="P1", **RESULT)),
        "results.csv", 5, "result_id", "P1", "unique",
    ),
    "bad result id": (
        dict(results=with_row(RESULTS, result_id="a b", **RESULT)),
        "results.csv", 5, "result_id", "a b", "identifier",
    ),
    "result partner": (
        dict(results=with_row(RESULTS, result_id="X", **{**RESULT, "partner": "EU"})),
        "results.csv", 5, "partner", "EU", "one of AL",
    ),
    "bad custom name": (
        dict(indicator_definitions=with_row(DEFINITIONS, indicator="Bad-Name", label="x",
                                            unit="count", direction="higher")),
        "indicator_definitions.csv", 4, "indicator", "Bad-Name", "[a-z][a-z0-9_]{0,63}",
    ),
    "shadows a built-in": (
        dict(indicator_definitions=with_row(DEFINITIONS, indicator="participants", label="x",
                                            unit="count", direction="higher")),
        "indicator_definitions.csv", 4, "indicator", "participants", "not a built-in",
    ),
    "unknown unit": (
        dict(indicator_definitions=with_row(DEFINITIONS, indicator="x1", label="x",
                                            unit="euros", direction="higher")),
        "indicator_definitions.csv", 4, "unit", "euros", "count, share, score, points",
    ),
    "unknown direction": (
        dict(indicator_definitions=with_row(DEFINITIONS, indicator="x1", label="x",
                                            unit="count", direction="up")),
        "indicator_definitions.csv", 4, "direction", "up", "higher, lower",
    ),
    "duplicate definition": (
        dict(indicator_definitions=with_row(DEFINITIONS, indicator="quality_score", label="x",
                                            unit="count", direction="higher")),
        "indicator_definitions.csv", 4, "indicator", "quality_score", "unique",
    ),
    "observation of an undeclared indicator": (
        dict(observations=with_row(OBSERVATIONS, indicator="joy", partner="AL", period="2020",
                                   value=1)),
        "observations.csv", 4, "indicator", "joy", "declared in indicator_definitions",
    ),
    "observation of a built-in": (
        dict(observations=with_row(OBSERVATIONS, indicator="participants", partner="AL",
                                   period="2020", value=1)),
        "observations.csv", 4, "indicator", "participants", "declared",
    ),
    "observation period not canonical": (
        dict(observations=with_row(OBSERVATIONS, indicator="quality_score", partner="AL",
                                   period="2020q1", value=1)),
        "observations.csv", 4, "period", "2020q1", "YYYYQ1",
    ),
    "observation not a number": (
        dict(observations=with_row(OBSERVATIONS, indicator="quality_score", partner="AL",
                                   period="2021", value="high")),
        "observations.csv", 4, "value", "high", "a number",
    ),
    "duplicate observation": (
        dict(observations=with_row(OBSERVATIONS, indicator="quality_score", partner="AL",
                                   period="2020", value=2)),
        "observations.csv", 4, "indicator", "quality_score/AL/2020", "unique",
    ),
    "unknown target scope": (
        dict(targets=with_row(TARGETS, indicator="participants", partner="BA", period="2020Q4",
                              target=1, scope="life")),
        "targets.csv", 6, "scope", "life", "period, to_date",
    ),
    "empty scope duplicates period scope": (
        dict(targets=with_row(TARGETS, indicator="participants", partner="AL", period="2020Q4",
                              target=1, scope="period")),
        "targets.csv", 6, "indicator", "participants/AL/2020Q4/period", "same as row 2",
    ),
    "duplicate to_date target": (
        dict(targets=with_row(TARGETS, indicator="participants", partner="AL", period="2020Q4",
                              target=1, scope="to_date")),
        "targets.csv", 6, "indicator", "participants/AL/2020Q4/to_date", "same as row 3",
    ),
    "target of an undeclared indicator": (
        dict(targets=with_row(TARGETS, indicator="joy", partner="AL", period="2020Q4", target=1)),
        "targets.csv", 6, "indicator", "joy", "declared in indicator_definitions",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_framework_rule_reports_place_value_and_allowed(make_package, name: str) -> None:
    changes, source, row, column, value, words = DEFECTS[name]
    problems = problems_of(package(make_package, **changes))
    found = find(problems, source, row, column)
    assert found.value == value
    assert words in found.allowed, found.allowed


def test_cycle_is_reported(make_package) -> None:
    loop = [
        dict(result_id="A", level="outcome", parent_id="B", partner="AL", statement="a"),
        dict(result_id="B", level="outcome", parent_id="A", partner="AL", statement="b"),
    ]
    problems = problems_of(package(make_package, results=[*RESULTS, *loop]))
    cycles = [p for p in problems if "without cycles" in p.allowed]
    assert [(p.row, p.value) for p in cycles] == [(5, "B"), (6, "A")]


def test_targets_without_scope_column_stay_unique(tmp_path: Path, make_package) -> None:
    folder = package(make_package, targets=[*TARGETS[:1], TARGETS[0]])
    text = (folder / "targets.csv").read_text().splitlines()
    header = text[0].split(",")
    keep = [i for i, c in enumerate(header) if c != "scope"]
    (folder / "targets.csv").write_text(
        "\n".join(",".join(line.split(",")[i] for i in keep) for line in text) + "\n"
    )
    problems = problems_of(folder)
    assert find(problems, "targets.csv", 3, "indicator").allowed.endswith("same as row 2")


def test_lower_is_better_and_custom_targets_are_accepted(make_package) -> None:
    pkg = load_package(package(make_package))
    assert set(pkg.targets["indicator"]) >= {"milestones_overdue", "backlog_months"}
