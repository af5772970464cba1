"""Rebuild the illustrative sample package: ``python tools/make_sample.py``.

The programme calendar below is hand-written after the newsletter in
``shared/domain`` (regional events, roadmap milestones, tool translations); the
recurring national activities and all head-counts are filled in by rules and a
seeded generator, so running the script again writes byte-identical CSV files.
The evaluation (§8) and results-framework (§9) tables are drawn by the same functions
as ``wbreport demo-data`` (``wbreport.demo``) from a second seeded stream, so the four
required tables and the programming targets do not change when those are tuned.
The figures are illustrative, not real.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pandas as pd

from wbreport.demo import evaluation, make_targets, more_targets, results, write_package
from wbreport.partners import NATIONAL_CODES, get_partner
from wbreport.schema import TABLES_BY_NAME

HERE = Path(__file__).resolve().parent.parent / "wbreport" / "sample_data"
SEED = 2021
rng = random.Random(SEED)

Row = dict[str, str]
# A regional event: start, end, type, module, delivery, status, organisers,
# led by certified trainers, title, {partner: participants} overrides (0 = sent nobody,
# None = no row).
Event = tuple[str, str, str, str, str, str, str, bool, str, dict[str, int | None]]

# fmt: off
REGIONAL: list[Event] = [
    ("2019-02-12", "2019-02-13", "expert_meeting", "", "in_person", "delivered", "EASO",
     False, "Regional meeting on the launch of the national roadmaps", {}),
    ("2019-03-18", "2019-03-22", "train_the_trainers", "Inclusion", "in_person",
     "delivered", "EASO", False, "Regional train-the-trainers session: Inclusion module", {}),
    ("2019-04-09", "2019-04-10", "workshop", "", "in_person", "delivered", "EASO;UNHCR",
     False, "Regional workshop on Country of Origin Information research", {}),
    ("2019-05-20", "2019-05-24", "train_the_trainers", "Evidence Assessment",
     "in_person", "delivered", "EASO", False,
     "Regional train-the-trainers session: Evidence Assessment module", {}),
    ("2019-06-18", "2019-06-19", "expert_meeting", "", "in_person", "delivered", "EASO",
     False, "Regional meeting of national training coordinators", {}),
    ("2019-09-10", "2019-09-11", "workshop", "", "in_person", "delivered", "EASO;IOM",
     False, "Regional workshop on reception standards and contingency planning", {}),
    ("2019-09-30", "2019-10-03", "study_visit", "", "in_person", "delivered",
     "EASO;Netherlands", False,
     "Regional study visit to the Netherlands: registration and the asylum procedure",
     {"XK": None}),
    ("2019-10-14", "2019-10-18", "train_the_trainers", "Reception", "in_person",
     "delivered", "EASO", False, "Regional train-the-trainers session: Reception module", {}),
    ("2019-11-26", "2019-11-27", "expert_meeting", "", "in_person", "delivered", "EASO",
     False, "Regional meeting of national training coordinators", {}),
    ("2019-12-10", "2019-12-11", "workshop", "", "in_person", "delivered",
     "EASO;UNHCR;UNICEF", False,
     "Regional workshop on the identification of vulnerable applicants", {}),
    ("2020-01-28", "2020-01-29", "workshop", "", "in_person", "delivered", "EASO;IOM",
     False, "Regional workshop on asylum statistics and information management", {}),
    ("2020-02-24", "2020-02-28", "train_the_trainers", "Country of Origin Information",
     "in_person", "delivered", "EASO", False,
     "Regional train-the-trainers session: Country of Origin Information module", {}),
    ("2020-03-23", "2020-03-26", "study_visit", "", "in_person", "cancelled",
     "EASO;Germany", False, "Regional study visit to Germany: reception and early identification",
     {}),
    ("2020-05-13", "2020-05-13", "expert_meeting", "", "virtual", "delivered",
     "EASO;UNHCR;IOM", False,
     "Regional webinar: continuity of asylum and reception services during COVID-19",
     {"RS": 0}),
    ("2020-06-16", "2020-06-17", "workshop", "", "virtual", "delivered", "EASO;IOM",
     False, "Regional workshop on contingency planning in reception", {}),
    ("2020-07-07", "2020-07-08", "expert_meeting", "", "virtual", "delivered",
     "EASO;UNHCR;UNICEF", False,
     "Regional expert meeting on the identification of persons with special needs", {}),
    ("2020-09-14", "2020-09-18", "train_the_trainers", "Interview Techniques",
     "blended", "delivered", "EASO", False,
     "Regional train-the-trainers session: Interview Techniques module", {}),
    ("2020-09-29", "2020-10-01", "expert_meeting", "", "virtual", "delivered", "EASO",
     False, "Regional meeting of national training coordinators", {}),
    ("2020-10-20", "2020-10-21", "workshop", "", "virtual", "delivered",
     "EASO;UNICEF;Sweden;Germany;UNHCR;IOM", False, "Regional workshop on age assessment", {}),
    ("2020-11-08", "2020-11-08", "workshop", "", "virtual", "delivered", "EASO;MARRI",
     False, "Workshop on training methodology for the MARRI Regional centre", {}),
    ("2020-11-16", "2020-11-20", "train_the_trainers",
     "Interviewing Vulnerable Persons", "virtual", "delivered", "EASO", False,
     "Regional train-the-trainers session: Interviewing Vulnerable Persons module "
     "(including children)", {}),
    ("2020-12-08", "2020-12-09", "expert_meeting", "", "virtual", "delivered", "EASO",
     False, "Regional meeting on the second-generation roadmaps", {}),
    ("2021-02-09", "2021-02-10", "workshop", "", "virtual", "delivered", "EASO", False,
     "Regional webinar on COI research and query responses", {}),
    ("2021-03-15", "2021-03-19", "train_the_trainers", "Exclusion", "virtual",
     "delivered", "EASO", False, "Regional train-the-trainers session: Exclusion module", {}),
    ("2021-03-30", "2021-04-01", "expert_meeting", "", "virtual", "delivered", "EASO",
     False, "Regional meeting of national training coordinators", {}),
    ("2021-04-20", "2021-04-21", "workshop", "", "virtual", "delivered", "EASO;IOM",
     False, "Regional workshop on reception capacity and contingency planning", {}),
    ("2021-05-17", "2021-05-20", "training", "Interview Techniques", "blended",
     "delivered", "EASO;MARRI", True,
     "Joint EASO-MARRI pilot regional training: Interview Techniques", {}),
    ("2021-06-15", "2021-06-16", "expert_meeting", "", "virtual", "delivered",
     "EASO;European Commission", False,
     "Regional expert meeting on asylum benchmarks under Chapter 24", {}),
    ("2021-06-29", "2021-07-01", "workshop", "", "virtual", "delivered", "EASO", False,
     "Regional workshop on quality assurance of first-instance decisions", {}),
    ("2021-09-21", "2021-09-24", "study_visit", "", "in_person", "delivered",
     "EASO;Sweden", False, "Regional study visit to Sweden: reception of unaccompanied children",
     {"ME": None}),
    ("2021-10-11", "2021-10-15", "train_the_trainers", "Evidence Assessment", "blended",
     "delivered", "EASO", False,
     "Regional train-the-trainers session: Evidence Assessment module (second cohort)", {}),
    ("2021-10-26", "2021-10-27", "workshop", "", "virtual", "delivered",
     "EASO;UNICEF;UNHCR", False, "Regional follow-up workshop on age assessment", {"BA": 0}),
    ("2021-11-15", "2021-11-18", "training", "Inclusion", "in_person", "delivered",
     "EASO;MARRI", True, "Joint EASO-MARRI regional training: Inclusion", {}),
    ("2021-11-29", "2021-12-03", "train_the_trainers", "Interview Techniques",
     "in_person", "delivered", "EASO", False,
     "Regional train-the-trainers session: Interview Techniques module (second cohort)", {}),
    ("2021-12-07", "2021-12-07", "expert_meeting", "", "virtual", "cancelled", "EASO",
     False, "Regional meeting of national training coordinators", {}),
    ("2021-12-14", "2021-12-15", "expert_meeting", "", "blended", "delivered",
     "EASO;European Commission;UNHCR;IOM", False,
     "Regional meeting on future programming and national priorities", {}),
    ("2022-02-14", "2022-02-18", "train_the_trainers", "Reception", "in_person",
     "planned", "EASO", False,
     "Regional train-the-trainers session: Reception module (second cohort)", {}),
    ("2022-03-08", "2022-03-09", "workshop", "", "in_person", "planned",
     "EASO;European Commission", False, "Regional workshop on programming 2022-2024", {}),
    ("2022-03-21", "2022-03-24", "training", "Country of Origin Information", "blended",
     "planned", "EASO;MARRI", True,
     "Joint EASO-MARRI regional training: Country of Origin Information", {}),
]
# fmt: on

MODULES = (
    "Inclusion",
    "Evidence Assessment",
    "Interview Techniques",
    "Reception",
    "Interviewing Vulnerable Persons",
    "Exclusion",
    "Country of Origin Information",
)
AUDIENCE = {"Reception": "reception staff", "Country of Origin Information": "COI researchers"}
TOPICS = (
    "standard operating procedures for the asylum procedure",
    "reception quality standards",
    "the national COI unit",
    "the national training curriculum",
    "registration and lodging of applications",
    "quality assurance of first-instance decisions",
    "alignment of asylum legislation with the EU acquis",
    "asylum statistics",
)
STATES = (
    "Austria",
    "Belgium",
    "Slovenia",
    "Malta",
    "Norway",
    "Czechia",
    "Italy",
    "Switzerland",
    "Croatia",
    "Bulgaria",
    "Greece",
    "the Netherlands",
)
PANDEMIC = ("2020-03-15", "2021-06-30")  # national delivery mostly virtual in between
QUARTERS = [(y, q) for y in (2019, 2020, 2021) for q in (1, 2, 3, 4)]
LANGUAGE_NAMES = {
    "sq": "Albanian",
    "bs": "Bosnian",
    "hr": "Croatian",
    "sr-Latn": "Serbian (Latin script)",
    "sr-Cyrl": "Serbian (Cyrillic script)",
    "mk": "Macedonian",
    "cnr": "Montenegrin",
    "en": "English",
}


# --- tools: (tool_id, title, {(partner, language): (status, published date)}) -------------


def _all_languages(status: str, dates: dict[str, str]) -> dict[tuple[str, str], tuple[str, str]]:
    """Every partner language with ``status``; ``dates`` per partner (published only)."""
    return {
        (code, lang): (status, dates.get(code, "") if status == "published" else "")
        for code in NATIONAL_CODES
        for lang in get_partner(code).languages
    }


def _tools() -> list[Row]:
    early = {
        "AL": "2019-05-14",
        "BA": "2019-07-09",
        "XK": "2019-09-17",
        "ME": "2019-10-22",
        "MK": "2019-06-25",
        "RS": "2019-11-12",
    }
    interview = _all_languages("published", early)
    evidence = _all_languages(
        "published",
        {
            "AL": "2020-02-11",
            "BA": "2020-03-03",
            "XK": "2020-05-19",
            "ME": "2020-06-09",
            "MK": "2020-01-21",
            "RS": "2020-04-14",
        },
    )
    evidence[("ME", "cnr")] = ("published", "2020-10-13")
    evidence[("XK", "sr-Latn")] = ("published", "2020-11-24")
    reception = _all_languages(
        "published",
        {
            "AL": "2020-10-27",
            "BA": "2020-11-10",
            "XK": "2020-12-01",
            "ME": "2020-11-17",
            "MK": "2020-10-06",
            "RS": "2020-12-15",
        },
    )
    for key, day in {
        ("BA", "sr-Latn"): "2021-02-16",
        ("BA", "sr-Cyrl"): "2021-03-09",
        ("XK", "sr-Latn"): "2021-04-13",
        ("ME", "sr-Latn"): "2021-01-26",
        ("MK", "sq"): "2021-05-18",
        ("RS", "sr-Latn"): "2021-02-23",
    }.items():
        reception[key] = ("published", day)
    age = _all_languages(
        "published",
        {
            "AL": "2020-12-08",
            "BA": "2021-03-23",
            "XK": "2021-05-11",
            "ME": "2021-06-15",
            "MK": "2020-12-15",
            "RS": "2021-02-09",
        },
    )
    age[("BA", "sr-Cyrl")] = ("in_translation", "")
    age[("XK", "sr-Latn")] = ("published", "2021-09-14")
    ipsn = _all_languages("in_translation", {})
    for key, day in {
        ("AL", "sq"): "2021-10-19",
        ("BA", "bs"): "2021-11-23",
        ("XK", "sq"): "2021-11-09",
        ("ME", "cnr"): "2021-12-07",
        ("MK", "mk"): "2021-10-26",
        ("RS", "sr-Cyrl"): "2021-12-14",
    }.items():
        ipsn[key] = ("published", day)
    ipsn[("BA", "sr-Cyrl")] = ("planned", "")
    ipsn[("ME", "sr-Latn")] = ("planned", "")
    ipsn[("XK", "en")] = ("published", "2021-06-08")
    ipsn[("ME", "en")] = ("published", "2021-06-08")
    exclusion = {
        ("RS", "sr-Latn"): ("published", "2021-11-30"),
        ("AL", "sq"): ("in_translation", ""),
        ("MK", "mk"): ("in_translation", ""),
        ("BA", "bs"): ("planned", ""),
        ("XK", "sq"): ("planned", ""),
        ("ME", "cnr"): ("planned", ""),
    }
    catalogue = [
        ("PG-PERSONAL-INTERVIEW", "Practical Guide on Personal Interview", interview),
        ("PG-EVIDENCE-ASSESSMENT", "Practical Guide on Evidence Assessment", evidence),
        (
            "GUIDANCE-RECEPTION",
            "Guidance on Reception Conditions: operational standards and indicators",
            reception,
        ),
        ("PG-AGE-ASSESSMENT", "Practical Guide on Age Assessment", age),
        ("IPSN", "Tool for Identification of Persons with Special Needs (IPSN)", ipsn),
        ("PG-EXCLUSION", "Practical Guide on Exclusion", exclusion),
    ]
    order = {
        (c, lang): i
        for i, (c, lang) in enumerate(
            (c, lang) for c in NATIONAL_CODES for lang in (*get_partner(c).languages, "en")
        )
    }
    return [
        {
            "tool_id": tool_id,
            "title": title,
            "partner": code,
            "language": lang,
            "status": status,
            "published_date": day,
        }
        for tool_id, title, rows in catalogue
        for (code, lang), (status, day) in sorted(rows.items(), key=lambda kv: order[kv[0]])
    ]


# --- milestones: (priority area, description, chapter 24 reference) per due date --------

# fmt: off
FIRST = [
    ("2019-03-31", "Training", "National training coordinator appointed and training needs "
     "assessed", ""),
    ("2019-06-30", "Asylum procedure", "Standard operating procedures for registration and "
     "lodging drafted", "EC Progress Report 2019, Chapter 24: asylum procedure"),
    ("2019-09-30", "Country of Origin Information", "COI focal point designated and trained in "
     "COI research methodology", ""),
    ("2019-12-31", "Reception", "Reception conditions assessed against EASO operational "
     "standards", "EC Progress Report 2019, Chapter 24: reception capacity"),
    ("2020-03-31", "Vulnerable applicants", "Referral mechanism for applicants with special "
     "needs agreed", "EC Progress Report 2019, Chapter 24: vulnerable applicants"),
    ("2020-06-30", "Training", "National trainers certified in the Inclusion and Evidence "
     "Assessment modules", ""),
    ("2020-09-30", "Quality assurance", "Quality checklist for first-instance decisions "
     "piloted", ""),
    ("2020-12-31", "Asylum procedure", "Practical Guide on Personal Interview used in daily "
     "casework", ""),
]
SECOND = [
    ("2021-03-31", "Training", "National training curriculum adopted, with cascade training by "
     "certified trainers", ""),
    ("2021-06-30", "Vulnerable applicants", "Age assessment procedure aligned with the "
     "Practical Guide on Age Assessment", "EC Progress Report 2020, Chapter 24: unaccompanied "
     "children"),
    ("2021-06-30", "Country of Origin Information", "COI unit answers queries in line with the "
     "EASO COI methodology", ""),
    ("2021-09-30", "Reception", "Contingency plan for reception adopted",
     "EC Progress Report 2020, Chapter 24: reception capacity"),
    ("2021-12-31", "Vulnerable applicants", "IPSN tool used at registration to identify "
     "special needs", ""),
    ("2021-12-31", "Quality assurance", "Quality review mechanism for first-instance decisions "
     "in place", "EC Progress Report 2021, Chapter 24: asylum procedure"),
    ("2022-03-31", "Statistics", "Asylum statistics reported in line with Eurostat "
     "definitions", ""),
]
ADVANCED = [
    ("2021-03-31", "Training", "Advanced training needs assessment concluded", ""),
    ("2021-06-30", "Asylum procedure", "Plan to align procedures with the EU asylum acquis "
     "agreed", "EC Progress Report 2020, Chapter 24: asylum procedure"),
    ("2021-09-30", "Reception", "Reception quality monitoring framework in place", ""),
    ("2021-12-31", "Country of Origin Information", "COI unit connected to the EASO COI "
     "portal and networks", ""),
    ("2021-12-31", "Vulnerable applicants", "Specialised procedure for unaccompanied children "
     "in place", "EC Progress Report 2021, Chapter 24: unaccompanied children"),
    ("2022-03-31", "Quality assurance", "Joint quality audit of first-instance decisions "
     "conducted", ""),
]
# Per partner and framework: (status, achieved date) for each milestone in order.
A = "achieved"
STATUS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("AL", "first_generation_roadmap"): [
        (A, "2019-03-22"), (A, "2019-06-27"), (A, "2019-09-12"), (A, "2019-12-18"),
        (A, "2020-03-26"), (A, "2020-06-30"), (A, "2021-02-15"), (A, "2020-12-17")],
    ("BA", "first_generation_roadmap"): [
        (A, "2019-04-11"), (A, "2019-06-20"), (A, "2019-09-26"), (A, "2020-02-20"),
        (A, "2020-03-31"), (A, "2020-07-09"), (A, "2020-09-24"), ("in_progress", "")],
    ("XK", "first_generation_roadmap"): [
        (A, "2019-03-29"), (A, "2019-07-18"), (A, "2019-09-30"), (A, "2019-12-12"),
        (A, "2020-03-19"), (A, "2020-06-25"), ("dropped", ""), (A, "2021-03-10")],
    ("ME", "first_generation_roadmap"): [
        (A, "2019-03-14"), (A, "2019-06-28"), (A, "2019-09-20"), (A, "2019-12-20"),
        (A, "2020-07-14"), (A, "2020-06-18"), (A, "2020-09-29"), (A, "2020-12-10")],
    ("MK", "first_generation_roadmap"): [
        (A, "2019-03-28"), (A, "2019-06-13"), (A, "2019-09-26"), (A, "2019-12-05"),
        (A, "2020-03-12"), (A, "2020-10-20"), (A, "2020-09-17"), (A, "2021-01-28")],
    ("RS", "first_generation_roadmap"): [
        (A, "2019-03-21"), (A, "2019-06-24"), (A, "2019-11-05"), (A, "2019-12-19"),
        (A, "2020-03-27"), (A, "2020-06-23"), (A, "2020-09-30"), ("in_progress", "")],
    ("AL", "second_generation_roadmap"): [
        (A, "2021-03-19"), (A, "2021-07-20"), (A, "2021-06-11"), ("in_progress", ""),
        (A, "2021-12-16"), ("in_progress", ""), ("not_started", "")],
    ("BA", "second_generation_roadmap"): [
        (A, "2021-05-12"), ("in_progress", ""), ("dropped", ""), (A, "2021-09-28"),
        ("in_progress", ""), ("not_started", ""), ("not_started", "")],
    ("MK", "second_generation_roadmap"): [
        (A, "2021-03-25"), (A, "2021-06-22"), (A, "2021-09-02"), (A, "2021-09-30"),
        (A, "2021-12-09"), ("in_progress", ""), ("in_progress", "")],
    ("RS", "second_generation_roadmap"): [
        (A, "2021-02-26"), (A, "2021-06-30"), ("in_progress", ""), (A, "2021-11-10"),
        ("in_progress", ""), (A, "2021-12-20"), ("in_progress", "")],
    ("ME", "advanced_cooperation_framework"): [
        (A, "2021-03-30"), (A, "2021-08-05"), ("in_progress", ""), (A, "2021-12-02"),
        ("in_progress", ""), ("not_started", "")],
    ("XK", "advanced_cooperation_framework"): [
        (A, "2021-04-22"), (A, "2021-06-24"), (A, "2021-09-16"), ("in_progress", ""),
        (A, "2021-11-30"), ("in_progress", "")],
}
TEMPLATES = {"first_generation_roadmap": FIRST, "second_generation_roadmap": SECOND,
             "advanced_cooperation_framework": ADVANCED}
SHORT = {"first_generation_roadmap": "R1", "second_generation_roadmap": "R2",
         "advanced_cooperation_framework": "ACF"}
# fmt: on


def _milestones() -> list[Row]:
    rows = []
    for code in NATIONAL_CODES:
        for framework, template in TEMPLATES.items():
            statuses = STATUS.get((code, framework))
            if statuses is None:
                continue
            for n, ((due, area, text, ref), (status, day)) in enumerate(
                zip(template, statuses, strict=True), start=1
            ):
                rows.append(
                    {
                        "milestone_id": f"{code}-{SHORT[framework]}-{n:02d}",
                        "partner": code,
                        "framework": framework,
                        "priority_area": area,
                        "description": text,
                        "due_date": due,
                        "status": status,
                        "achieved_date": day,
                        "chapter24_ref": ref,
                    }
                )
    return rows


# --- activities and participation ------------------------------------------------------


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _weekday_in(year: int, month: int) -> dt.date:
    """A Monday-to-Wednesday between the 3rd and the 24th of the month."""
    day = dt.date(year, month, rng.randint(3, 24))
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 2 else 0)


def _delivery(day: dt.date) -> str:
    if PANDEMIC[0] <= _iso(day) <= PANDEMIC[1]:
        return rng.choice(("virtual", "virtual", "virtual", "blended"))
    if _iso(day) > PANDEMIC[1]:
        return rng.choice(("in_person", "in_person", "blended", "virtual"))
    return "in_person"


def _ttt_done() -> dict[str, str]:
    """Module -> end date of its first delivered regional train-the-trainers session."""
    done: dict[str, str] = {}
    for event in REGIONAL:
        if event[2] == "train_the_trainers" and event[5] == "delivered":
            done.setdefault(event[3], event[1])
    return done


def _activity(code: str, kind: str, start: dt.date, days: int, **extra: str) -> Row:
    row = {
        "activity_id": "",
        "title": "",
        "type": kind,
        "module": "",
        "scope": "national",
        "partner": code,
        "start_date": _iso(start),
        "end_date": _iso(start + dt.timedelta(days=days - 1)),
        "delivery": _delivery(start),
        "status": "delivered",
        "organisers": "EASO",
        "led_by_certified_trainer": "false",
    }
    row.update(extra)
    return row


def _national() -> list[Row]:
    """Recurring national work: a training each quarter, other activities every other one."""
    done = _ttt_done()
    rows: list[Row] = []
    for p, code in enumerate(NATIONAL_CODES):
        for i, (year, quarter) in enumerate(QUARTERS):
            month = 3 * quarter - 2
            start = _weekday_in(year, month + rng.randint(0, 2))
            module = MODULES[(2 * p + i) % len(MODULES)]
            showcase = (year, quarter) in ((2020, 4), (2021, 4))
            if showcase and module not in done:
                module = next(m for m in MODULES if m in done)  # cascade in the demo quarters
            ready = done.get(module, "9999") < _iso(start)
            led = ready and (rng.random() < 0.7 or (showcase and code != "BA"))
            organisers = {
                "Reception": "EASO;IOM",
                "Interviewing Vulnerable Persons": "EASO;UNHCR",
            }.get(module, "EASO")
            status = (
                "cancelled"
                if (year, quarter) == (2020, 2) and code in ("AL", "BA", "RS")
                else "delivered"
            )
            rows.append(
                _activity(
                    code,
                    "training",
                    start,
                    rng.randint(2, 4),
                    module=module,
                    status=status,
                    organisers=organisers,
                    led_by_certified_trainer="true" if led else "false",
                    title=f"{module} module training for "
                    f"{AUDIENCE.get(module, 'asylum caseworkers')}",
                )
            )
            if (i + p) % 2:
                continue
            kind = ("expert_meeting", "workshop", "study_visit", "training")[(i // 2 + p) % 4]
            start = _weekday_in(year, month + rng.randint(0, 2))
            topic = TOPICS[(i + 3 * p) % len(TOPICS)]
            if kind == "study_visit" and PANDEMIC[0] <= _iso(start) <= PANDEMIC[1]:
                kind = "expert_meeting"
            if kind == "study_visit":
                state = STATES[(i + p) % len(STATES)]
                rows.append(
                    _activity(
                        code,
                        kind,
                        start,
                        4,
                        title=f"Study visit to {state}: {topic}",
                        organisers=f"EASO;{state.removeprefix('the ')}",
                    )
                )
            elif kind == "training":
                second = MODULES[(2 * p + i + 3) % len(MODULES)]
                rows.append(
                    _activity(
                        code,
                        kind,
                        start,
                        3,
                        module=second,
                        title=f"{second} module training for newly recruited "
                        f"{AUDIENCE.get(second, 'asylum caseworkers')}",
                    )
                )
            else:
                label = "Expert meeting on" if kind == "expert_meeting" else "National workshop on"
                rows.append(
                    _activity(
                        code,
                        kind,
                        start,
                        rng.randint(1, 2),
                        title=f"{label} {topic}",
                        organisers="" if (i + p) % 5 == 0 else "EASO",
                    )
                )
    # Exceptions the calendar needs: a study visit called off at the outbreak.
    rows.append(
        _activity(
            "MK",
            "study_visit",
            dt.date(2020, 3, 16),
            4,
            status="cancelled",
            title="Study visit to Slovenia: reception of vulnerable applicants",
            organisers="EASO;Slovenia",
        )
    )
    rows.append(
        _activity(
            "XK",
            "workshop",
            dt.date(2021, 12, 13),
            1,
            status="cancelled",
            delivery="virtual",
            title="National workshop on asylum statistics",
        )
    )
    return rows


def _handovers(tools: list[Row]) -> list[Row]:
    """A tool handover on the day a partner's first translations of a tool are published."""
    published = sorted(
        (t for t in tools if t["status"] == "published"), key=lambda t: t["published_date"]
    )
    first: dict[tuple[str, str], list[Row]] = {}
    for t in published:
        batch = first.setdefault((t["partner"], t["tool_id"]), [t])
        if t is not batch[0] and t["published_date"] == batch[0]["published_date"]:
            batch.append(t)
    rows = []
    for (code, _), batch in first.items():
        names = [LANGUAGE_NAMES[t["language"]] for t in batch]
        editions = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        plural = "s" if len(names) > 1 else ""
        start = dt.date.fromisoformat(batch[0]["published_date"])
        rows.append(
            _activity(
                code,
                "tool_handover",
                start,
                1,
                delivery="in_person",
                title=f"Handover of the {editions} edition{plural} of the {batch[0]['title']}",
            )
        )
    return rows


