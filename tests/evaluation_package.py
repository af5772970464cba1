"""Evaluations and follow-ups on top of the hand-made package (tests/handmade.py), with
rows resting on fewer than 5 people (disclosure control) and rows without tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import handmade


def _ev(aid: str, partner: str, ratings: tuple[int, ...], **rest: Any) -> dict[str, Any]:
    row = {"activity_id": aid, "partner": partner, "respondents": sum(ratings)}
    row.update({f"satisfaction_{k}": n for k, n in enumerate(ratings, 1)})
    defaults = {"useful": 0, "pre_tested": 0, "post_tested": 0, "passed": 0}
    defaults.update({"pre_score_mean": "", "post_score_mean": ""})
    return {**row, **defaults, **rest}


#: 2020Q4: AL has Inclusion (A1 + A2: 11 respondents), Interview (A3: 4, suppressed) and a
#: workshop without module (A7: 5); RS has A7 and A9. A6 (AL) ends in 2021Q1. RS's
#: follow-ups in 2020Q4 rest on 3 people: applying_share is suppressed.
EVALUATIONS = [
    _ev("A1", "AL", (0, 1, 1, 3, 3), useful=7, pre_tested=8, post_tested=8,
        pre_score_mean=55.5, post_score_mean=72, passed=6),
    _ev("A2", "AL", (0, 0, 1, 1, 1), useful=2, post_tested=3, post_score_mean=70, passed=2),
    _ev("A3", "AL", (0, 0, 0, 2, 2), useful=4, pre_tested=4, post_tested=4,
        pre_score_mean=40, post_score_mean=60, passed=3),
    _ev("A7", "AL", (1, 1, 1, 1, 1), useful=3),
    _ev("A7", "RS", (0, 0, 2, 2, 2), useful=5, pre_tested=6, post_tested=6,
        pre_score_mean=50, post_score_mean=65, passed=5),
    _ev("A9", "RS", (0, 1, 2, 6, 6), useful=12, pre_tested=15, post_tested=14,
        pre_score_mean=60, post_score_mean=75, passed=12),
    _ev("A6", "AL", (0, 0, 1, 4, 4), useful=8, pre_tested=9, post_tested=9,
        pre_score_mean=50, post_score_mean=70, passed=8),
]  # fmt: skip
FOLLOWUPS = [
    {"activity_id": "A1", "partner": "AL", "survey_date": "2020-12-15", "respondents": 6,
     "applying": 4},
    {"activity_id": "A5", "partner": "AL", "survey_date": "2020-12-20", "respondents": 2,
     "applying": 1},
    {"activity_id": "A7", "partner": "RS", "survey_date": "2020-11-30", "respondents": 3,
     "applying": 2},
    {"activity_id": "A9", "partner": "RS", "survey_date": "2021-03-01", "respondents": 10,
     "applying": 7},
]  # fmt: skip
TARGETS = [
    {"indicator": "satisfied_share", "partner": "AL", "baseline": 0.5, "target": 0.8},
    {"indicator": "pass_rate", "partner": "AL", "baseline": 0.5, "target": 0.9},
]


def make(make_package: Callable[..., Path], **extra: Any) -> Path:
    """The hand-made package with the evaluation tables (``extra`` overrides tables)."""
    tables = {
        "activities": handmade.ACTIVITIES,
        "participation": handmade.PARTICIPATION,
        "milestones": handmade.MILESTONES,
        "tools": handmade.TOOLS,
        "targets": handmade.TARGETS + TARGETS,
        "evaluations": EVALUATIONS,
        "followups": FOLLOWUPS,
    }
    tables.update(extra)
    return make_package(**tables)
