"""Results framework tables of SPEC §9: ``results``, ``indicator_definitions``, ``observations``.

The logframe is the programme's: one impact on the protection space (WB), an outcome per
partner on its roadmap priorities plus a programme-wide outcome on applying what was
learned, and outputs on training, certified trainers and tools. Three custom outcome
indicators are measured outside wbreport and reported as observations of different
period lengths (years, half-years, quarters), with a few gaps and same-day ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbreport.demo.core import frame
from wbreport.partners import NATIONAL_CODES, get_partner

#: Custom indicators: name, label, unit, direction, period kind of its observations,
#: (start level, yearly change, noise), decimals of the observed values.
CUSTOM: tuple[tuple[str, str, str, str, str, tuple[float, float, float], int], ...] = (
    (
        "decision_quality_score",
        "Quality score of audited first-instance decisions (0–100)",
        "score",
        "higher",
        "year",
        (58.0, 6.0, 4.0),
        1,
    ),
    (
        "asylum_backlog_months",
        "Backlog of pending asylum cases (months of decisions)",
        "points",
        "lower",
        "half",
        (9.0, -1.2, 0.8),
        1,
    ),
    (
        "reception_standards_share",
        "Share of reception places meeting the operational standards",
        "share",
        "higher",
        "quarter",
        (0.55, 0.08, 0.03),
        2,
    ),
)
CUSTOM_NAMES = tuple(c[0] for c in CUSTOM)
YEARS = (2019, 2020, 2021)
SOURCES = {
    "year": "Annual quality audit of first-instance decisions",
    "half": "National asylum statistics",
    "quarter": "Reception monitoring reports",
}


def indicator_definitions() -> pd.DataFrame:
    """The ``indicator_definitions`` table declaring the custom indicators."""
    columns = {
        key: np.array([c[i] for c in CUSTOM], dtype=object)
        for i, key in enumerate(("indicator", "label", "unit", "direction"))
    }
    return frame("indicator_definitions", columns)


def _periods(kind: str) -> list[tuple[str, float]]:
    """Observation periods of a kind with their time in years since the start of 2019."""
    if kind == "year":
        return [(str(y), y - 2019 + 1.0) for y in YEARS]
    if kind == "half":
        return [(f"{y}H{h}", y - 2019 + h / 2) for y in YEARS for h in (1, 2)]
    return [(f"{y}Q{q}", y - 2019 + q / 4) for y in YEARS[1:] for q in (1, 2, 3, 4)]


def observations(rng: np.random.Generator) -> pd.DataFrame:
    """Observed values of the custom indicators for the six partners (and WB yearly).

    A few observations are missing (NA for that period), and where an annual audit
    exists two partners also report the second half of the year: both periods end on
    the same day, so the to-date value takes the shorter one (SPEC §9).
    """
    rows: list[tuple[str, str, str, str, str]] = []
    for name, _, unit, _, kind, (level, change, noise), decimals in CUSTOM:
        periods = _periods(kind)
        offsets = rng.normal(0, noise * 2, len(NATIONAL_CODES))
        values = np.empty((len(NATIONAL_CODES), len(periods)))
        for p in range(len(NATIONAL_CODES)):
            steps = np.array([t for _, t in periods])
            values[p] = level + offsets[p] + change * steps + rng.normal(0, noise, len(periods))
        high = 1.0 if unit == "share" else 100.0
        values = np.clip(values, 0, high).round(decimals)
        missing = rng.random(values.shape) < 0.08
        for p, code in enumerate(NATIONAL_CODES):
            for c, (period, _) in enumerate(periods):
                if not missing[p, c]:
                    rows.append((name, code, period, f"{values[p, c]:g}", SOURCES[kind]))
        if kind == "year":
            for c, (period, _) in enumerate(periods):
                mean = float(values[:, c].mean().round(decimals))
                rows.append((name, "WB", period, f"{mean:g}", "Mean of the national audits"))
            for code in ("AL", "RS"):
                p = NATIONAL_CODES.index(code)
                late = float(np.clip(values[p, -1] + rng.normal(1, noise), 0, high).round(1))
                rows.append((name, code, "2021H2", f"{late:g}", "Mid-term audit, second half"))
    table = pd.DataFrame(rows, columns=["indicator", "partner", "period", "value", "source"])
    return frame("observations", {c: table[c].to_numpy(dtype=object) for c in table.columns})


IMPACT = (
    "Protection space for asylum seekers and refugees in the Western Balkans enhanced in "
    "line with the Common European Asylum System"
)
OUTPUTS = (
    (
        "TRAIN",
        "Asylum and reception staff of {name} trained in the EASO modules",
        "participants;women_share;satisfied_share;knowledge_gain;pass_rate",
        "Attendance lists; end-of-activity evaluations and knowledge tests",
    ),
    (
        "TRAINERS",
        "National trainers of {name} certified and delivering cascade training",
        "trainers_certified;certified_trainers_to_date;cascade_sessions",
        "Train-the-trainers certificates; national training calendar",
    ),
    (
        "TOOLS",
        "Practical tools and guides available to {name} in its languages",
        "translations_published;tools_available;languages_covered",
        "Published translations; handover records",
    ),
)


def results() -> pd.DataFrame:
    """The programme's results framework: impact → outcomes → outputs (27 rows)."""
    rows: list[tuple[str, str, str, str, str, str, str]] = [
        (
            "IMPACT",
            "impact",
            "",
            "WB",
            IMPACT,
            "decision_quality_score;asylum_backlog_months",
            "Annual quality audits; national asylum statistics; EC Progress Reports (Chapter 24)",
        ),
        (
            "OC-WB-APPLY",
            "outcome",
            "IMPACT",
            "WB",
            "Staff trained by the programme apply EASO practical standards in their work",
            "applying_share;reception_standards_share",
            "Follow-up surveys months after each training; reception monitoring reports",
        ),
        (
            "OP-WB-REGIONAL",
            "output",
            "OC-WB-APPLY",
            "WB",
            "Regional train-the-trainers sessions, workshops and expert meetings delivered",
            "regional_activities;trainers_certified;evaluation_response_rate",
            "Activity reports; attendance lists",
        ),
    ]
    for code in NATIONAL_CODES:
        name = get_partner(code).name
        outcome = f"OC-{code}"
        rows.append(
            (
                outcome,
                "outcome",
                "IMPACT",
                code,
                f"The asylum and reception authorities of {name} implement the priorities "
                "of their roadmap",
                "milestone_completion_rate;milestones_overdue;decision_quality_score;"
                "asylum_backlog_months",
                "Roadmap progress reviews; EC Progress Report (Chapter 24)",
            )
        )
        for key, statement, indicators, verification in OUTPUTS:
            rows.append(
                (
                    f"OP-{code}-{key}",
                    "output",
                    outcome,
                    code,
                    statement.format(name=name),
                    indicators,
                    verification,
                )
            )
    columns = (
        "result_id",
        "level",
        "parent_id",
        "partner",
        "statement",
        "indicators",
        "means_of_verification",
    )
    table = pd.DataFrame(rows, columns=columns)
    return frame("results", {c: table[c].to_numpy(dtype=object) for c in columns})