def _planned() -> list[Row]:
    """The workplan for 2022Q1: one training per partner and some expert meetings."""
    rows = []
    for p, code in enumerate(NATIONAL_CODES):
        module = MODULES[(p + 4) % len(MODULES)]
        start = _weekday_in(2022, 1 + p % 3)
        rows.append(
            _activity(
                code,
                "training",
                start,
                3,
                module=module,
                status="planned",
                delivery="in_person",
                led_by_certified_trainer="true",
                title=f"{module} module training for asylum caseworkers",
            )
        )
        if p % 2 == 0:
            topic = TOPICS[(p + 5) % len(TOPICS)]
            rows.append(
                _activity(
                    code,
                    "expert_meeting",
                    _weekday_in(2022, 2 + p % 2),
                    1,
                    status="planned",
                    delivery="virtual",
                    title=f"Expert meeting on {topic}",
                )
            )
    return rows


def _regional() -> tuple[list[Row], list[tuple[Row, dict[str, int | None]]]]:
    rows, overrides = [], []
    for start, end, kind, module, delivery, status, organisers, led, title, extra in REGIONAL:
        row = {
            "activity_id": "",
            "title": title,
            "type": kind,
            "module": module,
            "scope": "regional",
            "partner": "WB",
            "start_date": start,
            "end_date": end,
            "delivery": delivery,
            "status": status,
            "organisers": organisers,
            "led_by_certified_trainer": "true" if led else "false",
        }
        rows.append(row)
        overrides.append((row, extra))
    return rows, overrides


