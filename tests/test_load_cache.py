"""Fast loading: the validated-package cache, and validation on distinct values.

The cache only serves packages of at least ``CACHE_MIN_BYTES``; these tests lower the
threshold and use a private cache folder.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pandas as pd
import pytest

import wbreport.cache as store
import wbreport.validate
from tests.conftest import write_csv_package
from tests.formats import to_xlsx
from wbreport.errors import Problem, ValidationError
from wbreport.package import Package, load_package
from wbreport.rawpackage import RawPackage

ACTIVITIES = [
    dict(activity_id="A1", type="training", module="Interview Techniques", partner="AL"),
    dict(
        activity_id="A2",
        type="train_the_trainers",
        module="Inclusion",
        partner="RS",
        led_by_certified_trainer="TRUE",
    ),
    dict(activity_id="R1", scope="regional", partner="WB", delivery="virtual"),
]
PARTICIPATION = [
    dict(activity_id="A1", partner="AL", participants="12", women="7"),
    dict(activity_id="A2", partner="RS", participants="9", women="4", certified_trainers="3"),
    dict(activity_id="R1", partner="BA", participants="5", women="5"),
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WBREPORT_CACHE_DIR", str(folder))
    monkeypatch.delenv("WBREPORT_NO_CACHE", raising=False)
    monkeypatch.setattr(store, "CACHE_MIN_BYTES", 0)
    return folder


@pytest.fixture
def package(make_package) -> Path:
    return make_package(activities=ACTIVITIES, participation=PARTICIPATION)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pkl")) if folder.exists() else []


def no_validation(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make validation fail loudly if it runs; returns a list counting the calls."""
    calls: list[int] = []

    def refuse(raw: RawPackage) -> list[Problem]:
        calls.append(1)
        raise AssertionError("validation ran although the cache should have served")

    monkeypatch.setattr(wbreport.validate, "validate_raw", refuse)
    return calls


def assert_same(a: Package, b: Package) -> None:
    for name in ("activities", "participation", "milestones", "tools", "targets"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=True)
        assert getattr(a, name).attrs == getattr(b, name).attrs
    assert (a.source, a.fingerprint) == (b.source, b.fingerprint)


def test_second_load_comes_from_the_cache_and_is_identical(
    cache: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_package(package)
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600
    no_validation(monkeypatch)
    assert_same(load_package(package), first)


def test_cached_package_equals_an_uncached_load(
    cache: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_package(package)
    cached = load_package(package)
    monkeypatch.setenv("WBREPORT_NO_CACHE", "1")
    assert_same(cached, load_package(package))


def test_changed_file_is_validated_again(cache: Path, package: Path) -> None:
    load_package(package)
    path = package / "participation.csv"
    path.write_text(path.read_text().replace("A2,RS,9,4,3", "A2,RS,9,40,3"))
    with pytest.raises(ValidationError) as info:
        load_package(package)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "women")]


def test_problems_are_never_cached(cache: Path, make_package) -> None:
    bad = make_package(activities=[dict(activity_id="A1", type="lecture")])
    for _ in range(2):
        with pytest.raises(ValidationError):
            load_package(bad)
    assert entries(cache) == []


def test_corrupt_entry_is_ignored_and_rebuilt(cache: Path, package: Path) -> None:
    first = load_package(package)
    (entry,) = entries(cache)
    entry.write_bytes(b"not a pickle")
    assert_same(load_package(package), first)
    (entry,) = entries(cache)
    assert pickle.loads(entry.read_bytes())["format"] == store.CACHE_FORMAT


