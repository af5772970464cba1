"""Warm kernels are reused between reports, yet a report rendered in a batch is the report
rendered alone, and nothing one report does to its kernel is visible to the next (issue 7).

``test_leak_is_caught_when_kernels_are_not_reset`` turns ``reset_kernel`` off and checks
that the leak test then fails: the isolation test is shown to have teeth on every run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wbreport.kernels
from tests.reporting import jobs_by_partner, notebook_with_cell
from wbreport.batch import RunOptions, plan_and_run
from wbreport.naming import report_file

pytestmark = pytest.mark.slow

PERIOD = "2021Q4"
GENERATED = re.compile(r"Generated [^<]*? \d{1,2}:\d{2} UTC")  # any locale's date format


def normalised(html: Path) -> str:
    """The page without its generation time, the only thing allowed to differ."""
    return GENERATED.sub("Generated <time>", html.read_text(encoding="utf-8"))


@pytest.mark.longest
def test_report_in_a_batch_equals_the_report_rendered_alone(tmp_path: Path) -> None:
    # One kernel (jobs=1) renders the reports of four partners in turn (both kinds, English:
    # other languages share their execution), reset between them ...
    batch = plan_and_run(
        RunOptions(
            period=PERIOD,
            partners=["WB", "AL", "BA", "XK"],
            languages=["en"],
            out=tmp_path / "batch",
            jobs=1,
        )
    )
    assert batch.exit_code == 0
    folder = batch.periods[0].folder
    jobs = jobs_by_partner(folder)
    assert len({j["worker"] for j in jobs.values()}) == 1  # the same warm kernel throughout
    # ... and each of the later ones alone, in a kernel of its own.
    for code in ("BA", "XK"):
        alone = plan_and_run(
            RunOptions(
                period=PERIOD,
                partners=[code],
                languages=["en"],
                out=tmp_path / code,
                jobs=1,
                reuse_kernels=False,
            )
        )
        assert alone.exit_code == 0
        for kind in ("programming", "evaluation"):
            name = report_file(code, kind)
            assert normalised(folder / name) == normalised(alone.periods[0].folder / name), name


LEAK = """
import os, sys, matplotlib
if partner == "AL":
    LEAKED_GLOBAL = "set by AL"
    os.environ["WBREPORT_LEAKED"] = "set by AL"
    os.chdir("/")
    matplotlib.rcParams["font.size"] = 31
    sys.path.append("/leaked-by-AL")
    import wbreport.partners as _p
if partner == "BA":
    seen = []
    if "LEAKED_GLOBAL" in globals() or "_p" in globals():
        seen.append("a global")
    if "WBREPORT_LEAKED" in os.environ:
        seen.append("an environment variable")
    if os.path.realpath(os.getcwd()) != {cwd!r}:
        seen.append("the working directory")
    if matplotlib.rcParams["font.size"] == 31:
        seen.append("a matplotlib rcParam")
    if "/leaked-by-AL" in sys.path:
        seen.append("sys.path")
    assert not seen, "state left by AL is visible: " + ", ".join(seen)
"""


def _leak_run(tmp_path: Path) -> dict[str, dict]:
    folder = tmp_path / "nb"
    notebook = notebook_with_cell(folder, LEAK.replace("{cwd!r}", repr(str(folder.resolve()))))
    result = plan_and_run(
        RunOptions(
            period=PERIOD, partners=["AL", "BA"], out=tmp_path / "out", jobs=1, notebook=notebook
        )
    )
    jobs = jobs_by_partner(result.periods[0].folder)
    assert jobs["AL"]["worker"] == jobs["BA"]["worker"]  # one kernel: AL ran, then BA in it
    assert jobs["AL"]["status"] == "ok", jobs["AL"]
    return jobs


def test_state_left_by_one_report_is_invisible_to_the_next(tmp_path: Path) -> None:
    jobs = _leak_run(tmp_path)
    assert jobs["BA"]["status"] == "ok", jobs["BA"]["error"]


def test_leak_is_caught_when_kernels_are_not_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same run with ``reset_kernel`` switched off: BA sees everything AL left behind."""
    monkeypatch.setattr(wbreport.kernels, "RESET", "None  # reset disabled: {cwd}")
    jobs = _leak_run(tmp_path)
    assert jobs["BA"]["status"] == "failed"
    for what in (
        "a global",
        "an environment variable",
        "the working directory",
        "a matplotlib rcParam",
        "sys.path",
    ):
        assert what in jobs["BA"]["error"], jobs["BA"]["error"]