HEADS = {
    "training": (12, 28),
    "train_the_trainers": (2, 4),
    "workshop": (2, 5),
    "expert_meeting": (1, 3),
    "study_visit": (2, 4),
    "tool_handover": (4, 12),
}
REGIONAL_TRAINING = (3, 5)  # per partner at a regional training


def _heads(kind: str, regional: bool) -> tuple[int, int, int]:
    """Participants, women and certified trainers of one participation row."""
    low, high = REGIONAL_TRAINING if regional and kind == "training" else HEADS[kind]
    if not regional and kind in ("workshop", "expert_meeting", "study_visit"):
        low, high = {"study_visit": (4, 8)}.get(kind, (8, 20))
    people = rng.randint(low, high)
    women = round(people * rng.uniform(0.3, 0.7))
    certified = people - rng.choice((0, 0, 1)) if kind == "train_the_trainers" else 0
    return people, women, certified


def _participation(activities: list[Row], overrides: dict[str, dict[str, int | None]]) -> list[Row]:
    rows = []
    for a in activities:
        if a["status"] != "delivered":
            continue
        regional = a["scope"] == "regional"
        extra = overrides.get(a["activity_id"], {})
        for code in NATIONAL_CODES if regional else (a["partner"],):
            if code in extra and extra[code] is None:
                continue
            people, women, certified = _heads(a["type"], regional)
            if extra.get(code) == 0:
                people = women = certified = 0
            rows.append(
                {
                    "activity_id": a["activity_id"],
                    "partner": code,
                    "participants": str(people),
                    "women": str(women),
                    "certified_trainers": str(certified),
                }
            )
    return rows


