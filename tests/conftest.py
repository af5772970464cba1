"""Shared fixtures: tiny hand-made data packages written as real files."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from wbreport.schema import TABLES_BY_NAME

DEFAULTS: dict[str, dict[str, str]] = {
    "activities": {
        "title": "Activity",
        "type": "workshop",
        "module": "",
        "scope": "national",
        "partner": "AL",
        "start_date": "2020-10-01",
        "end_date": "2020-10-02",
        "delivery": "in_person",
        "status": "delivered",
        "organisers": "",
        "led_by_certified_trainer": "false",
    },
    "participation": {
        "partner": "AL",
        "participants": "10",
        "women": "5",
        "certified_trainers": "0",
    },
    "milestones": {
        "partner": "AL",
        "framework": "first_generation_roadmap",
        "priority_area": "Asylum",
        "description": "",
        "due_date": "2020-06-30",
        "status": "not_started",
        "achieved_date": "",
        "chapter24_ref": "",
    },
    "tools": {
        "title": "Guide",
        "partner": "AL",
        "language": "sq",
        "status": "planned",
        "published_date": "",
    },
    "targets": {"baseline": "", "period": "2020Q4"},
}

Rows = list[dict[str, Any]]


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``name`` made by ``build`` once per test session, even when pytest-xdist
    spreads the tests that use it over several workers: the first worker to ask builds it
    under a lock in the session's shared temporary folder, the others reuse it. Callers
    treat it as read-only (copy it to change it). A failed build is left for the next
    worker to try again."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if base.name.startswith("popen-gw") else base
    folder = shared / f"once-{name}"
    with FileLock(f"{folder}.lock"):
        done = folder / ".built"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def _default_run(folder: Path) -> None:
    from wbreport.batch import RunOptions, plan_and_run

    started = time.perf_counter()
    result = plan_and_run(RunOptions(out=folder / "out"))
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, [r.error for p in result.periods for r in p.results if r.error]
    (period,) = result.periods
    (folder / "period").write_text(period.folder.name, encoding="utf-8")
    print(f"\ndefault run on the sample: {len(period.results)} reports in {seconds:.1f} s")


@pytest.fixture(scope="session")
def default_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published folder of a default ``wbreport run`` on the sample (every kind, every
    partner's languages), rendered once per test session for every xdist worker. Read-only:
    copy it to change it."""
    built = built_once(tmp_path_factory, "default-run", _default_run)
    return (built / "out" / (built / "period").read_text(encoding="utf-8")).resolve()


def write_csv_package(folder: Path, tables: dict[str, Rows], with_targets: bool = True) -> Path:
    """Write ``tables`` (rows with defaults filled in) as a CSV package in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in TABLES_BY_NAME.items():
        if name == "targets" and not with_targets and name not in tables:
            continue
        columns = list(table.column_names)
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in tables.get(name, []):
                full = {**DEFAULTS.get(name, {}), **{k: str(v) for k, v in row.items()}}
                writer.writerow({c: full.get(c, "") for c in columns})
    return folder


@pytest.fixture
def make_package(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**tables: Rows) -> Path:
        return write_csv_package(tmp_path / f"pkg{next(counter)}", tables)

    return make


@pytest.fixture
def handmade_package(make_package: Callable[..., Path]) -> Path:
    """The package of tests/handmade.py as CSV files."""
    from tests import handmade

    return make_package(
        activities=handmade.ACTIVITIES,
        participation=handmade.PARTICIPATION,
        milestones=handmade.MILESTONES,
        tools=handmade.TOOLS,
        targets=handmade.TARGETS,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first: with two workers, a suite that ended on one of them would
    leave the other worker idle for minutes."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)
