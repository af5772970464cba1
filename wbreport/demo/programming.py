"""The four required tables of SPEC §2: activities, participation, milestones, tools."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport.demo.core import (
    PANDEMIC_START,
    REFERENCE_DATE,
    WORKPLAN_END,
    frame,
    iso,
    join,
    pick,
    serial,
)
from wbreport.partners import ALL_CODES, NATIONAL_CODES, PARTNERS
from wbreport.schema import (
    ACTIVITY_STATUS,
    ACTIVITY_TYPES,
    DELIVERY,
    EVALUATED_TYPES,
    FRAMEWORKS,
    MODULE_TYPES,
    SCOPES,
    TOOL_STATUS,
)

ACTIVITIES_PER_SCALE = 515  # gives about 1,000 participation rows per unit of scale
MILESTONES_PER_SCALE = 90
TOOLS_PER_SCALE = 6
ADVANCED_FRAMEWORK_PARTNERS = ("ME", "XK")  # asked for advanced cooperation frameworks

MODULES = (
    "Inclusion",
    "Exclusion",
    "Evidence Assessment",
    "Interview Techniques",
    "Interviewing Vulnerable Persons",
    "Reception",
    "Country of Origin Information",
)
TOPICS = (
    "age assessment",
    "reception standards",
    "contingency planning",
    "identification of vulnerable applicants",
    "asylum statistics",
    "quality assurance",
    "registration and lodging",
    "training methodology",
    "national roadmap",
)
ORGANISERS = ("UNHCR", "IOM", "UNICEF", "MARRI", "Sweden", "Germany")  # besides EASO
PRIORITY_AREAS = {
    "Asylum procedure": "Standard operating procedures for the asylum procedure adopted",
    "Reception": "Reception standards and indicators applied in all reception centres",
    "Vulnerable applicants": "Mechanism for early identification of vulnerable applicants",
    "Country of Origin Information": "National COI unit set up and trained",
    "Training": "National training curriculum with certified trainers in place",
    "Registration and identification": "Registration and lodging procedures harmonised",
    "Quality assurance": "Quality review of first-instance decisions in place",
    "Statistics": "Asylum statistics reported in line with EU standards",
}
TOOL_TITLES = (
    "Practical Guide on Personal Interview",
    "Practical Guide on Evidence Assessment",
    "Guidance on Reception Conditions: operational standards and indicators",
    "Practical Guide on Age Assessment",
    "Tool for Identification of Persons with Special Needs (IPSN)",
    "Practical Guide on Exclusion",
    "Practical Guide on the Application of the Internal Protection Alternative",
    "Guidance on Contingency Planning in the Context of Reception",
)

# Per activity type, in ACTIVITY_TYPES order: share of activities, share of them that
# are regional, duration in days (min, max), participants of a national activity
# (min, max) and of one partner at a regional activity (min, max).
_TYPE_SHARE = np.array([0.42, 0.06, 0.16, 0.14, 0.08, 0.14])
_REGIONAL_SHARE = np.array([0.10, 0.80, 0.45, 0.35, 0.35, 0.0])
_DAYS = np.array([(1, 4), (3, 5), (1, 2), (1, 2), (3, 5), (1, 1)])
_NATIONAL_HEADS = np.array([(10, 30), (6, 16), (8, 25), (3, 12), (3, 8), (2, 10)])
_REGIONAL_HEADS = np.array([(2, 6), (2, 5), (1, 6), (1, 4), (1, 4), (1, 3)])
_TYPE_LABELS = (
    "training",
    "train-the-trainers session",
    "workshop",
    "expert meeting",
    "study visit",
    "tool handover",
)
# Probability that an activity of each status has participation rows (national).
_ROW_SHARE = {"delivered": 0.96, "planned": 0.4, "cancelled": 0.2}


def activities(
    rng: np.random.Generator, n: int, first_day: np.datetime64
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The activities table and the arrays participation is drawn from."""
    kind = rng.choice(len(ACTIVITY_TYPES), size=n, p=_TYPE_SHARE)
    regional = rng.random(n) < _REGIONAL_SHARE[kind]
    span = int((WORKPLAN_END - 7 - first_day).astype(int))
    start = first_day + rng.integers(0, span + 1, n)
    days = rng.integers(_DAYS[kind, 0], _DAYS[kind, 1] + 1)
    # About 3% start on the last day of a quarter and end in the next one.
    straddle = rng.random(n) < 0.03
    month = start.astype("datetime64[M]")
    next_quarter = (month - month.astype(int) % 3 + 3).astype("datetime64[D]")
    start = np.where(straddle, next_quarter - 1, start)
    days = np.where(straddle, np.maximum(days, 2), days)
    order = np.argsort(start, kind="stable")
    kind, regional, start, days = kind[order], regional[order], start[order], days[order]
    end = start + days - 1

    u = rng.random(n)
    planned, delivered, cancelled = map(
        ACTIVITY_STATUS.index, ("planned", "delivered", "cancelled")
    )
    status = np.where(
        end > REFERENCE_DATE,
        planned,
        np.select([u < 0.06, u < 0.07], [cancelled, planned], delivered),
    )
    pandemic = start >= PANDEMIC_START
    virtual = np.where(pandemic, 0.45, 0.05)
    blended = virtual + np.where(pandemic, 0.15, 0.10)
    u = rng.random(n)
    delivery = pick(DELIVERY, np.select([u < virtual, u < blended], [1, 2], 0))

    nation = rng.integers(0, len(NATIONAL_CODES), n)
    partner = pick(ALL_CODES, np.where(regional, ALL_CODES.index("WB"), nation))
    has_module = np.isin(kind, [ACTIVITY_TYPES.index(t) for t in MODULE_TYPES])
    module_index = rng.integers(0, len(MODULES), n)
    module = pick(("", *MODULES), np.where(has_module, module_index + 1, 0))
    subject = np.where(has_module, module_index, len(MODULES) + rng.integers(0, len(TOPICS), n))
    titles = np.array(
        [
            f"{scope} {label}: {topic}"
            for scope in ("National", "Regional")
            for label in _TYPE_LABELS
            for topic in (*MODULES, *TOPICS)
        ],
        dtype=object,
    )
    title = titles[(regional * len(ACTIVITY_TYPES) + kind) * (len(MODULES) + len(TOPICS)) + subject]
    led = (kind == ACTIVITY_TYPES.index("training")) & (rng.random(n) < 0.4)

    bits = (rng.random((n, len(ORGANISERS))) < 0.3) @ (1 << np.arange(len(ORGANISERS)))
    combos = [
        ";".join(["EASO", *(o for i, o in enumerate(ORGANISERS) if m >> i & 1)])
        for m in range(1 << len(ORGANISERS))
    ]  # combos[0] is "EASO" alone; national activities have that or nothing
    national_org = np.where(rng.random(n) < 0.75, 0, len(combos))
    organisers = pick((*combos, ""), np.where(regional, bits, national_org))

    year = start.astype("datetime64[Y]").astype(int) + 1970
    ids = join(partner, "-", year, "-", serial(n)).astype(object)  # shared by participation
    columns = {
        "activity_id": ids,
        "title": title,
        "type": pick(ACTIVITY_TYPES, kind),
        "module": module,
        "scope": pick(SCOPES, regional.astype(int)),
        "partner": partner,
        "start_date": iso(start),
        "end_date": iso(end),
        "delivery": delivery,
        "status": pick(ACTIVITY_STATUS, status),
        "organisers": organisers,
        "led_by_certified_trainer": pick(("false", "true"), led.astype(int)),
    }
    arrays = {
        "id": ids,
        "kind": kind,
        "regional": regional,
        "nation": nation,
        "status": status,
        "end": end,
    }
    return frame("activities", columns), arrays