def _number(activities: list[Row]) -> None:
    """Ids like ``AL-2020-03``: partner, year of the start, running number in that year."""
    counters: dict[tuple[str, str], int] = {}
    for a in activities:
        key = (a["partner"], a["start_date"][:4])
        counters[key] = counters.get(key, 0) + 1
        a["activity_id"] = f"{key[0]}-{key[1]}-{counters[key]:02d}"


def _frame(name: str, rows: list[Row]) -> pd.DataFrame:
    columns = list(TABLES_BY_NAME[name].column_names)
    return pd.DataFrame([[r[c] for c in columns] for r in rows], columns=columns, dtype=str)


def build() -> dict[str, pd.DataFrame]:
    """The ten sample tables as text frames."""
    tools = _tools()
    regional, extras = _regional()
    activities = regional + _national() + _handovers(tools) + _planned()
    order = {c: i for i, c in enumerate((*NATIONAL_CODES, "WB"))}
    activities.sort(key=lambda a: (a["start_date"], order[a["partner"]], a["title"]))
    _number(activities)
    overrides = {row["activity_id"]: extra for row, extra in extras}
    tables = {
        "activities": _frame("activities", activities),
        "participation": _frame("participation", _participation(activities, overrides)),
        "milestones": _frame("milestones", _milestones()),
        "tools": _frame("tools", tools),
    }
    indicators = [
        "activities_delivered",
        "participants",
        "women_share",
        "trainers_certified",
        "certified_trainers_to_date",
        "cascade_sessions",
        "milestone_completion_rate",
        "translations_published",
        "tools_available",
    ]
    targets = make_targets(tables, np.random.default_rng(SEED), indicators)
    extra = np.random.default_rng([SEED, 1])
    tables["targets"] = pd.concat(
        [targets, more_targets(tables, extra, results.CUSTOM_NAMES)], ignore_index=True
    )
    tables["evaluations"] = evaluation.evaluations(extra, tables)
    tables["followups"] = evaluation.followups(extra, tables)
    tables["results"] = results.results()
    tables["indicator_definitions"] = results.indicator_definitions()
    tables["observations"] = results.observations(extra)
    return tables


if __name__ == "__main__":
    for path in write_package(build(), HERE):
        print(path.relative_to(HERE.parent.parent))
