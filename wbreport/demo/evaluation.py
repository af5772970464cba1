"""Training evaluation tables of SPEC §8: ``evaluations`` (levels 1–2) and ``followups`` (3).

Both are drawn from the activities and participation tables, vectorised, so they stay
valid at any scale: only delivered trainings, train-the-trainers sessions and workshops
with participants are evaluated, respondents never exceed participants, the five
satisfaction counts sum to the respondents, and follow-up surveys fall months after the
activity ended and no later than the reference date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport.demo.core import REFERENCE_DATE, frame, iso
from wbreport.schema import EVALUATED_TYPES

# Reaction (levels 1): a typical spread of overall ratings 1..5 before per-row noise.
SATISFACTION = np.array([0.02, 0.05, 0.15, 0.43, 0.35])
# Share of rows evaluated, per type of EVALUATED_TYPES; share knowledge-tested after.
EVALUATED_SHARE = np.array([0.88, 0.95, 0.7])
POST_TEST_SHARE = np.array([0.9, 0.95, 0.12])
PRE_TEST_SHARE = 0.8  # of post-tested rows; the rest had no pre-test
FOLLOWED_UP_SHARE = 0.5  # of evaluated trainings and train-the-trainers rows
SECOND_FOLLOWUP_SHARE = 0.2  # of followed-up rows: another survey a year after


def participation_rows(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Per participation row: ``kind`` (index in EVALUATED_TYPES; -1 for other types,
    activities not delivered and rows with nobody), ``end`` (the activity's end date),
    ``participants``, ``activity_id`` and ``partner``.

    :func:`wbreport.demo.programming.participation` returns the same arrays directly.
    """
    act, part = tables["activities"], tables["participation"]
    pos = pd.Index(act["activity_id"]).get_indexer(part["activity_id"])
    kind = pd.Index(EVALUATED_TYPES).get_indexer(pd.Index(act["type"]))[pos]
    delivered = (act["status"] == "delivered").to_numpy()[pos]
    end = act["end_date"].to_numpy(dtype=str).astype("datetime64[D]")[pos]
    heads = part["participants"].to_numpy(dtype=np.int64)
    kind = np.where(delivered & (heads > 0), kind, -1)
    return {
        "kind": kind,
        "end": end,
        "participants": heads,
        "activity_id": part["activity_id"].to_numpy(dtype=object),
        "partner": part["partner"].to_numpy(dtype=object),
    }


def evaluations(
    rng: np.random.Generator,
    tables: dict[str, pd.DataFrame],
    rows: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """End-of-activity evaluations for most evaluable participation rows.

    Parameters
    ----------
    rng
        Random generator, consumed in a fixed order.
    tables
        At least ``activities`` and ``participation`` as text frames.
    rows
        :func:`participation_rows` of ``tables`` when already known (saves time).

    Returns
    -------
    pandas.DataFrame
        The ``evaluations`` table as text, in participation order. It holds rows
        without a pre-test, a few negative knowledge gains and small groups (regional
        rows of one partner) whose figures disclosure control hides.
    """
    row = participation_rows(tables) if rows is None else rows
    kind = row["kind"]
    pick = np.flatnonzero((kind >= 0) & (rng.random(len(kind)) < EVALUATED_SHARE[kind]))
    kind, heads = kind[pick], row["participants"][pick]
    m = len(pick)
    respondents = rng.binomial(heads, rng.uniform(0.55, 1.0, m))
    pvals = rng.dirichlet(40 * SATISFACTION, size=m)
    satisfaction = rng.multinomial(respondents, pvals)
    useful = rng.binomial(respondents, rng.uniform(0.7, 0.98, m))
    post = rng.random(m) < POST_TEST_SHARE[kind]
    pre = post & (rng.random(m) < PRE_TEST_SHARE)
    post_tested = np.where(post, rng.binomial(heads, rng.uniform(0.8, 1.0, m)), 0)
    pre_tested = np.where(pre, rng.binomial(heads, rng.uniform(0.8, 1.0, m)), 0)
    pre_mean = np.clip(rng.normal(52, 11, m), 5, 90).round(1)
    gain = rng.normal(15, 8, m)  # about 3% of groups score lower after the activity
    post_mean = np.clip(pre_mean + gain, 0, 100).round(1)
    pass_share = np.clip((post_mean - 40) / 50, 0.05, 0.98)
    passed = rng.binomial(post_tested, pass_share)
    columns = {
        "activity_id": row["activity_id"][pick],
        "partner": row["partner"][pick],
        "respondents": respondents,
        **{f"satisfaction_{k + 1}": satisfaction[:, k] for k in range(5)},
        "useful": useful,
        "pre_tested": pre_tested,
        "post_tested": post_tested,
        "pre_score_mean": _mean_text(pre_mean, pre_tested > 0),
        "post_score_mean": _mean_text(post_mean, post_tested > 0),
        "passed": passed,
    }
    return frame("evaluations", columns)


def _mean_text(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Scores 0-100 with one decimal (``"62.5"``), empty where nobody took the test."""
    tenths = np.rint(values * 10).astype(np.int64)
    labels = np.char.mod("%.1f", np.arange(1001) / 10).astype(object)
    return np.where(present, labels[tenths], "").astype(object)


def followups(
    rng: np.random.Generator,
    tables: dict[str, pd.DataFrame],
    rows: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Follow-up surveys three to eight months after trainings (some again a year later).

    Only rows of delivered trainings and train-the-trainers sessions with participants
    are surveyed, and only surveys dated on or before the reference date are kept.

    Returns
    -------
    pandas.DataFrame
        The ``followups`` table as text, ordered by participation row then date.
    """
    row = participation_rows(tables) if rows is None else rows
    kind, end = row["kind"], row["end"]
    trained = (kind >= 0) & (kind < 2)
    pick = np.flatnonzero(trained & (rng.random(len(kind)) < FOLLOWED_UP_SHARE))
    m = len(pick)
    first = end[pick] + rng.integers(90, 241, m)
    again = rng.random(m) < SECOND_FOLLOWUP_SHARE
    second = first + rng.integers(330, 400, m)
    index = np.concatenate([pick, pick[again]])
    day = np.concatenate([first, second[again]])
    order = np.lexsort((day, index))
    index, day = index[order], day[order]
    keep = day <= REFERENCE_DATE
    index, day = index[keep], day[keep]
    n = len(index)
    heads = row["participants"][index]
    respondents = rng.binomial(heads, rng.uniform(0.3, 0.85, n))
    applying = rng.binomial(respondents, rng.uniform(0.45, 0.9, n))
    columns = {
        "activity_id": row["activity_id"][index],
        "partner": row["partner"][index],
        "survey_date": iso(day),
        "respondents": respondents,
        "applying": applying,
    }
    return frame("followups", columns)
