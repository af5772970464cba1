"""Property-based checks of the indicators on random valid packages."""

from __future__ import annotations

import math
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_csv_package
from wbreport.indicators import compute, wide
from wbreport.package import load_package
from wbreport.partners import NATIONAL_CODES
from wbreport.schema import RATIO_INDICATORS

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2021, 6, 30))


@st.composite
def packages(draw: st.DrawFn) -> dict[str, list[dict[str, object]]]:
    activities, participation, milestones, tools = [], [], [], []
    for i in range(draw(st.integers(0, 12))):
        regional = draw(st.booleans())
        kind = draw(st.sampled_from(["training", "train_the_trainers", "workshop"]))
        start = draw(dates)
        end = draw(st.dates(min_value=start, max_value=start + timedelta(days=366)))
        partner = "WB" if regional else draw(st.sampled_from(NATIONAL_CODES))
        activities.append(
            dict(
                activity_id=f"A{i}",
                type=kind,
                module="M" if kind != "workshop" else "",
                scope="regional" if regional else "national",
                partner=partner,
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                delivery=draw(st.sampled_from(["in_person", "virtual", "blended"])),
                status=draw(st.sampled_from(["planned", "delivered", "delivered", "cancelled"])),
                led_by_certified_trainer=draw(st.sampled_from(["true", "false", ""])),
            )
        )
        who = draw(st.sets(st.sampled_from(NATIONAL_CODES), max_size=6)) if regional else {partner}
        for code in sorted(who):
            n = draw(st.integers(0, 40))
            trainers = draw(st.integers(0, n)) if kind == "train_the_trainers" else 0
            participation.append(
                dict(
                    activity_id=f"A{i}",
                    partner=code,
                    participants=n,
                    women=draw(st.integers(0, n)),
                    certified_trainers=trainers,
                )
            )
    for i in range(draw(st.integers(0, 8))):
        status = draw(st.sampled_from(["not_started", "in_progress", "achieved", "dropped"]))
        milestones.append(
            dict(
                milestone_id=f"M{i}",
                partner=draw(st.sampled_from(NATIONAL_CODES)),
                due_date=draw(dates).isoformat(),
                status=status,
                achieved_date=draw(dates).isoformat() if status == "achieved" else "",
            )
        )
    for i in range(draw(st.integers(0, 8))):
        published = draw(st.booleans())
        tools.append(
            dict(
                tool_id=f"T{i % 3}",
                partner=draw(st.sampled_from(NATIONAL_CODES)),
                language=f"{['sq', 'mk', 'en'][i % 3]}" if i < 3 else "hr",
                status="published" if published else "planned",
                published_date=draw(dates).isoformat() if published else "",
            )
        )
    unique_tools = {(t["tool_id"], t["partner"], t["language"]): t for t in tools}
    return dict(
        activities=activities,
        participation=participation,
        milestones=milestones,
        tools=list(unique_tools.values()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=packages(), period=st.sampled_from(["2020Q4", "2021Q1", "2020", "2020-11", "2021H1"]))
def test_region_is_consistent_with_partners(tables, period: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = wide(compute(load_package(write_csv_package(Path(tmp), tables)), period))
    partners, region = table.loc[list(NATIONAL_CODES)], table.loc["WB"]
    for additive in (
        "participants",
        "trainers_certified",
        "certified_trainers_to_date",
        "cascade_sessions",
        "milestones_due",
        "milestones_achieved",
        "milestones_overdue",
        "translations_published",
    ):
        assert region[additive] == partners[additive].sum(), additive
    # A national activity counts for exactly one partner; a regional one once in WB and for
    # each partner that took part, so each partner's regional count is at most the region's.
    national = partners["activities_delivered"] - partners["regional_activities"]
    assert region["activities_delivered"] - region["regional_activities"] == national.sum()
    assert (partners["regional_activities"] <= region["regional_activities"]).all()
    for distinct in ("tools_available", "languages_covered"):
        assert partners[distinct].max() <= region[distinct] <= partners[distinct].sum()
    for ratio in RATIO_INDICATORS:
        values = table[ratio].to_numpy()
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all(), ratio
    assert (table["milestones_achieved"] <= table["milestones_due"]).all()
    for code in table.index:
        row = table.loc[code]
        assert math.isnan(row["women_share"]) == (row["participants"] == 0)
        assert math.isnan(row["virtual_share"]) == (row["activities_delivered"] == 0)
        assert row["regional_activities"] <= row["activities_delivered"]
