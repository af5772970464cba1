"""Property-based checks of to-date values and disclosure control (SPEC §8, §9) on random
valid packages with evaluations and follow-ups."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_csv_package
from tests.test_properties import packages
from wbreport.config import Programme, Settings
from wbreport.indicators import indicator_table
from wbreport.package import load_package
from wbreport.registry import BUILTIN
from wbreport.schema import EVALUATED_TYPES
from wbreport.targets import published, to_csv_text

ADDITIVE = [i.name for i in BUILTIN if i.kind == "additive"]
STOCK = [i.name for i in BUILTIN if i.is_stock]
PERIODS = ["2020Q4", "2021Q1", "2020", "2020-11", "2021H1"]


@st.composite
def with_evaluations(draw: st.DrawFn) -> dict[str, list[dict[str, object]]]:
    tables = draw(packages())
    kinds = {a["activity_id"]: a for a in tables["activities"]}
    evaluations, followups = [], []
    for row in tables["participation"]:
        activity = kinds[row["activity_id"]]
        if activity["status"] != "delivered" or activity["type"] not in EVALUATED_TYPES:
            continue
        people = int(row["participants"])
        key = dict(activity_id=row["activity_id"], partner=row["partner"])
        if draw(st.booleans()):
            respondents = draw(st.integers(0, people))
            cuts = sorted(draw(st.lists(st.integers(0, respondents), min_size=4, max_size=4)))
            split = np.diff([0, *cuts, respondents]).tolist()
            pre, post = draw(st.integers(0, people)), draw(st.integers(0, people))
            score = st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2))
            evaluations.append(
                dict(
                    **key,
                    respondents=respondents,
                    **{f"satisfaction_{k}": s for k, s in enumerate(split, start=1)},
                    useful=draw(st.integers(0, respondents)),
                    pre_tested=pre,
                    post_tested=post,
                    pre_score_mean=draw(score) if pre else "",
                    post_score_mean=draw(score) if post else "",
                    passed=draw(st.integers(0, post)),
                )
            )
        end = date.fromisoformat(str(activity["end_date"]))
        for lag in sorted(draw(st.sets(st.integers(0, 200), max_size=2))):
            respondents = draw(st.integers(0, people))
            followups.append(
                dict(
                    **key,
                    survey_date=(end + timedelta(days=lag)).isoformat(),
                    respondents=respondents,
                    applying=draw(st.integers(0, respondents)),
                )
            )
    return {**tables, "evaluations": evaluations, "followups": followups}


def table_of(tables: dict, period: str, start: date, threshold: int = 5) -> pd.DataFrame:
    config = Settings(min_respondents=threshold, programme=Programme(start))
    with tempfile.TemporaryDirectory() as tmp:
        package = load_package(write_csv_package(Path(tmp), tables))
        return indicator_table(package, period, config)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


RUNS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RUNS
@given(
    tables=with_evaluations(),
    period=st.sampled_from(PERIODS),
    start=st.dates(min_value=date(2018, 1, 1), max_value=date(2021, 12, 31)),
)
def test_to_date_of_additive_at_least_value_and_stock_equals_value(
    tables: dict, period: str, start: date
) -> None:
    table = table_of(tables, period, start).set_index(["partner", "indicator"])
    from wbreport.periods import parse_period

    covers = start <= parse_period(period).start  # the to-date window contains P
    for (code, name), row in table.iterrows():
        if name in ADDITIVE and covers:
            assert row["to_date"] >= row["value"], (code, name, row["to_date"], row["value"])
        if name in ADDITIVE:
            assert row["to_date"] >= 0
        if name in STOCK:
            assert same(row["to_date"], row["value"]), (code, name)


@RUNS
@given(
    tables=with_evaluations(),
    period=st.sampled_from(PERIODS),
    threshold=st.integers(1, 12),
)
def test_suppression_never_leaks_a_small_figure(tables: dict, period: str, threshold: int) -> None:
    raw = table_of(tables, period, date(2019, 1, 1), threshold)
    shown = published(raw)
    rows = list(csv.DictReader(io.StringIO(to_csv_text(raw))))
    for i, (r, s, text) in enumerate(
        zip(raw.to_dict("records"), shown.to_dict("records"), rows, strict=True)
    ):
        for n, columns in (
            ("n", ("value", "achievement", "rag")),
            ("to_date_n", ("to_date", "to_date_achievement", "to_date_rag")),
        ):
            small = not math.isnan(r[n]) and 0 < r[n] < threshold
            if small:
                assert all(text[c] == "" for c in columns), (i, r["indicator"], text)
                assert math.isnan(s[columns[0]]) and s[columns[2]] == ""
            else:
                assert same(s[columns[0]], r[columns[0]]), (i, r["indicator"])
        assert text["baseline"] == ("" if math.isnan(r["baseline"]) else text["baseline"])
        if r["indicator"] == "evaluation_response_rate":
            assert not r["suppressed"]


@RUNS
@given(tables=with_evaluations(), period=st.sampled_from(PERIODS))
def test_evaluation_figures_stay_in_their_ranges(tables: dict, period: str) -> None:
    table = table_of(tables, period, date(2019, 1, 1)).set_index(["partner", "indicator"])
    for (code, name), row in table.iterrows():
        value = row["value"]
        if math.isnan(value):
            continue
        if name == "satisfaction_mean":
            assert 1 <= value <= 5 + 1e-12
        elif name in ("satisfied_share", "useful_share", "pass_rate", "applying_share"):
            assert 0 <= value <= 1 + 1e-12, (code, name)
        elif name == "knowledge_gain":
            assert -100 - 1e-9 <= value <= 100 + 1e-9
        elif name == "evaluation_response_rate":
            assert 0 <= value <= 1 + 1e-12
    region = np.nan_to_num(table.loc[("WB", "satisfaction_mean"), "n"])
    for code in ("AL", "BA", "XK", "ME", "MK", "RS"):
        assert np.nan_to_num(table.loc[(code, "satisfaction_mean"), "n"]) <= region