def test_entry_writable_by_others_is_not_trusted(
    cache: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_package(package)
    (entry,) = entries(cache)
    os.chmod(entry, 0o666)
    validate = wbreport.validate.validate_raw
    calls: list[int] = []
    monkeypatch.setattr(
        wbreport.validate, "validate_raw", lambda raw: calls.append(1) or validate(raw)
    )
    load_package(package)
    assert calls == [1]


def test_cache_can_be_disabled(cache: Path, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WBREPORT_NO_CACHE", "1")
    load_package(package)
    assert not cache.exists()


def test_small_packages_are_not_cached(
    tmp_path: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WBREPORT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WBREPORT_NO_CACHE", raising=False)
    load_package(package)
    assert not (tmp_path / "cache").exists()


def test_entries_are_bounded(cache: Path, make_package, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "CACHE_MAX_ENTRIES", 2)
    for i in range(4):
        load_package(make_package(activities=[dict(activity_id=f"A{i}")]))
    assert len(entries(cache)) == 2


def test_workbook_is_cached_too(
    cache: Path, package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = to_xlsx(package, tmp_path / "p.xlsx")
    first = load_package(workbook)
    assert len(entries(cache)) == 1
    no_validation(monkeypatch)
    assert_same(load_package(workbook), first)


# --- validation on distinct values: behaviour at the edges ------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("activities", "activity_id"),
        ("activities", "type"),
        ("activities", "scope"),
        ("activities", "partner"),
        ("activities", "start_date"),
        ("activities", "end_date"),
        ("participation", "activity_id"),
        ("participation", "partner"),
        ("participation", "participants"),
        ("milestones", "status"),
        ("tools", "status"),
    ],
)
def test_missing_column_used_by_a_cross_check_is_a_problem_not_a_traceback(
    make_package, table: str, column: str
) -> None:
    folder = make_package(activities=ACTIVITIES, participation=PARTICIPATION)
    path = folder / f"{table}.csv"
    header, rest = path.read_text().split("\n", 1)
    path.write_text(header.replace(column, "renamed", 1) + "\n" + rest)
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    assert any(
        p.source == f"{table}.csv"
        and p.row == 1
        and p.column == column
        and "required column is missing" in p.allowed
        for p in info.value.problems
    )


def test_column_repeated_after_trimming_is_a_problem_not_a_traceback(make_package) -> None:
    folder = make_package(activities=ACTIVITIES)
    path = folder / "activities.csv"
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([lines[0] + ", title"] + [line + ",again" for line in lines[1:]]) + "\n"
    )
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    assert [(p.row, p.column, p.allowed) for p in info.value.problems] == [
        (1, "title", "column names must be unique (column 13)")
    ]


def test_all_numeric_or_boolean_looking_columns_stay_text(make_package) -> None:
    # pandas may read a column whose values all look like numbers or booleans as such.
    rows = [dict(activity_id=f"A{i}", title="01", organisers="1.50") for i in range(3)]
    package = load_package(make_package(activities=rows))
    assert package.activities["title"].tolist() == ["01"] * 3
    assert package.activities["organisers"].tolist() == ["1.50"] * 3

    rows = [dict(activity_id=f"A{i}", scope="TRUE", module="007") for i in range(2)]
    with pytest.raises(ValidationError) as info:
        load_package(make_package(activities=rows))
    shown = {(p.row, p.column): p.value for p in info.value.problems}
    assert shown[(2, "scope")] == "TRUE"

    rows = [dict(activity_id="A1", type="workshop", start_date="2020", end_date="2020")]
    with pytest.raises(ValidationError) as info:
        load_package(make_package(activities=rows))
    assert {p.value for p in info.value.problems} == {"2020"}


def test_flags_read_as_booleans_keep_their_meaning(make_package) -> None:
    rows = [
        dict(activity_id="A1", led_by_certified_trainer="TRUE"),
        dict(activity_id="A2", led_by_certified_trainer="false"),
    ]
    package = load_package(make_package(activities=rows))
    assert package.activities["led_by_certified_trainer"].tolist() == [True, False]


def test_long_identifier_columns_report_exactly_the_bad_rows(tmp_path: Path) -> None:
    # Over a thousand distinct identifiers take the joined-text fast path; any doubt
    # falls back to checking each value.
    activities = [dict(activity_id=f"A-{i:05d}") for i in range(1500)]
    participation = [dict(activity_id=f"A-{i:05d}") for i in range(1500)]
    clean = write_csv_package(
        tmp_path / "clean", {"activities": activities, "participation": participation}
    )
    assert len(load_package(clean).participation) == 1500
    activities[100]["activity_id"] = "bad id"
    activities[700]["activity_id"] = "x" * 65
    activities[900]["activity_id"] = "é1"
    participation[5]["activity_id"] = "A-99999"
    participation[6]["activity_id"] = "A-00006\nX"
    folder = write_csv_package(
        tmp_path / "pkg", {"activities": activities, "participation": participation}
    )
    with pytest.raises(ValidationError) as info:
        load_package(folder)
    found = [(p.source, p.row, p.value) for p in info.value.problems if p.column == "activity_id"]
    assert ("activities.csv", 102, "bad id") in found
    assert ("activities.csv", 702, "x" * 65) in found
    assert ("activities.csv", 902, "é1") in found
    assert ("participation.csv", 7, "A-99999") in found
    assert any(
        source == "participation.csv" and value == "A-00006\nX" for source, _, value in found
    )
    # Rows referring to the three bad activities are unknown activities too.
    unknown = {row for source, row, value in found if source == "participation.csv"}
    assert {102, 702, 902} <= unknown


def test_participation_checks_use_the_first_valid_activity_row(make_package) -> None:
    activities = [
        dict(activity_id="A1", partner="AL"),
        dict(activity_id="A1", partner="RS"),
        dict(activity_id="T1", type="workshop"),
    ]
    participation = [
        dict(activity_id="A1", partner="RS"),
        dict(activity_id="T1", partner="AL", certified_trainers="2"),
    ]
    with pytest.raises(ValidationError) as info:
        load_package(make_package(activities=activities, participation=participation))
    problems = {(p.source, p.row, p.column): p for p in info.value.problems}
    assert "same as row 2" in problems[("activities.csv", 3, "activity_id")].allowed
    assert problems[("participation.csv", 2, "partner")].allowed.endswith("(AL)")
    assert "train_the_trainers" in problems[("participation.csv", 3, "certified_trainers")].allowed


def test_cache_key_covers_every_module_that_reads_or_judges_a_package() -> None:
    """A validation rule changed in validate_table.py (e.g. ASCII digits only) must not
    leave a package validated under the old rule in the cache: every reader and
    validation module is part of the key."""
    folder = Path(store.__file__).parent
    judged = {p.stem for p in folder.glob("validate*.py")} | {
        p.stem for p in folder.glob("*_reader.py")
    }
    assert judged <= set(store._CODE_MODULES)
