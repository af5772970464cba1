"""docs/scheduling.md: the wrapper script it gives acts on wbreport's exit codes and JSON."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.reporting import wbreport

DOC = Path(__file__).resolve().parent.parent / "docs" / "scheduling.md"


def _script() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    (wrapper,) = [b for b in blocks if "wbreport-scheduled" in b]
    return wrapper


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


SUMMARY = {
    "exit_code": 1,
    "periods": [
        {
            "period": "2021Q4",
            "folder": "/out/2021Q4",
            "index": "/out/2021Q4/index.html",
            "jobs": [
                {"partner": "AL", "kind": "programming", "lang": "en", "status": "ok",
                 "seconds": 4.0, "error": None, "cell": None, "carried_from": None,
                 "paths": {"html": "/out/2021Q4/AL.html", "log": "/out/2021Q4/logs/AL.log"}},
                {"partner": "RS", "kind": "evaluation", "lang": "sr-Latn", "status": "failed",
                 "seconds": 2.0, "error": "ValueError: boom", "cell": 7,
                 "carried_from": "2026-01-01T06:15:00Z",
                 "paths": {"log": "/out/2021Q4/logs/RS.evaluation.sr-Latn.log"}},
            ],
        }
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "summary", "alerted", "wrapper_exit"),
    [
        (0, {"exit_code": 0, "periods": []}, None, 0),
        (1, SUMMARY, "RS evaluation sr-Latn failed ValueError: boom", 1),
        (2, {"exit_code": 2, "errors": ["activities.csv row 3: bad"], "periods": []}, "row 3", 2),
        (3, {"exit_code": 3, "errors": ["locked"], "periods": []}, None, 0),
    ],
)
def test_wrapper_alerts_on_failures_and_invalid_input(
    tmp_path: Path, code: int, summary: dict[str, object], alerted: str | None, wrapper_exit: int
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    _executable(
        bin_dir / "wbreport",
        f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat {tmp_path}/summary.json\nexit {code}\n',
    )
    alerts = tmp_path / "alerts.txt"
    alert = _executable(bin_dir / "alert", f"#!/bin/sh\ncat >> {alerts}\n")
    wrapper = _executable(tmp_path / "wbreport-scheduled", _script())
    (tmp_path / "project").mkdir()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "WBREPORT_PROJECT": str(tmp_path / "project"),
        "WBREPORT_DATA": "/srv/data",
        "WBREPORT_OUT": str(tmp_path / "out"),
        "WBREPORT_ALERT": str(alert),
    }
    done = subprocess.run([str(wrapper)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == wrapper_exit, done.stderr
    args = (tmp_path / "args").read_text(encoding="utf-8").split()
    assert args[:2] == ["run", "--data"] and "--json" in args and str(tmp_path / "out") in args
    kept = json.loads((tmp_path / "out" / "last-run.json").read_text(encoding="utf-8"))
    assert kept == summary
    if alerted is None:
        assert not alerts.exists()
    else:
        assert alerted in alerts.read_text(encoding="utf-8")
        assert "2021Q4 AL" not in alerts.read_text(encoding="utf-8")  # only what failed


def test_doc_names_the_exit_codes_lock_logs_and_json() -> None:
    text = DOC.read_text(encoding="utf-8")
    for needle in ("`0`", "`1`", "`2`", "`3`", ".wbreport.lock", "logs/", "--json", "OnCalendar"):
        assert needle in text
    assert re.search(
        r"^\s*15 6 \* \* \*\s+wbreport\s+/usr/local/bin/wbreport-scheduled", text, re.M
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--jobs", "many"], "Invalid value for '--jobs'"),
        (["--bogus"], "No such option: --bogus"),
    ],
)
def test_command_line_errors_are_one_line_and_keep_the_json_summary(
    args: list[str], words: str
) -> None:
    """What the command line parser refuses is reported like every other error: one line
    ``error: … (see '… --help')`` on stderr, exit 2, and with ``--json`` the summary on
    stdout, so a scheduler that parses stdout never meets an empty one (the path case is in
    tests/test_permissions.py)."""
    done = wbreport("run", *args, "--json")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and "(see '" in done.stderr and "run --help')" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["exit_code"] == 2 and words in summary["errors"][0]
    assert summary["periods"] == []
