"""`wbreport indicators`: raw values by default, --suppress, formats, --params, --partner."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import handmade_evaluation as hm
from wbreport.cli import app
from wbreport.targets import COLUMNS

runner = CliRunner()


@pytest.fixture
def folder(make_package: Callable[..., Path]) -> Path:
    return make_package(
        activities=hm.ACTIVITIES,
        participation=hm.PARTICIPATION,
        evaluations=hm.EVALUATIONS,
        followups=hm.FOLLOWUPS,
        targets=[dict(indicator="satisfaction_mean", partner="BA", baseline=3, target=4)],
    )


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["indicators", *args])
    return result.exit_code, result.stdout


def rows_of(text: str) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["partner"], r["indicator"]): r for r in csv.DictReader(io.StringIO(text))}


def test_csv_is_raw_by_default_and_has_the_spec_columns(folder: Path) -> None:
    code, text = run("--data", str(folder), "--period", "2020Q4")
    assert code == 0
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = rows_of(text)
    assert len(rows) == 22 * 7
    assert rows[("BA", "satisfaction_mean")]["value"] == "4.5000"  # n = 2, shown raw
    assert rows[("BA", "satisfaction_mean")]["rag"] == "green"


def test_suppress_blanks_value_achievement_and_rag_keeps_targets(folder: Path) -> None:
    code, text = run("--data", str(folder), "--period", "2020Q4", "--suppress")
    assert code == 0
    row = rows_of(text)[("BA", "satisfaction_mean")]
    assert (row["value"], row["achievement"], row["rag"], row["to_date"]) == ("", "", "", "")
    assert (row["baseline"], row["target"]) == ("3", "4")
    assert rows_of(text)[("BA", "evaluation_response_rate")]["value"] == "0.6667"


def test_json_carries_n_and_suppressed(folder: Path) -> None:
    code, text = run(
        "--data", str(folder), "--period", "2020Q4", "--format", "json", "--partner", "BA"
    )
    assert code == 0
    records = {r["indicator"]: r for r in json.loads(text)}
    assert len(records) == 22
    assert records["satisfaction_mean"]["n"] == 2 and records["satisfaction_mean"]["suppressed"]
    assert records["participants"]["n"] is None


def test_table_shows_threshold_for_suppressed(folder: Path) -> None:
    code, text = run(
        "--data", str(folder), "--period", "2020Q4", "--format", "table", "--suppress",
        "--partner", "RS",
    )  # fmt: skip
    assert code == 0
    assert "n < 5" in text and "knowledge_gain" in text


def test_table_never_cuts_a_figure_on_a_narrow_output(folder: Path) -> None:
    """In a pipe or an 80-column terminal rich squeezed the twelve columns and printed
    the figures as "…": the table keeps its width (the terminal wraps it instead), so
    every value reads as in the csv."""
    from wbreport import cli

    assert cli.out.width == 80  # CliRunner's output is no terminal
    code, text = run("--data", str(folder), "--period", "2020Q4", "--format", "table")
    assert code == 0 and "…" not in text
    shown, partner = {}, ""
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            partner = cells[0] or partner
            shown[(partner, cells[1])] = cells[2]
    _, csv_text = run("--data", str(folder), "--period", "2020Q4")
    expected = {key: row["value"] for key, row in rows_of(csv_text).items()}
    assert len(expected) > 100 and shown == expected


def test_params_folder_sets_threshold_and_programme_start(folder: Path, tmp_path: Path) -> None:
    params = tmp_path / "params"
    params.mkdir()
    (params / "defaults.yaml").write_text("min_respondents: 2\nprogramme:\n  start: 2020-10-01\n")
    code, text = run(
        "--data", str(folder), "--period", "2020Q4", "--suppress", "--params", str(params)
    )
    assert code == 0
    rows = rows_of(text)
    assert rows[("BA", "satisfaction_mean")]["value"] == "4.5000"  # n = 2 is not below 2
    al = rows[("AL", "satisfaction_mean")]
    assert al["to_date"] == al["value"]  # programme starts with the quarter


def test_missing_params_folder_is_a_usage_error(folder: Path, tmp_path: Path) -> None:
    code, _ = run("--data", str(folder), "--period", "2020Q4", "--params", str(tmp_path / "nope"))
    assert code == 2


def test_bad_period_and_partner_are_usage_errors(folder: Path) -> None:
    assert run("--data", str(folder), "--period", "2020Q5")[0] == 2
    assert run("--data", str(folder), "--period", "2020Q4", "--partner", "AL,BA")[0] == 2
    assert run("--data", str(folder), "--period", "2020Q4", "--partner", "../x")[0] == 2


@pytest.mark.parametrize(
    "args",
    [
        ("--partner", ""),  # printed every partner before, as if not given
        ("--partner", " "),
        ("--period", "２０２０Q4"),  # full-width digits
        ("--period", "2020Q4:"),
    ],
)
def test_empty_partner_and_odd_periods_are_usage_errors(
    folder: Path, args: tuple[str, ...]
) -> None:
    result = runner.invoke(app, ["indicators", "--data", str(folder), "--period", "2020Q4", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("period", "says"),
    [
        # a range used to get the run's hint "a range is FROM:TO", then the same refusal
        ("2019Q1:2020Q4", "this command takes one period; a range FROM:TO is for run"),
        ("2020q4", "use YYYY, YYYYH1, YYYYH2, YYYYQ1…YYYYQ4 or YYYY-MM"),
    ],
)
def test_indicators_take_one_period_and_say_so(folder: Path, period: str, says: str) -> None:
    result = runner.invoke(app, ["indicators", "--data", str(folder), "--period", period])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: invalid period {period!r}: {says}"


@pytest.mark.parametrize(
    "command", ["run", "validate", "indicators", "demo-data", "template", "init"]
)
def test_help_speaks_to_users_not_to_the_spec(command: str) -> None:
    """Users have ``--help`` and the docs, not the product contract: ``--suppress`` said
    "disclosure control (SPEC §8)"."""
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0 and "Usage" in result.stdout
    assert "SPEC" not in result.stdout and "§" not in result.stdout


@pytest.mark.parametrize(
    "command", [[], ["run"], ["validate"], ["indicators"], ["demo-data"], ["template"], ["init"]]
)
def test_help_shows_no_python_type_and_no_value_after_a_flag(command: list[str]) -> None:
    """typer showed ``--force <bool>`` (``--force true`` is refused), ``--data <path>``,
    ``-p <list[str]>`` and ``FOLDER <str>``: each option and argument names what it takes,
    and a flag takes nothing."""
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0 and "Usage" in result.stdout
    options = [line for line in result.stdout.splitlines() if " --" in line]
    assert options
    for line in result.stdout.splitlines():
        assert not re.search(r"<(bool|str|path|int|list)", line), line
        assert "list[" not in line, line
    flags = {"--force", "--pdf", "--fresh-kernels", "--json", "--suppress", "--help"}
    for line in options:
        words = line.strip("│ *").split()
        if words[0] in flags:  # the help text follows the flag directly
            assert words[1][0].isupper(), line


def test_version_is_the_installed_one() -> None:
    """``wbreport --version`` for a bug report or a scheduler's log: the version pip installed
    (``wbreport.__version__`` and the package metadata agree)."""
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"wbreport {version('wbreport')}\n"
    assert runner.invoke(app, ["--version", "run", "--period", "nonsense"]).exit_code == 0
