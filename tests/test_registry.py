"""The indicator registry drives every consumer: the CSV rows and their number format, the
report's key figures and comparison, the period index, demo targets and the catalogues.

The second half adds an indicator to the registry alone (as the recipe in
docs/architecture.md says) and checks that the consumers that read facts at call time pick
it up without any other change.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest

from wbreport import registry
from wbreport.config import Settings
from wbreport.demo import generate
from wbreport.index import index_context
from wbreport.indicators import indicator_table
from wbreport.package import load_package
from wbreport.registry import BUILTIN, BUILTIN_NAMES, Indicator
from wbreport.targets import format_row, to_csv_text


def test_csv_rows_follow_the_registry_order(handmade_package: Path) -> None:
    table = indicator_table(load_package(handmade_package), "2020Q4", Settings())
    rows = list(csv.DictReader(io.StringIO(to_csv_text(table))))
    per_partner = [r["indicator"] for r in rows if r["partner"] == "AL"]
    assert per_partner[: len(BUILTIN_NAMES)] == list(BUILTIN_NAMES)


def test_csv_numbers_follow_the_registry_units(handmade_package: Path) -> None:
    table = indicator_table(load_package(handmade_package), "2020Q4", Settings())
    rows = list(csv.DictReader(io.StringIO(to_csv_text(table))))
    for row in rows:
        info = registry.get(row["indicator"])
        if not row["value"] or info.kind == "custom":
            continue
        decimals = len(row["value"].partition(".")[2])
        assert decimals == (info.decimals or 0), row


def test_demo_targets_name_only_registry_indicators() -> None:
    targets = generate(1, seed=0)["targets"]
    assert set(targets["indicator"]) <= set(BUILTIN_NAMES) | set(
        generate(1, seed=0)["indicator_definitions"]["indicator"]
    )
    # every indicator with a period target in the registry's groups gets some
    assert {i.name for i in BUILTIN if not i.lower_is_better} <= set(targets["indicator"])


EXTRA = Indicator(
    "interpreters_trained",
    "Interpreters trained",
    "count",
    "additive",
    index=True,
    comparison=True,
)


@pytest.fixture
def extra_indicator(monkeypatch: pytest.MonkeyPatch) -> Indicator:
    """The registry with one more indicator, as a developer following the recipe adds it."""
    monkeypatch.setattr(registry, "BUILTIN", (*registry.BUILTIN, EXTRA))
    monkeypatch.setattr(registry, "_BY_NAME", {**registry._BY_NAME, EXTRA.name: EXTRA})
    return EXTRA


def test_a_new_indicator_reaches_the_index(tmp_path: Path, extra_indicator: Indicator) -> None:
    (tmp_path / "indicators.csv").write_text(
        "period,partner,indicator,value,baseline,target,achievement,rag\n"
        f"2021Q4,AL,{extra_indicator.name},7,0,10,0.7000,amber\n",
        encoding="utf-8",
    )
    manifest = {
        "period": "2021Q4",
        "jobs": [
            {"partner": "AL", "kind": "programming", "lang": "en", "status": "ok",
             "paths": {"html": "AL.html"}},
        ],
    }  # fmt: skip
    context = index_context(tmp_path, manifest)
    assert context["labels"][-1] == "Interpreters trained"
    figure = context["partners"][0]["figures"][-1]
    assert figure["value"] == "7" and figure["rag"] == "amber"


def test_a_new_indicator_is_formatted_from_its_registry_entry(
    extra_indicator: Indicator,
) -> None:
    row = dict.fromkeys(
        ["period", "partner", "indicator", "value", "baseline", "target", "achievement", "rag"]
    )
    row.update(period="2021Q4", partner="AL", indicator=extra_indicator.name, value=12.0)
    assert format_row(row)["value"] == "12"
    share = dataclasses.replace(extra_indicator, name="extra_share", unit="share", kind="ratio")
    registry._BY_NAME[share.name] = share
    assert format_row({**row, "indicator": "extra_share", "value": 0.5})["value"] == "0.5000"


def test_a_new_indicator_is_selected_for_comparison_and_index(
    extra_indicator: Indicator,
) -> None:
    assert extra_indicator in registry.selected(comparison=True)
    assert extra_indicator in registry.selected(index=True)
    assert extra_indicator in registry.selected(group="programming", key_figure=True)
