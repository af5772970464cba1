"""Deterministic synthetic data packages for tests, benchmarks and demonstrations.

``generate(scale, seed)`` builds the five tables of SPEC §2 as text frames that pass
every validation rule; ``write_package`` writes them as a folder of CSV files.
Everything is drawn with one ``np.random.default_rng(seed)`` in a fixed order and
vectorised, so the same ``(scale, seed)`` always gives byte-identical files and
``scale=1000`` (about a million participation rows) takes seconds.

Time span: delivered work ends on 2021-12-31 at every scale (the default period
is always 2021Q4) and planned work and due milestones run into the workplan
quarter 2022Q1. The span starts in 2019 for scale < 10, in 2016 for scale < 100
and in 2010 beyond, so quarters grow denser more slowly than the data.

The data deliberately contain the cases indicators must get right: cancelled and
planned activities (some with head-counts), regional activities where a partner
has no row or a row with 0 participants, activities straddling a quarter
boundary, virtual and blended delivery, certified-trainer-led trainings (national
ones count as cascade sessions, regional ones do not), milestones achieved after
their due date, dropped milestones, tools in translation or planned, English
(``en``) originals, and targets with empty baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from wbreport.partners import ALL_CODES, NATIONAL_CODES, PARTNERS
from wbreport.periods import parse_period
from wbreport.registry import PROGRAMMING_NAMES
from wbreport.schema import (
    ACTIVITY_STATUS,
    ACTIVITY_TYPES,
    DELIVERY,
    FRAMEWORKS,
    LANGUAGES,
    LOWER_IS_BETTER,
    MODULE_TYPES,
    RATIO_INDICATORS,
    SCOPES,
    TABLES,
    TOOL_STATUS,
)

__all__ = ["REFERENCE_DATE", "first_year", "generate", "make_targets", "write_package"]

REFERENCE_DATE = np.datetime64("2021-12-31", "D")  # last day of delivered work
WORKPLAN_END = np.datetime64("2022-03-31", "D")  # planned work runs into 2022Q1
PANDEMIC_START = np.datetime64("2020-03-15", "D")  # delivery turns largely virtual
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

# Indicators whose WB value is the sum over the partners (targets add up too).
ADDITIVE = frozenset(
    {
        "participants",
        "trainers_certified",
        "certified_trainers_to_date",
        "cascade_sessions",
        "milestones_due",
        "milestones_achieved",
        "translations_published",
    }
)
_STOCKS = frozenset(
    {
        "certified_trainers_to_date",
        "milestones_due",
        "milestones_achieved",
        "tools_available",
        "languages_covered",
    }
)
# Target levels for ratio indicators: (targets to pick from, baselines to pick from).
_RATIO_LEVELS = {
    "women_share": ((0.45, 0.5), ("", "0.35", "0.4")),
    "virtual_share": ((0.25, 0.3, 0.4), ("", "0.1")),
    "milestone_completion_rate": ((0.75, 0.8, 0.9), ("", "0.5", "0.6")),
}


def generate(scale: int = 1, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate a valid synthetic data package.

    Parameters
    ----------
    scale
        Size factor: about ``scale`` × 1,000 participation rows (515 activities,
        90 milestones and 6 tools per unit).
    seed
        Seed of ``numpy.random.default_rng``; equal arguments give equal tables.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Tables ``activities``, ``participation``, ``milestones``, ``tools`` and
        ``targets`` with exactly the columns of SPEC §2, every cell text (``""``
        when empty, dates ``YYYY-MM-DD``, booleans ``true``/``false``).
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    rng = np.random.default_rng(seed)
    first_day = np.datetime64(f"{first_year(scale)}-01-01", "D")
    activities, act = _activities(rng, ACTIVITIES_PER_SCALE * scale, first_day)
    tables = {
        "activities": activities,
        "participation": _participation(rng, act),
        "milestones": _milestones(rng, MILESTONES_PER_SCALE * scale, first_day),
        "tools": _tools(rng, TOOLS_PER_SCALE * scale, first_day),
    }
    indicators = [i for i in PROGRAMMING_NAMES if i not in LOWER_IS_BETTER]
    tables["targets"] = make_targets(tables, rng, indicators)
    return tables


def check_target(out: Path, force: bool = False) -> None:
    """Refuse to write a package where it would overwrite anything (unless ``force``).

    Raises :class:`~wbreport.errors.UsageError` when ``out`` is a file, cannot be
    listed, or is a folder that is not empty and ``force`` is not given.
    """
    from wbreport.errors import UsageError

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder: choose a folder for the package")
    if not out.exists():
        return
    try:
        entries = [p.name for p in out.iterdir()]
    except OSError as exc:
        raise UsageError(f"cannot read folder {out}: {exc.strerror or exc}") from None
    if entries and not force:
        shown = ", ".join(sorted(entries)[:5]) + (", …" if len(entries) > 5 else "")
        raise UsageError(
            f"{out} is not empty ({shown}); demo-data would overwrite files there: "
            "choose an empty or new folder, or add --force"
        )


def write_package(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write each table to ``<out>/<table>.csv`` (UTF-8, comma, header, no index).

    Parameters
    ----------
    tables
        Frames keyed by table name, as returned by :func:`generate`.
    out
        Folder to write into; created when missing.

    Returns
    -------
    list[pathlib.Path]
        The files written, in the order of ``tables``.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from wbreport.errors import UsageError

        raise UsageError(f"cannot create folder {out}: {exc.strerror or exc}") from None
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


def first_year(scale: int) -> int:
    """First year of the generated time span (the span always ends in 2021)."""
    return 2019 if scale < 10 else 2016 if scale < 100 else 2010


# --- tables -------------------------------------------------------------------


def _text(values: np.ndarray | str) -> np.ndarray:
    """Object array of ``str``; equal cells share one object, which saves most memory."""
    values = np.asarray(values)
    if values.dtype == object:
        return values
    unique, inverse = np.unique(values, return_inverse=True)
    return unique.astype(str).astype(object)[inverse]


def _pick(choices: Sequence[str], index: np.ndarray) -> np.ndarray:
    """``choices[index]`` as an object array of shared ``str`` objects."""
    return np.array(choices, dtype=object)[index]


def _join(*parts: np.ndarray | str) -> np.ndarray:
    """Concatenate arrays (or scalars) of any type element-wise as text."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


