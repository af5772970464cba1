"""The indicators' array views: from loading's column codes and from hashing agree."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from wbreport.arrays import Arrays, _Columns, arrays
from wbreport.package import load_package, package_parts
from wbreport.project import sample_data_path
from wbreport.readers import read_package
from wbreport.validate import validate_raw


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal codes exactly where equal codes (the numbering may differ)."""
    return bool(np.array_equal(pd.factorize(a)[0], pd.factorize(b)[0]))


def _fields(views: object) -> dict[str, object]:
    return {f.name: getattr(views, f.name) for f in dataclasses.fields(views)}  # type: ignore[arg-type]


def _assert_same(got: object, want: object, where: str = "") -> None:
    for name, value in _fields(want).items():
        other = _fields(got)[name]
        if dataclasses.is_dataclass(value):
            _assert_same(other, value, f"{where}{name}.")
        elif name in ("t_tool", "t_language"):
            assert _same_partition(other, value), f"{where}{name}"
        else:
            assert np.array_equal(other, value, equal_nan=value.dtype.kind in "fM"), (
                f"{where}{name}"
            )


@pytest.fixture(scope="module")
def loaded():
    raw = read_package(sample_data_path())
    assert validate_raw(raw) == []
    parts = package_parts(raw)
    return load_package(None), {name: columns for name, (columns, _, _) in parts.items()}


def test_views_from_loading_codes_equal_views_from_hashing(loaded) -> None:
    package, _ = loaded
    from_codes = arrays(package)  # built by load_package from the columns' codes
    hashed = arrays(dataclasses.replace(package))  # a fresh package: factorised here
    assert isinstance(from_codes, Arrays) and from_codes is not hashed
    _assert_same(from_codes, hashed)
    assert (from_codes.r_pos >= 0).all() and (from_codes.evaluations.pos >= 0).all()


def test_loading_shares_activity_ids_so_nothing_is_hashed(loaded, monkeypatch) -> None:
    package, factors = loaded
    ids = factors["activities"]["activity_id"][0]
    assert factors["participation"]["activity_id"][0] is ids
    assert factors["evaluations"]["activity_id"][0] is ids

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("text hashed although loading's codes were given")

    monkeypatch.setattr(pd, "factorize", refuse)
    monkeypatch.setattr(pd.Index, "get_indexer", refuse)
    columns = _Columns(dataclasses.replace(package), factors)
    positions = columns.activity_positions("participation")
    act_ids = package.activities["activity_id"].to_numpy(dtype=object)
    part_ids = package.participation["activity_id"].to_numpy(dtype=object)
    assert (act_ids[positions] == part_ids).all()


def test_positions_match_ids_factorised_apart(loaded) -> None:
    package, factors = loaded
    ids, codes = factors["participation"]["activity_id"]
    order = np.arange(len(ids))[::-1]  # the same ids, another numbering and another array
    apart = {
        **factors,
        "participation": {
            **factors["participation"],
            "activity_id": (ids[order].copy(), np.argsort(order)[codes]),
        },
    }
    got = _Columns(package, apart).activity_positions("participation")
    assert np.array_equal(got, arrays(package).r_pos)
