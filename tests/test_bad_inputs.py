"""The bad-input corpus (tests/bad_inputs.py): every broken package or parameter file ends
with exit code 2, a message naming the place, no traceback and nothing published.

All cases run through ``wbreport run`` in-process (CliRunner, with kernel start-up made
to fail loudly, so a case that slipped through validation cannot render anything); a
selection also runs as a real ``python -m wbreport run`` subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.bad_inputs import CASES, Case, base
from tests.conftest import write_csv_package
from wbreport.cli import app

# Through the real command: one of each kind (encoding, file damage, size, types, references,
# workbook formula and bombs, SQLite damage and locks, hostile codes, parameter files).
SUBPROCESS_CASES = (
    "latin1_csv",
    "utf16_csv",
    "zero_byte_csv",
    "huge_cell_csv",
    "partner_dotdot",
    "broken_reference",
    "xlsx_formula",
    "xlsx_zip_bomb_ratio",
    "xlsx_xml_bomb",
    "xlsx_truncated",
    "sqlite_not_sqlite",
    "sqlite_locked",
    "sqlite_endless_view",
    "narrative_unknown_key",
    "narrative_python_tag",
    "defaults_negative_timeout",
    "defaults_python_tag",
    "fifo_as_xlsx",
    "fifo_as_csv",
    "huge_csv",
    "semicolon_csv",
    "period_year_zero",
)


def test_corpus_size() -> None:
    assert len(CASES) >= 40
    assert set(SUBPROCESS_CASES) <= set(CASES)
    assert len(SUBPROCESS_CASES) >= 10


def test_base_package_is_valid(tmp_path: Path) -> None:
    """The control: every case is the valid base package with one thing broken."""
    result = CliRunner().invoke(app, ["validate", "--data", str(base(tmp_path))])
    assert result.exit_code == 0, result.output


def test_header_only_tables_are_valid_data(tmp_path: Path) -> None:
    """An empty table with its header is data (nothing happened yet), not an error."""
    folder = write_csv_package(tmp_path / "empty", {})
    result = CliRunner().invoke(app, ["validate", "--data", str(folder)])
    assert result.exit_code == 0, result.output


def _run_args(built: Case, out: Path) -> list[str]:
    args = ["run", "--out", str(out)]
    if built.data is not None:
        args += ["--data", str(built.data)]
    if built.params is not None:
        args += ["--params", str(built.params)]
    if built.period is not None:
        args += ["--period", built.period]
    return args


def _assert_rejected(tmp: Path, built: Case, out: Path, code: int, output: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    for place in built.where:
        assert place in output, f"{place!r} not named in:\n{output}"
    for secret in built.absent:
        assert secret not in output
    if out.exists():
        assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == []
    sets = out / ".sets"
    assert not sets.exists() or not any(sets.iterdir())
    assert not (tmp / "PWNED").exists()  # the YAML cases' os.system would have created it


def _build(name: str, tmp: Path) -> Case:
    (tmp / "case").mkdir()
    return CASES[name](tmp / "case")


@pytest.fixture
def no_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kernel was started for invalid input")

    monkeypatch.setattr("wbreport.kernels.KernelSlot.start", refuse)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rejected(name: str, tmp_path: Path, no_kernels: None) -> None:
    built = _build(name, tmp_path)
    out = tmp_path / "out"
    try:
        result = CliRunner().invoke(app, _run_args(built, out))
    finally:
        if built.hold:
            built.hold()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    _assert_rejected(tmp_path, built, out, result.exit_code, result.stdout + result.stderr)


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_rejected_by_the_command(name: str, tmp_path: Path) -> None:
    built = _build(name, tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "COLUMNS": "200"}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "wbreport", *_run_args(built, out)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )
    finally:
        if built.hold:
            built.hold()
    _assert_rejected(tmp_path, built, out, proc.returncode, proc.stdout + proc.stderr)