def _iso(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    text = _text(days.astype("datetime64[D]"))
    return text if present is None else np.where(present, text, "")


def _serial(n: int) -> np.ndarray:
    return np.char.zfill(np.arange(1, n + 1).astype(str), max(5, len(str(n))))


def _frame(name: str, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    table = next(t for t in TABLES if t.name == name)
    n = len(next(iter(columns.values())))
    return pd.DataFrame(
        {
            c: _text(columns[c]) if c in columns else np.full(n, "", dtype=object)
            for c in table.column_names
        },
        dtype=str,
    )


def _activities(
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
    delivery = _pick(DELIVERY, np.select([u < virtual, u < blended], [1, 2], 0))

    nation = rng.integers(0, len(NATIONAL_CODES), n)
    partner = _pick(ALL_CODES, np.where(regional, ALL_CODES.index("WB"), nation))
    has_module = np.isin(kind, [ACTIVITY_TYPES.index(t) for t in MODULE_TYPES])
    module_index = rng.integers(0, len(MODULES), n)
    module = _pick(("", *MODULES), np.where(has_module, module_index + 1, 0))
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
    organisers = _pick((*combos, ""), np.where(regional, bits, national_org))

    year = start.astype("datetime64[Y]").astype(int) + 1970
    ids = _join(partner, "-", year, "-", _serial(n)).astype(object)  # shared by participation
    columns = {
        "activity_id": ids,
        "title": title,
        "type": _pick(ACTIVITY_TYPES, kind),
        "module": module,
        "scope": _pick(SCOPES, regional.astype(int)),
        "partner": partner,
        "start_date": _iso(start),
        "end_date": _iso(end),
        "delivery": delivery,
        "status": _pick(ACTIVITY_STATUS, status),
        "organisers": organisers,
        "led_by_certified_trainer": _pick(("false", "true"), led.astype(int)),
    }
    arrays = {"id": ids, "kind": kind, "regional": regional, "nation": nation, "status": status}
    return _frame("activities", columns), arrays


def _participation(rng: np.random.Generator, act: dict[str, np.ndarray]) -> pd.DataFrame:
    """Head-counts: one row for most national activities, up to six per regional one."""
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
        "partner": _pick(NATIONAL_CODES, nation),
        "participants": participants,
        "women": women,
        "certified_trainers": certified,
    }
    return _frame("participation", columns)


def _milestones(rng: np.random.Generator, n: int, first_day: np.datetime64) -> pd.DataFrame:
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
    framework = _pick(FRAMEWORKS, np.where(advanced, 2, second.astype(int)))
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
        rng.random(n) < 0.35, _join("EC Progress Report ", year - 1, ", Chapter 24"), ""
    )
    partner = _pick(NATIONAL_CODES, nation)
    columns = {
        "milestone_id": _join("MS-", partner, "-", _serial(n)).astype(object),
        "partner": partner,
        "framework": framework,
        "priority_area": _pick(list(PRIORITY_AREAS), area),
        "description": _pick(list(PRIORITY_AREAS.values()), area),
        "due_date": _iso(due),
        "status": status,
        "achieved_date": _iso(achieved, status == "achieved"),
        "chapter24_ref": chapter24,
    }
    return _frame("milestones", columns)


def _tools(rng: np.random.Generator, n: int, first_day: np.datetime64) -> pd.DataFrame:
    """Translations of ``n`` tools into partner languages, plus some English originals."""
    combos = [(p.code, lang) for p in PARTNERS if not p.is_region for lang in (*p.languages, "en")]
    is_en = np.array([lang == "en" for _, lang in combos])
    present = rng.random((n, len(combos))) < np.where(is_en, 0.15, 0.8)
    tool, combo = np.nonzero(present)
    m = len(tool)
    u = rng.random(m)
    status = _pick(TOOL_STATUS, np.select([u < 0.65, u < 0.85], [2, 1], 0))
    span = int((REFERENCE_DATE - first_day).astype(int))
    published = first_day + rng.integers(0, span + 1, m)
    k = len(TOOL_TITLES)
    titles = np.array(
        [TOOL_TITLES[i % k] + ("" if i < k else f" (edition {i // k + 1})") for i in range(n)],
        dtype=object,
    )
    columns = {
        "tool_id": _join("TOOL-", _serial(n)).astype(object)[tool],
        "title": titles[tool],
        "partner": _pick([p for p, _ in combos], combo),
        "language": _pick([lang for _, lang in combos], combo),
        "status": status,
        "published_date": _iso(published, status == "published"),
    }
    return _frame("tools", columns)


# --- targets ------------------------------------------------------------------


def _quarter(dates: pd.Series) -> np.ndarray:
    """Quarters since 1970Q1 of ISO date strings; a large negative number when empty."""
    text = dates.to_numpy(dtype=str)
    filled = np.where(text == "", "1000-01-01", text).astype("datetime64[D]")
    quarter = filled.astype("datetime64[M]").astype(int) // 3
    return np.where(text == "", -(10**6), quarter)


def _quarter_label(index: int) -> str:
    return f"{index // 4 + 1970}Q{index % 4 + 1}"


def _proxies(tables: dict[str, pd.DataFrame], last: int, quarters: int) -> dict[str, np.ndarray]:
    """Approximate values of count indicators: arrays of 7 codes × quarters ending with ``last``.

    Flows count what falls in each quarter, stocks what is reached by its end. The
    arrays start before the earliest date in the data (so stocks are complete) and
    have at least ``quarters + 1`` columns. Close enough to make targets plausible;
    the real figures come from ``wbreport.indicators``.
    """
    act, part = tables["activities"], tables["participation"]
    ms, tools = tables["milestones"], tables["tools"]
    act_q, due_q = _quarter(act["end_date"]), _quarter(ms["due_date"])
    done_q, tool_q = _quarter(ms["achieved_date"]), _quarter(tools["published_date"])
    dated = np.concatenate([act_q, due_q, done_q, tool_q])
    first = min(last - quarters, int(dated[dated >= 0].min(initial=last)) - 1)
    width = last - first + 1
    codes = pd.Index(ALL_CODES)
    wb = codes.get_loc("WB")

    def grid(
        partner: pd.Series | str,
        quarter: np.ndarray,
        weight: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        if isinstance(partner, str):
            idx = np.full(len(quarter), codes.get_loc(partner))
        else:
            idx = codes.get_indexer(pd.Index(partner))
        keep = (quarter >= first) & (quarter <= last)
        if mask is not None:
            keep &= mask
        flat = idx[keep] * width + quarter[keep] - first
        w = None if weight is None else np.asarray(weight, dtype=float)[keep]
        return np.bincount(flat, weights=w, minlength=len(codes) * width).reshape(-1, width)

    def stock_first(frame: pd.DataFrame, keys: list[str], quarter: np.ndarray) -> np.ndarray:
        firsts = frame.assign(q=quarter).groupby(keys, sort=False)["q"].min().reset_index()
        partner = firsts["partner"] if "partner" in keys else "WB"
        return grid(partner, firsts["q"].to_numpy()).cumsum(axis=1)

    delivered = (act["status"] == "delivered").to_numpy()
    national = (act["scope"] == "national").to_numpy()
    pos = pd.Index(act["activity_id"]).get_indexer(part["activity_id"])
    row_q, row_delivered = act_q[pos], delivered[pos]
    heads = part["participants"].astype(int).to_numpy()
    row_regional = ~national[pos]

    v: dict[str, np.ndarray] = {}
    regional = grid(part["partner"], row_q, mask=row_delivered & row_regional & (heads > 0))
    regional[wb] = grid("WB", act_q, mask=delivered & ~national)[wb]
    v["regional_activities"] = regional
    v["activities_delivered"] = regional + grid(act["partner"], act_q, mask=delivered & national)
    v["activities_delivered"][wb] = grid("WB", act_q, mask=delivered)[wb]
    v["participants"] = grid(part["partner"], row_q, heads, row_delivered)
    certified = part["certified_trainers"].astype(int).to_numpy()
    v["trainers_certified"] = grid(part["partner"], row_q, certified, row_delivered)
    cascade = (
        delivered
        & national
        & (act["type"] == "training").to_numpy()
        & (act["led_by_certified_trainer"].str.lower() == "true").to_numpy()
    )
    v["cascade_sessions"] = grid(act["partner"], act_q, mask=cascade)
    v["certified_trainers_to_date"] = v["trainers_certified"].cumsum(axis=1)

    counted = (ms["status"] != "dropped").to_numpy()
    achieved = (ms["status"] == "achieved").to_numpy()
    v["milestones_due"] = grid(ms["partner"], due_q, mask=counted).cumsum(axis=1)
    v["milestones_achieved"] = grid(ms["partner"], done_q, mask=achieved).cumsum(axis=1)

    is_published = (tools["published_date"] != "").to_numpy()
    published, tool_q = tools[is_published], tool_q[is_published]
    v["translations_published"] = grid(published["partner"], tool_q)
    for name, key in (("tools_available", "tool_id"), ("languages_covered", "language")):
        v[name] = stock_first(published, [key, "partner"], tool_q)
        v[name][wb] = stock_first(published, [key], tool_q)[wb]
    for name in ADDITIVE:
        v[name][wb] = v[name][:wb].sum(axis=0)
    return v


def make_targets(
    tables: dict[str, pd.DataFrame],
    rng: np.random.Generator,
    indicators: Sequence[str],
    last_quarter: str = "2021Q4",
    quarters: int = 8,
) -> pd.DataFrame:
    """Plausible targets for ``indicators`` over the ``quarters`` up to ``last_quarter``.

    Parameters
    ----------
    tables
        The four required tables as text frames.
    rng
        Random generator (consumed in a fixed order, so the result is deterministic).
    indicators
        Indicator names to set targets for (never ``milestones_overdue``).
    last_quarter, quarters
        The target quarters; each year they cover completely also gets targets.

    Returns
    -------
    pandas.DataFrame
        The ``targets`` table as text. Flow targets scatter around the data (so RAG
        varies), quarters where nothing happens get none, and a year's target sums
        its quarters'; stock targets start from the level the previous period
        reached; ratios get round levels; WB targets of additive indicators sum the
        partners'. Some flow baselines are empty (they count as 0).
    """
    period = parse_period(last_quarter)
    last = (period.start.year - 1970) * 4 + (period.start.month - 1) // 3
    first = last - quarters + 1
    labels = [_quarter_label(q) for q in range(first, last + 1)]
    years = [q // 4 for q in range(first, last + 1) if q % 4 == 3 and q - 3 >= first]
    proxy = _proxies(tables, last, quarters)
    n_tools = tables["tools"]["tool_id"].nunique()
    ceiling = {
        "languages_covered": np.array(
            [len(p.languages) + 1 for p in PARTNERS if not p.is_region] + [len(LANGUAGES)]
        ),
        "tools_available": np.full(len(ALL_CODES), n_tools),
    }
    wb = ALL_CODES.index("WB")
    rows: list[tuple[str, str, str, str, str]] = []
    for name in indicators:
        if name in LOWER_IS_BETTER:
            raise ValueError(f"no targets may be set for {name} (lower is better)")
        if name in RATIO_INDICATORS:
            rows += _ratio_targets(rng, name, labels + [str(y + 1970) for y in years])
            continue
        values, previous = proxy[name][:, -quarters:], proxy[name][:, -quarters - 1 : -1]
        factor = rng.uniform(0.75, 1.8, values.shape)  # achievement from about 0.55 to 1.3
        if name in _STOCKS:
            base = previous
            target = previous + np.maximum(1, np.rint((values - previous) * factor))
            if name in ceiling:
                target = np.minimum(target, ceiling[name][:, None])
            keep = target > base
            blank = np.zeros(values.shape, dtype=bool)
        else:
            blank = rng.random(values.shape) < 0.5
            base = np.where(blank, 0, np.floor(values * rng.uniform(0, 0.3, values.shape)))
            target = np.maximum(1, np.rint(values * factor))
            keep = values > 0
        target, base = target.astype(np.int64), base.astype(np.int64)
        if name in ADDITIVE:
            target[wb] = (target[:wb] * keep[:wb]).sum(axis=0)
            base[wb] = (base[:wb] * keep[:wb]).sum(axis=0)
            keep[wb] = keep[:wb].any(axis=0)
            blank[wb] = blank[wb] & (base[wb] == 0)
        for p, code in enumerate(ALL_CODES):
            for c in np.flatnonzero(keep[p]):
                shown = "" if blank[p, c] else str(base[p, c])
                rows.append((name, code, labels[c], shown, str(target[p, c])))
            for y in years:
                cols = [c for c in range(quarters) if (first + c) // 4 == y]
                if name in _STOCKS:  # from the level at the start of the year to Q4's target
                    floor, total = int(base[p, cols[0]]), int(target[p, cols[-1]])
                    shown = str(floor)
                else:  # the sum of the quarters' targets
                    floor, total = 0, int((target[p, cols] * keep[p, cols]).sum())
                    shown = ""
                if total > floor:
                    rows.append((name, code, str(y + 1970), shown, str(total)))
    frame = pd.DataFrame(rows, columns=["indicator", "partner", "period", "baseline", "target"])
    return _frame("targets", {c: frame[c].to_numpy() for c in frame.columns})


def _ratio_targets(
    rng: np.random.Generator, name: str, periods: list[str]
) -> list[tuple[str, str, str, str, str]]:
    """One round target level (and baseline) per code for a ratio indicator."""
    levels, baselines = _RATIO_LEVELS[name]
    target = rng.choice(levels, size=len(ALL_CODES))
    base = rng.choice(baselines, size=len(ALL_CODES))
    return [
        (name, code, label, str(base[p]), f"{target[p]:g}")
        for p, code in enumerate(ALL_CODES)
        for label in periods
    ]
