"""A small hand-made package with evaluations and follow-ups (SPEC §8), worked out by hand
in test_indicators_evaluation.py for 2020Q4 (2020-10-01 … 2020-12-31).

T1 ends on the first day of the quarter, T2 on the last; T3 ends the day before it (it counts
only to date), T4 the day after (never, in 2020Q4); R1 is regional with a zero-participant
BA row; X1 is an expert meeting (not evaluated: its participants are outside the response
rate's denominator); C1 is cancelled. T2 has no pre-test (it does not contribute to the
knowledge gain) and RS's row gains negative points.
"""

from __future__ import annotations

from typing import Any

ACTIVITIES = [
    dict(activity_id="T1", type="training", module="Inclusion", end_date="2020-10-01"),
    dict(activity_id="T2", type="workshop", end_date="2020-12-31"),
    dict(
        activity_id="T3",
        type="train_the_trainers",
        module="Interview",
        start_date="2020-09-01",
        end_date="2020-09-30",
    ),
    dict(
        activity_id="T4",
        type="training",
        module="Inclusion",
        start_date="2020-12-30",
        end_date="2021-01-01",
    ),
    dict(activity_id="R1", scope="regional", partner="WB", end_date="2020-11-15"),
    dict(activity_id="X1", type="expert_meeting", end_date="2020-11-01"),
    dict(activity_id="C1", type="training", module="Inclusion", status="cancelled"),
    dict(
        activity_id="B1", type="training", module="Inclusion", partner="BA", end_date="2020-11-20"
    ),
]
PARTICIPATION = [
    dict(activity_id="T1", participants=10, women=5),
    dict(activity_id="T2", participants=8, women=4),
    dict(activity_id="T3", participants=7, women=3, certified_trainers=7),
    dict(activity_id="T4", participants=9, women=4),
    dict(activity_id="R1", participants=6, women=3),
    dict(activity_id="R1", partner="BA", participants=0, women=0),
    dict(activity_id="R1", partner="RS", participants=5, women=2),
    dict(activity_id="X1", participants=5, women=2),
    dict(activity_id="C1", participants=0, women=0),
    dict(activity_id="B1", partner="BA", participants=3, women=1),
]


def _evaluation(
    activity: str,
    partner: str,
    satisfaction: tuple[int, int, int, int, int],
    useful: int,
    pre: tuple[int, Any],
    post: tuple[int, Any],
    passed: int,
) -> dict[str, Any]:
    row: dict[str, Any] = dict(activity_id=activity, partner=partner)
    row["respondents"] = sum(satisfaction)
    row.update({f"satisfaction_{k}": s for k, s in enumerate(satisfaction, start=1)})
    row.update(useful=useful, passed=passed)
    row.update(pre_tested=pre[0], pre_score_mean=pre[1] if pre[0] else "")
    row.update(post_tested=post[0], post_score_mean=post[1] if post[0] else "")
    return row


EVALUATIONS = [
    # respondents 8, Σk·s = 30, satisfied 5
    _evaluation("T1", "AL", (0, 1, 2, 3, 2), 6, (9, 50), (8, 70), 6),
    # respondents 4, Σk·s = 13, satisfied 2, no pre-test
    _evaluation("T2", "AL", (1, 0, 1, 1, 1), 2, (0, ""), (4, 80), 3),
    # respondents 5, Σk·s = 20, satisfied 5
    _evaluation("R1", "AL", (0, 0, 0, 5, 0), 5, (6, 60), (5, 55), 2),
    _evaluation("R1", "BA", (0, 0, 0, 0, 0), 0, (0, ""), (0, ""), 0),
    # respondents 3, Σk·s = 12, satisfied 2, a negative gain (40 -> 30)
    _evaluation("R1", "RS", (0, 0, 1, 1, 1), 1, (4, 40), (4, 30), 1),
    # before the quarter: respondents 7, Σk·s = 35
    _evaluation("T3", "AL", (0, 0, 0, 0, 7), 7, (7, 20), (7, 90), 7),
    # after the quarter
    _evaluation("T4", "AL", (9, 0, 0, 0, 0), 0, (0, ""), (0, ""), 0),
    # respondents 2, Σk·s = 9
    _evaluation("B1", "BA", (0, 0, 0, 1, 1), 2, (2, 10.5), (2, 20.25), 2),
]
FOLLOWUPS = [
    # survey dates decide, not the activity's end: T3 ended in Q3
    dict(activity_id="T3", partner="AL", survey_date="2020-10-01", respondents=4, applying=3),
    dict(activity_id="T1", partner="AL", survey_date="2020-12-31", respondents=2, applying=1),
    dict(activity_id="T1", partner="AL", survey_date="2021-01-01", respondents=6, applying=6),
    dict(activity_id="R1", partner="RS", survey_date="2020-12-01", respondents=5, applying=5),
    dict(activity_id="T3", partner="AL", survey_date="2020-09-30", respondents=3, applying=0),
]