def participation(
    rng: np.random.Generator, act: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Head-counts: one row for most national activities, up to six per regional one.

    Returns the table and, per row, the arrays the evaluation tables are drawn from
    (see :func:`wbreport.demo.evaluation.participation_rows`).
    """
    n = len(act["id"])
    regional, status = act["regional"], act["status"]
    row_share = np.select(
        [status == ACTIVITY_STATUS.index(s) for s in _ROW_SHARE], list(_ROW_SHARE.values())
    )
    national = np.flatnonzero(~regional & (rng.random(n) < row_share))
    k = len(NATIONAL_CODES)
    grid = np.repeat(np.flatnonzero(regional), k)
    grid_partner = np.tile(np.arange(k), len(grid) // k)
    present = rng.random(len(grid)) < 0.85  # some partners did not take part at all
    index = np.concatenate([national, grid[present]])
    nation = np.concatenate([act["nation"][national], grid_partner[present]])
    order = np.lexsort((nation, index))
    index, nation = index[order], nation[order]

    kind, is_regional = act["kind"][index], regional[index]
    heads = np.where(is_regional[:, None], _REGIONAL_HEADS[kind], _NATIONAL_HEADS[kind])
    participants = rng.integers(heads[:, 0], heads[:, 1] + 1)
    # A registered partner that sent nobody, and cancelled activities, count 0.
    cancelled = status[index] == ACTIVITY_STATUS.index("cancelled")
    absent = (is_regional & (rng.random(len(index)) < 0.08)) | cancelled
    participants = np.where(absent, 0, participants)
    women = rng.binomial(participants, rng.uniform(0.3, 0.7, len(index)))
    delivered = status[index] == ACTIVITY_STATUS.index("delivered")
    trained = (kind == ACTIVITY_TYPES.index("train_the_trainers")) & delivered
    certified = np.where(trained, rng.binomial(participants, 0.75), 0)
    columns = {
        "activity_id": act["id"][index],
        "partner": pick(NATIONAL_CODES, nation),
        "participants": participants,
        "women": women,
        "certified_trainers": certified,
    }
    evaluated = {t: i for i, t in enumerate(EVALUATED_TYPES)}
    to_evaluated = np.array([evaluated.get(t, -1) for t in ACTIVITY_TYPES])
    rows = {
        "kind": np.where(delivered & (participants > 0), to_evaluated[kind], -1),
        "end": act["end"][index],
        "participants": participants,
        "activity_id": columns["activity_id"],
        "partner": columns["partner"],
    }
    return frame("participation", columns), rows


def milestones(rng: np.random.Generator, n: int, first_day: np.datetime64) -> pd.DataFrame:
    """Roadmap milestones due at month ends; first generation before 2021."""
    nation = rng.integers(0, len(NATIONAL_CODES), n)
    span = int((WORKPLAN_END + 90 - first_day).astype(int))
    due_month = (first_day + rng.integers(0, span + 1, n)).astype("datetime64[M]")
    due = (due_month + 1).astype("datetime64[D]") - 1
    order = np.lexsort((due, nation))
    nation, due = nation[order], due[order]

    second = due > REFERENCE_DATE - 365
    asked = [NATIONAL_CODES.index(c) for c in ADVANCED_FRAMEWORK_PARTNERS]
    advanced = second & np.isin(nation, asked) & (rng.random(n) < 0.5)
    framework = pick(FRAMEWORKS, np.where(advanced, 2, second.astype(int)))
    u = rng.random(n)
    past = due <= REFERENCE_DATE
    status = np.where(
        past,
        np.select(
            [u < 0.72, u < 0.84, u < 0.92], ["achieved", "in_progress", "not_started"], "dropped"
        ),
        np.select([u < 0.1, u < 0.6], ["achieved", "in_progress"], "not_started"),
    )
    # Past-due milestones are often achieved late; future ones only early.
    offset = np.where(past, rng.integers(-60, 121, n), -rng.integers(1, 181, n))
    achieved = np.minimum(np.maximum(due + offset, first_day), REFERENCE_DATE)
    area = rng.integers(0, len(PRIORITY_AREAS), n)
    year = due.astype("datetime64[Y]").astype(int) + 1970
    chapter24 = np.where(
        rng.random(n) < 0.35, join("EC Progress Report ", year - 1, ", Chapter 24"), ""
    )
    partner = pick(NATIONAL_CODES, nation)
    columns = {
        "milestone_id": join("MS-", partner, "-", serial(n)).astype(object),
        "partner": partner,
        "framework": framework,
        "priority_area": pick(list(PRIORITY_AREAS), area),
        "description": pick(list(PRIORITY_AREAS.values()), area),
        "due_date": iso(due),
        "status": status,
        "achieved_date": iso(achieved, status == "achieved"),
        "chapter24_ref": chapter24,
    }
    return frame("milestones", columns)


def tools(rng: np.random.Generator, n: int, first_day: np.datetime64) -> pd.DataFrame:
    """Translations of ``n`` tools into partner languages, plus some English originals."""
    combos = [(p.code, lang) for p in PARTNERS if not p.is_region for lang in (*p.languages, "en")]
    is_en = np.array([lang == "en" for _, lang in combos])
    present = rng.random((n, len(combos))) < np.where(is_en, 0.15, 0.8)
    tool, combo = np.nonzero(present)
    m = len(tool)
    u = rng.random(m)
    status = pick(TOOL_STATUS, np.select([u < 0.65, u < 0.85], [2, 1], 0))
    span = int((REFERENCE_DATE - first_day).astype(int))
    published = first_day + rng.integers(0, span + 1, m)
    k = len(TOOL_TITLES)
    titles = np.array(
        [TOOL_TITLES[i % k] + ("" if i < k else f" (edition {i // k + 1})") for i in range(n)],
        dtype=object,
    )
    columns = {
        "tool_id": join("TOOL-", serial(n)).astype(object)[tool],
        "title": titles[tool],
        "partner": pick([p for p, _ in combos], combo),
        "language": pick([lang for _, lang in combos], combo),
        "status": status,
        "published_date": iso(published, status == "published"),
    }
    return frame("tools", columns)
