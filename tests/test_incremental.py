"""Incremental runs: a report is re-rendered only when its inputs changed (issue 7).

A job's key hashes wbreport's own source, the data files, the notebook, defaults.yaml, the
partner's narrative, the period, the partner and extra parameters; a rerun whose key
matches the published one carries the report over (status ``skipped``) without starting
a kernel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wbreport.kernels
import wbreport.pipeline
from tests.conftest import built_once
from tests.reporting import jobs_by_partner, read_manifest
from wbreport.batch import RunOptions, default_params, plan_and_run
from wbreport.project import sample_data_path

pytestmark = pytest.mark.slow

PERIOD = "2021Q4"
PARTNERS = ["AL", "BA", "WB"]


def _first_run(folder: Path) -> None:
    """The sample's data and params, and a first run of PARTNERS over them."""
    shutil.copytree(
        sample_data_path(), folder / "data", ignore=shutil.ignore_patterns("*.md", "*.py")
    )
    shutil.copytree(default_params(), folder / "params")
    first = run(_paths(folder))
    assert set(statuses(first).values()) == {"ok"}


def _paths(folder: Path) -> dict[str, Path]:
    return {"data": folder / "data", "params": folder / "params", "out": folder / "out"}


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> dict[str, Path]:
    """Private copies of the data, the params and the output folder of a first run of
    PARTNERS (made once per session and copied: every test here starts after one)."""
    shutil.copytree(
        built_once(tmp_path_factory, "incremental-first-run", _first_run),
        tmp_path,
        symlinks=True,
        dirs_exist_ok=True,
    )
    return _paths(tmp_path)


def run(project: dict[str, Path], **options: object) -> Path:
    options.setdefault("kinds", ["programming"])  # kinds and languages: tests/test_kinds.py
    options.setdefault("languages", ["en"])
    result = plan_and_run(
        RunOptions(
            data=project["data"],
            params_dir=project["params"],
            out=project["out"],
            period=PERIOD,
            partners=PARTNERS,
            **options,
        )
    )  # type: ignore[arg-type]
    assert result.exit_code == 0
    return result.periods[0].folder


def statuses(folder: Path) -> dict[str, str]:
    return {code: job["status"] for code, job in jobs_by_partner(folder).items()}


def test_unchanged_rerun_skips_everything_without_a_kernel(
    project: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = project["out"] / PERIOD
    assert set(statuses(first).values()) == {"ok"}
    before = {code: (first / f"{code}.html").read_bytes() for code in PARTNERS}

    monkeypatch.setattr(wbreport.pipeline, "make_executor", _forbidden)
    monkeypatch.setattr(wbreport.kernels.KernelSlot, "start", _forbidden)
    second = run(project)
    assert statuses(second) == dict.fromkeys(PARTNERS, "skipped")
    assert {code: (second / f"{code}.html").read_bytes() for code in PARTNERS} == before
    assert (second / "index.html").is_file() and (second / "indicators.csv").is_file()
    monkeypatch.undo()

    # The same rerun from the command line, as analysts run it: timed, not asserted.
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wbreport",
            "run",
            "--data",
            str(project["data"]),
            "--params",
            str(project["params"]),
            "--out",
            str(project["out"]),
            "--period",
            PERIOD,
            "--partners",
            ",".join(PARTNERS),
            "--kinds",
            "programming",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    print(
        f"\nunchanged rerun of {len(PARTNERS)} reports (wbreport run, all skipped): "
        f"{seconds:.2f} s wall"
    )
    third = project["out"] / PERIOD
    assert statuses(third) == dict.fromkeys(PARTNERS, "skipped")


def _forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("an unchanged rerun must not build an executor or start a kernel")


def test_changed_narrative_rerenders_only_that_report(project: dict[str, Path]) -> None:
    first = project["out"] / PERIOD
    old_index = (first / "index.html").read_text(encoding="utf-8")
    old_al = (first / "AL.html").read_bytes()
    narrative = project["params"] / PERIOD / "BA.yaml"
    narrative.write_text(
        "highlights: |\n  - A freshly edited highlight for the test.\n", encoding="utf-8"
    )

    second = run(project)
    assert statuses(second) == {"AL": "skipped", "BA": "ok", "WB": "skipped"}
    assert "A freshly edited highlight for the test." in (second / "BA.html").read_text(
        encoding="utf-8"
    )
    assert (second / "AL.html").read_bytes() == old_al  # carried over, not re-rendered
    index = (second / "index.html").read_text(encoding="utf-8")
    assert index != old_index  # rebuilt for the new set
    assert index.count("Unchanged (reused)") == 2 and "Rendered" in index


def test_a_published_file_edited_or_deleted_since_is_rendered_again(
    project: dict[str, Path],
) -> None:
    """A rerun carried over an AL.html edited by hand, and a set whose executed notebook of
    BA was deleted, as "unchanged": the files are checked against the manifest's sha256."""
    first = project["out"] / PERIOD
    jobs = jobs_by_partner(first)
    assert set(jobs["AL"]["sha256"]) == {"html", "notebook", "log"}
    (first / "AL.html").write_text("<p>tampered</p>", encoding="utf-8")
    (first / jobs["BA"]["paths"]["notebook"]).unlink()
    second = run(project)
    assert statuses(second) == {"AL": "ok", "BA": "ok", "WB": "skipped"}
    assert "tampered" not in (second / "AL.html").read_text(encoding="utf-8")
    assert (second / jobs["BA"]["paths"]["notebook"]).is_file()


def test_force_rerenders_everything(project: dict[str, Path]) -> None:
    forced = run(project, force=True)
    assert statuses(forced) == dict.fromkeys(PARTNERS, "ok")


def test_changed_data_rerenders_everything(project: dict[str, Path]) -> None:
    first = project["out"] / PERIOD
    fingerprint = read_manifest(first)["data"]["sha256"]
    activities = project["data"] / "activities.csv"
    text = activities.read_text(encoding="utf-8")
    activities.write_text(
        text.replace(
            "module training for asylum caseworkers", "module training for asylum case workers", 1
        ),
        encoding="utf-8",
    )
    second = run(project)
    assert read_manifest(second)["data"]["sha256"] != fingerprint
    assert statuses(second) == dict.fromkeys(PARTNERS, "ok")


def test_force_starts_kernels_early_and_stops_them_when_the_run_is_refused(
    project: dict[str, Path],
) -> None:
    """``--force`` starts kernels while data load; invalid data still ends with no kernel."""
    import psutil

    from wbreport.errors import ValidationError

    published = (project["out"] / PERIOD).resolve()
    (project["data"] / "activities.csv").write_text("activity_id\nbroken\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        run(project, force=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        kernels = [
            p
            for p in psutil.Process().children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())
        ]
        if not kernels:
            break
        time.sleep(0.1)
    assert kernels == []
    assert (project["out"] / PERIOD).resolve() == published  # nothing published
