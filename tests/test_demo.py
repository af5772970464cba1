"""The demo generator and the shipped sample package obey the data contract (SPEC §2).

The rules are restated here directly from the specification, independently of
``wbreport.validate``, so a mistake in either shows up as a disagreement.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wbreport import schema
from wbreport.demo import generate, write_package
from wbreport.schema import TABLES_BY_NAME

SAMPLE = Path(__file__).resolve().parent.parent / "wbreport" / "sample_data"

COLUMNS = {
    "activities": [
        "activity_id",
        "title",
        "type",
        "module",
        "scope",
        "partner",
        "start_date",
        "end_date",
        "delivery",
        "status",
        "organisers",
        "led_by_certified_trainer",
    ],
    "participation": ["activity_id", "partner", "participants", "women", "certified_trainers"],
    "milestones": [
        "milestone_id",
        "partner",
        "framework",
        "priority_area",
        "description",
        "due_date",
        "status",
        "achieved_date",
        "chapter24_ref",
    ],
    "tools": ["tool_id", "title", "partner", "language", "status", "published_date"],
    "targets": ["indicator", "partner", "period", "baseline", "target", "scope"],
    "evaluations": [
        "activity_id",
        "partner",
        "respondents",
        "satisfaction_1",
        "satisfaction_2",
        "satisfaction_3",
        "satisfaction_4",
        "satisfaction_5",
        "useful",
        "pre_tested",
        "post_tested",
        "pre_score_mean",
        "post_score_mean",
        "passed",
    ],
    "followups": ["activity_id", "partner", "survey_date", "respondents", "applying"],
    "results": [
        "result_id",
        "level",
        "parent_id",
        "partner",
        "statement",
        "indicators",
        "means_of_verification",
    ],
    "indicator_definitions": ["indicator", "label", "unit", "direction"],
    "observations": ["indicator", "partner", "period", "value", "source"],
}
PROGRAMMING = list(COLUMNS)[:5]  # the tables of SPEC §2
SATISFACTION = [f"satisfaction_{k}" for k in range(1, 6)]
NATIONAL = {"AL", "BA", "XK", "ME", "MK", "RS"}
LANGUAGES = {
    "AL": {"sq"},
    "BA": {"bs", "hr", "sr-Latn", "sr-Cyrl"},
    "XK": {"sq", "sr-Latn"},
    "ME": {"cnr", "sr-Latn"},
    "MK": {"mk", "sq"},
    "RS": {"sr-Cyrl", "sr-Latn"},
}
INDICATORS = set(schema.INDICATORS)  # the contract's names; the rules below are restated
ID = r"[A-Za-z0-9_-]{1,64}"
PERIOD = r"\d{4}|\d{4}H[12]|\d{4}Q[1-4]|\d{4}-(0[1-9]|1[0-2])"
NUMBER = r"-?\d+(\.\d+)?"


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in COLUMNS
    }


def _dates(values: pd.Series) -> pd.Series:
    shape = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(values.where(shape), format="%Y-%m-%d", errors="coerce")


def problems(t: dict[str, pd.DataFrame]) -> list[str]:
    """Every broken SPEC §2 rule, as ``table: rule`` with the number of offending rows."""
    found: list[str] = []

    def check(table: str, rule: str, bad: pd.Series) -> None:
        if bad.any():
            found.append(f"{table}: {rule} ({int(bad.sum())} rows)")

    for name, columns in COLUMNS.items():
        assert list(t[name].columns) == columns, name
        text = t[name].apply(lambda s: s.map(lambda v: isinstance(v, str))).all().all()
        check(name, "every cell is text", pd.Series([not text]))

    a = t["activities"]
    check("activities", "id pattern", ~a["activity_id"].str.fullmatch(ID))
    check("activities", "unique id", a["activity_id"].duplicated())
    check("activities", "title non-empty", a["title"].str.strip() == "")
    check(
        "activities",
        "type",
        ~a["type"].isin(
            [
                "training",
                "train_the_trainers",
                "workshop",
                "expert_meeting",
                "study_visit",
                "tool_handover",
            ]
        ),
    )
    needs_module = a["type"].isin(["training", "train_the_trainers"])
    check("activities", "module for trainings", needs_module & (a["module"].str.strip() == ""))
    check("activities", "scope", ~a["scope"].isin(["national", "regional"]))
    check(
        "activities", "regional partner is WB", (a["scope"] == "regional") & (a["partner"] != "WB")
    )
    check(
        "activities", "national partner", (a["scope"] == "national") & ~a["partner"].isin(NATIONAL)
    )
    start, end = _dates(a["start_date"]), _dates(a["end_date"])
    check("activities", "dates", start.isna() | end.isna())
    check("activities", "end >= start", end < start)
    check("activities", "delivery", ~a["delivery"].isin(["in_person", "virtual", "blended"]))
    check("activities", "status", ~a["status"].isin(["planned", "delivered", "cancelled"]))
    check(
        "activities",
        "boolean",
        ~a["led_by_certified_trainer"].str.lower().isin(["true", "false", ""]),
    )

    p = t["participation"]
    act = a.set_index("activity_id")
    known = p["activity_id"].isin(act.index)
    check("participation", "activity exists", ~known)
    check("participation", "partner", ~p["partner"].isin(NATIONAL))
    scope = p["activity_id"].map(act["scope"])
    check(
        "participation",
        "national partner matches",
        (scope == "national") & (p["partner"] != p["activity_id"].map(act["partner"])),
    )
    check("participation", "unique (activity, partner)", p.duplicated(["activity_id", "partner"]))
    counts = p[["participants", "women", "certified_trainers"]]
    check(
        "participation",
        "integers >= 0",
        ~counts.apply(lambda s: s.str.fullmatch(r"\d+")).all(axis=1),
    )
    n = counts.astype(int)
    check("participation", "women <= participants", n["women"] > n["participants"])
    check("participation", "certified <= participants", n["certified_trainers"] > n["participants"])
    kind = p["activity_id"].map(act["type"])
    check(
        "participation",
        "certified only for train_the_trainers",
        (kind != "train_the_trainers") & (n["certified_trainers"] > 0),
    )

    m = t["milestones"]
    check("milestones", "id pattern", ~m["milestone_id"].str.fullmatch(ID))
    check("milestones", "unique id", m["milestone_id"].duplicated())
    check("milestones", "partner", ~m["partner"].isin(NATIONAL))
    check(
        "milestones",
        "framework",
        ~m["framework"].isin(
            [
                "first_generation_roadmap",
                "second_generation_roadmap",
                "advanced_cooperation_framework",
            ]
        ),
    )
    check("milestones", "priority area", m["priority_area"].str.strip() == "")
    check("milestones", "due date", _dates(m["due_date"]).isna())
    check(
        "milestones",
        "status",
        ~m["status"].isin(["not_started", "in_progress", "achieved", "dropped"]),
    )
    achieved = m["status"] == "achieved"
    check("milestones", "achieved_date iff achieved", achieved != (m["achieved_date"] != ""))
    check("milestones", "achieved_date is a date", achieved & _dates(m["achieved_date"]).isna())

    tl = t["tools"]
    check("tools", "id pattern", ~tl["tool_id"].str.fullmatch(ID))
    check("tools", "title", tl["title"].str.strip() == "")
    check("tools", "partner", ~tl["partner"].isin(NATIONAL))
    allowed = [
        lang == "en" or lang in LANGUAGES.get(code, set())
        for code, lang in zip(tl["partner"], tl["language"], strict=True)
    ]
    check("tools", "language of the partner or en", ~pd.Series(allowed, index=tl.index))
    check("tools", "status", ~tl["status"].isin(["planned", "in_translation", "published"]))
    published = tl["status"] == "published"
    check("tools", "published_date iff published", published != (tl["published_date"] != ""))
    check("tools", "published_date is a date", published & _dates(tl["published_date"]).isna())
    check(
        "tools",
        "unique (tool, partner, language)",
        tl.duplicated(["tool_id", "partner", "language"]),
    )

    declared = (
        set(t["indicator_definitions"]["indicator"]) if "indicator_definitions" in t else set()
    )
    g = t["targets"]
    check("targets", "indicator", ~g["indicator"].isin(INDICATORS | declared))
    check("targets", "scope", ~g["scope"].isin(["", "period", "to_date"]))
    check("targets", "partner", ~g["partner"].isin(NATIONAL | {"WB"}))
    check("targets", "canonical period", ~g["period"].str.fullmatch(PERIOD))
    check(
        "targets",
        "baseline number or empty",
        ~(g["baseline"].str.fullmatch(NUMBER) | (g["baseline"] == "")),
    )
    check("targets", "target number", ~g["target"].str.fullmatch(NUMBER))
    scope = g["scope"].replace("", "period")
    check(
        "targets",
        "unique (indicator, partner, period, scope)",
        g.assign(scope=scope).duplicated(["indicator", "partner", "period", "scope"]),
    )
    if "evaluations" in t:
        found += evaluation_problems(t)
        found += results_problems(t)
    return found


def _counts(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame | None:
    """The columns as integers, or None when a cell is not a whole number >= 0."""
    cells = frame[columns]
    if not cells.apply(lambda s: s.str.fullmatch(r"\d+")).all().all():
        return None
    return cells.astype(int)


def evaluation_problems(t: dict[str, pd.DataFrame]) -> list[str]:
    """Every broken SPEC §8 rule of ``evaluations`` and ``followups``."""
    found: list[str] = []

    def check(table: str, rule: str, bad: pd.Series) -> None:
        if bad.any():
            found.append(f"{table}: {rule} ({int(bad.sum())} rows)")

    act = t["activities"].set_index("activity_id")
    heads = t["participation"].set_index(["activity_id", "partner"])["participants"].astype(int)
    for name in ("evaluations", "followups"):
        e = t[name]
        check(name, "activity exists", ~e["activity_id"].isin(act.index))
        status = e["activity_id"].map(act["status"])
        check(name, "activity delivered", status != "delivered")
        kind = e["activity_id"].map(act["type"])
        check(name, "evaluated type", ~kind.isin(["training", "train_the_trainers", "workshop"]))
        key = pd.MultiIndex.from_frame(e[["activity_id", "partner"]])
        check(name, "(activity, partner) in participation", ~key.isin(heads.index))
    e = t["evaluations"]
    counts = ["respondents", *SATISFACTION, "useful", "pre_tested", "post_tested", "passed"]
    n = _counts(e, counts)
    check("evaluations", "counts are integers >= 0", pd.Series([n is None]))
    if n is None:
        return found
    people = pd.Series(
        heads.reindex(pd.MultiIndex.from_frame(e[["activity_id", "partner"]])).to_numpy(),
        index=e.index,
    )
    check("evaluations", "respondents <= participants", n["respondents"] > people)
    check(
        "evaluations",
        "satisfaction sums to respondents",
        n[SATISFACTION].sum(axis=1) != n["respondents"],
    )
    check("evaluations", "useful <= respondents", n["useful"] > n["respondents"])
    check("evaluations", "pre_tested <= participants", n["pre_tested"] > people)
    check("evaluations", "post_tested <= participants", n["post_tested"] > people)
    check("evaluations", "passed <= post_tested", n["passed"] > n["post_tested"])
    for mean, tested in (("pre_score_mean", "pre_tested"), ("post_score_mean", "post_tested")):
        given = e[mean] != ""
        check("evaluations", f"{mean} iff {tested} > 0", given != (n[tested] > 0))
        score = pd.to_numeric(e[mean].where(e[mean].str.fullmatch(NUMBER)), errors="coerce")
        check("evaluations", f"{mean} in 0-100", given & ~score.between(0, 100))
    check("evaluations", "unique (activity, partner)", e.duplicated(["activity_id", "partner"]))

    f = t["followups"]
    n = _counts(f, ["respondents", "applying"])
    check("followups", "counts are integers >= 0", pd.Series([n is None]))
    if n is None:
        return found
    people = pd.Series(
        heads.reindex(pd.MultiIndex.from_frame(f[["activity_id", "partner"]])).to_numpy(),
        index=f.index,
    )
    check("followups", "respondents <= participants", n["respondents"] > people)
    check("followups", "applying <= respondents", n["applying"] > n["respondents"])
    survey, end = _dates(f["survey_date"]), _dates(f["activity_id"].map(act["end_date"]))
    check("followups", "survey_date is a date", survey.isna())
    check("followups", "survey_date >= end_date", survey < end)
    check(
        "followups",
        "unique (activity, partner, survey_date)",
        f.duplicated(["activity_id", "partner", "survey_date"]),
    )
    return found


def results_problems(t: dict[str, pd.DataFrame]) -> list[str]:
    """Every broken SPEC §9 rule of ``results``, ``indicator_definitions``, ``observations``."""
    found: list[str] = []

    def check(table: str, rule: str, bad: pd.Series) -> None:
        if bad.any():
            found.append(f"{table}: {rule} ({int(bad.sum())} rows)")

    d = t["indicator_definitions"]
    check(
        "indicator_definitions",
        "name pattern",
        ~d["indicator"].str.fullmatch(r"[a-z][a-z0-9_]{0,63}"),
    )
    check("indicator_definitions", "not a built-in name", d["indicator"].isin(INDICATORS))
    check("indicator_definitions", "label", d["label"].str.strip() == "")
    check("indicator_definitions", "unit", ~d["unit"].isin(["count", "share", "score", "points"]))
    check("indicator_definitions", "direction", ~d["direction"].isin(["higher", "lower"]))
    check("indicator_definitions", "unique", d["indicator"].duplicated())
    known = INDICATORS | set(d["indicator"])

    r = t["results"]
    check("results", "id pattern", ~r["result_id"].str.fullmatch(ID))
    check("results", "unique id", r["result_id"].duplicated())
    check("results", "level", ~r["level"].isin(["impact", "outcome", "output"]))
    level = r.set_index("result_id")["level"]
    above = {"impact": "", "outcome": "impact", "output": "outcome"}
    parent_level = r["parent_id"].map(level).fillna("")
    has_parent = r["parent_id"] != ""
    check("results", "parent exists", has_parent & ~r["parent_id"].isin(level.index))
    check("results", "parent one level up", has_parent & (parent_level != r["level"].map(above)))
    check("results", "partner", ~r["partner"].isin(NATIONAL | {"WB"}))
    check("results", "statement", r["statement"].str.strip() == "")
    names = r["indicators"].map(lambda v: [x for x in v.split(";") if x != ""] if v else [])
    check("results", "indicators exist", names.map(lambda xs: any(x not in known for x in xs)))

    o = t["observations"]
    check("observations", "declared indicator", ~o["indicator"].isin(set(d["indicator"])))
    check("observations", "partner", ~o["partner"].isin(NATIONAL | {"WB"}))
    check("observations", "canonical period", ~o["period"].str.fullmatch(PERIOD))
    check("observations", "value number", ~o["value"].str.fullmatch(NUMBER))
    check("observations", "unique", o.duplicated(["indicator", "partner", "period"]))
    return found


BREAKAGES = [
    ("activities", "activity_id", 0, "bad id!"),
    ("activities", "partner", "regional", "AL"),
    ("activities", "end_date", 0, "2018-01-01"),
    ("participation", "women", 0, "999"),
    ("participation", "certified_trainers", "not_ttt", "1"),
    ("milestones", "achieved_date", "not_achieved", "2020-01-01"),
    ("tools", "language", 0, "mk"),
    ("targets", "indicator", 0, "not_declared"),
    ("targets", "period", 0, "2020q4"),
    ("targets", "scope", 0, "lifetime"),
    ("evaluations", "respondents", 0, "9999"),
    ("evaluations", "satisfaction_5", "answered", "0"),
    ("evaluations", "useful", "answered", "999"),
    ("evaluations", "post_score_mean", "tested", "101"),
    ("evaluations", "pre_score_mean", "untested", "50"),
    ("evaluations", "passed", "tested", "9999"),
    ("evaluations", "activity_id", 0, "NOPE-1"),
    ("followups", "survey_date", 0, "2000-01-01"),
    ("followups", "applying", "answered", "9999"),
    ("results", "parent_id", "output", "IMPACT"),
    ("results", "indicators", 0, "participants;no_such_indicator"),
    ("results", "level", 0, "goal"),
    ("indicator_definitions", "indicator", 0, "participants"),
    ("indicator_definitions", "unit", 0, "months"),
    ("observations", "indicator", 0, "undeclared"),
    ("observations", "period", 0, "2021-Q4"),
]


@pytest.mark.parametrize(("table", "column", "row", "value"), BREAKAGES)
def test_the_checks_notice_broken_rules(
    small: dict[str, pd.DataFrame], table: str, column: str, row: object, value: str
) -> None:
    tables = {name: frame.copy() for name, frame in small.items()}
    frame = tables[table]
    if row == "regional":
        row = frame.index[frame["scope"] == "regional"][0]
    elif row == "not_ttt":
        ttt = small["activities"].set_index("activity_id")["type"] == "train_the_trainers"
        row = frame.index[~frame["activity_id"].map(ttt)][0]
    elif row == "not_achieved":
        row = frame.index[frame["status"] != "achieved"][0]
    elif row == "answered":
        row = frame.index[frame["respondents"].astype(int) > 0][0]
    elif row == "tested":
        row = frame.index[frame["post_tested"].astype(int) > 0][0]
    elif row == "untested":
        row = frame.index[frame["pre_tested"] == "0"][0]
    elif row == "output":
        row = frame.index[frame["level"] == "output"][0]
    elif table == "tools":
        row = frame.index[frame["partner"] == "AL"][0]
    frame.loc[row, column] = value
    assert problems(tables)


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate(1, seed=0)


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return read_folder(SAMPLE)


def test_columns_match_the_schema(small: dict[str, pd.DataFrame]) -> None:
    for name, columns in COLUMNS.items():
        assert list(TABLES_BY_NAME[name].column_names) == columns
        assert list(small[name].columns) == columns


def test_generate_is_deterministic_per_seed(small: dict[str, pd.DataFrame]) -> None:
    again, other = generate(1, seed=0), generate(1, seed=1)
    for name in COLUMNS:
        pd.testing.assert_frame_equal(small[name], again[name])
    assert not all(small[n].equals(other[n]) for n in COLUMNS)


@pytest.mark.parametrize(("scale", "seed"), [(1, 0), (1, 7), (3, 1)])
def test_generated_packages_are_valid(scale: int, seed: int) -> None:
    tables = generate(scale, seed)
    assert problems(tables) == []
    rows = len(tables["participation"])
    assert 0.8 * scale * 1000 < rows < 1.2 * scale * 1000


def test_sample_package_is_valid(sample: dict[str, pd.DataFrame]) -> None:
    assert problems(sample) == []


def test_generated_data_cover_the_edge_cases(small: dict[str, pd.DataFrame]) -> None:
    a, p, m, tl, g = (small[n] for n in PROGRAMMING)
    assert {"planned", "cancelled", "delivered"} <= set(a["status"])
    assert {"virtual", "blended", "in_person"} <= set(a["delivery"])
    start, end = _dates(a["start_date"]), _dates(a["end_date"])
    assert (start.dt.to_period("Q") != end.dt.to_period("Q")).any()
    national_training = (a["scope"] == "national") & (a["type"] == "training")
    assert (national_training & (a["led_by_certified_trainer"] == "true")).any()
    regional = a.loc[a["scope"] == "regional", "activity_id"]
    rows_per_activity = p[p["activity_id"].isin(regional)].groupby("activity_id").size()
    assert (rows_per_activity < 6).any()  # a partner without a row
    assert (p["activity_id"].isin(regional) & (p["participants"] == "0")).any()
    late = (m["status"] == "achieved") & (_dates(m["achieved_date"]) > _dates(m["due_date"]))
    assert late.any()
    assert {"dropped", "in_progress", "not_started"} <= set(m["status"])
    assert {"in_translation", "planned", "published"} <= set(tl["status"])
    assert (g["baseline"] == "").any()
    assert {"2020Q4", "2021Q4", "2020", "2021"} <= set(g["period"])


def test_sample_tells_the_newsletter_story(sample: dict[str, pd.DataFrame]) -> None:
    a, p, m, tl, g = (sample[n] for n in PROGRAMMING)
    assert 120 <= len(a) <= 200 and 300 <= len(p) <= 700
    assert 60 <= len(m) <= 120 and 40 <= len(tl) <= 100
    delivered = a[a["status"] == "delivered"]
    assert delivered["end_date"].max().startswith("2021-1")  # default period 2021Q4
    age = a[a["title"].str.contains("workshop on age assessment") & (a["start_date"] < "2020-11")]
    assert set(age.iloc[0]["organisers"].split(";")) >= {
        "UNICEF",
        "Sweden",
        "Germany",
        "UNHCR",
        "IOM",
    }
    marri = a[a["title"].str.contains("MARRI Regional centre")]
    assert marri.iloc[0]["start_date"] == "2020-11-08" and "MARRI" in marri.iloc[0]["organisers"]
    ttt = a[a["type"] == "train_the_trainers"]
    ivp = ttt[
        (ttt["module"] == "Interviewing Vulnerable Persons")
        & ttt["start_date"].str.startswith("2020-11")
    ]
    assert ivp.iloc[0]["delivery"] == "virtual"
    assert (
        ttt["start_date"].str.startswith("2020-09") & (ttt["module"] == "Interview Techniques")
    ).any()
    # Workplan of the period after 2021Q4.
    assert ((a["status"] == "planned") & a["start_date"].between("2022-01-01", "2022-03-31")).any()
    assert m["due_date"].between("2022-01-01", "2022-03-31").any()
    advanced = set(m.loc[m["framework"] == "advanced_cooperation_framework", "partner"])
    assert advanced == {"ME", "XK"}
    assert (m["chapter24_ref"] != "").any()
    women = p["women"].astype(int) / p["participants"].astype(int).where(p["participants"] != "0")
    assert women.dropna().between(0.25, 0.75).mean() > 0.9
    assert (
        p.loc[p["certified_trainers"] != "0", "activity_id"].map(a.set_index("activity_id")["type"])
        == "train_the_trainers"
    ).all()
    codes = set(g["partner"])
    assert codes == NATIONAL | {"WB"}
    # WB targets of an additive indicator are the sum of the partners'.
    part = (
        g[(g["indicator"] == "participants") & (g["scope"] == "")]
        .pivot(index="period", columns="partner", values="target")
        .astype(float)
    )
    assert (part[sorted(NATIONAL)].sum(axis=1) == part["WB"]).all()


def test_write_package_round_trips(tmp_path: Path, small: dict[str, pd.DataFrame]) -> None:
    paths = write_package(small, tmp_path / "pkg")
    assert [p.name for p in paths] == [f"{n}.csv" for n in small]
    back = read_folder(tmp_path / "pkg")
    for name in COLUMNS:
        pd.testing.assert_frame_equal(back[name], small[name])
    write_package(generate(1, seed=0), tmp_path / "again")
    for path in paths:
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes()


# --- demo-data never overwrites a package (hardening 2) -------------------------------------


def _demo(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from wbreport.cli import app

    result = CliRunner().invoke(app, ["demo-data", *args])
    return result.exit_code, result.output


def test_demo_data_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "activities.csv").write_text("the analyst's own data\n", encoding="utf-8")
    code, output = _demo("--out", str(pkg))
    assert code == 2, output
    assert "not empty" in output and "--force" in output and "Traceback" not in output
    assert (pkg / "activities.csv").read_text(encoding="utf-8") == "the analyst's own data\n"
    assert sorted(p.name for p in pkg.iterdir()) == ["activities.csv"]


def test_demo_data_force_overwrites_and_new_or_empty_folders_are_fine(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "activities.csv").write_text("old\n", encoding="utf-8")
    assert _demo("--out", str(pkg), "--force")[0] == 0
    assert (pkg / "activities.csv").read_text(encoding="utf-8").startswith("activity_id,")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _demo("--out", str(empty))[0] == 0
    assert _demo("--out", str(tmp_path / "new" / "deeper"))[0] == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--seed", "-1"), "--seed"),
        (("--scale", "0"), "--scale"),
        (("--scale", "100000000"), "--scale"),  # 384 GiB: a MemoryError traceback before
    ],
)
def test_demo_data_refuses_bad_numbers_without_traceback(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    code, output = _demo("--out", str(tmp_path / "pkg"), *args)
    assert code == 2 and says in output and "Traceback" not in output
    assert not (tmp_path / "pkg").exists()


def test_demo_data_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "pkg.csv"
    target.write_text("keep\n", encoding="utf-8")
    code, output = _demo("--out", str(target))
    assert code == 2 and "is a file" in output and "Traceback" not in output
    assert target.read_text(encoding="utf-8") == "keep\n"


# --- evaluation (§8) and results framework (§9) tables ----------------------------------------


def _suppressible(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per (partner, quarter of the activity's end): the head-counts disclosure control
    looks at (SPEC §8), restated: respondents, tested (min of pre and post over rows with
    both) and post_tested of evaluated rows, and follow-up respondents by survey quarter."""
    a = t["activities"].set_index("activity_id")
    e = t["evaluations"].copy()
    e["q"] = pd.PeriodIndex(_dates(e["activity_id"].map(a["end_date"])), freq="Q")
    counts = ["respondents", "pre_tested", "post_tested"]
    e[counts] = e[counts].astype(int)
    both = e[(e["pre_tested"] > 0) & (e["post_tested"] > 0)]
    f = t["followups"].copy()
    f["q"] = pd.PeriodIndex(_dates(f["survey_date"]), freq="Q")
    f["respondents"] = f["respondents"].astype(int)
    return pd.concat(
        {
            "respondents": e.groupby(["partner", "q"])["respondents"].sum(),
            "tested": both.groupby(["partner", "q"])[["pre_tested", "post_tested"]]
            .sum()
            .min(axis=1),
            "post_tested": e.groupby(["partner", "q"])["post_tested"].sum(),
            "followup": f.groupby(["partner", "q"])["respondents"].sum(),
        },
        axis=1,
    )


def _evaluation_cases(t: dict[str, pd.DataFrame]) -> None:
    e, f = t["evaluations"], t["followups"]
    n = e[["respondents", "pre_tested", "post_tested"]].astype(int)
    assert ((n["post_tested"] > 0) & (n["pre_tested"] == 0)).any()  # no pre-test
    both = e[(n["pre_tested"] > 0) & (n["post_tested"] > 0)]
    gain = both["post_score_mean"].astype(float) - both["pre_score_mean"].astype(float)
    assert (gain < 0).any() and (gain > 0).mean() > 0.8
    assert (n["post_tested"] == 0).any()  # evaluated without a knowledge test
    kinds = set(e["activity_id"].map(t["activities"].set_index("activity_id")["type"]))
    assert kinds == {"training", "train_the_trainers", "workshop"}
    n_basis = _suppressible(t)
    assert ((n_basis > 0) & (n_basis < 5)).any().any()  # disclosure control shows
    end = _dates(f["activity_id"].map(t["activities"].set_index("activity_id")["end_date"]))
    months = (_dates(f["survey_date"]) - end).dt.days / 30.4
    assert months.min() >= 2.5 and months.max() <= 22
    assert f.duplicated(["activity_id", "partner"]).any()  # surveyed twice


def _results_cases(t: dict[str, pd.DataFrame]) -> None:
    r, d, o, g = (t[n] for n in ("results", "indicator_definitions", "observations", "targets"))
    assert list(r["level"].value_counts().sort_index().index) == ["impact", "outcome", "output"]
    assert r.loc[r["level"] == "impact", "partner"].tolist() == ["WB"]
    assert set(r.loc[r["level"] == "outcome", "partner"]) == NATIONAL | {"WB"}
    named = {x for v in r["indicators"] for x in v.split(";") if x}
    assert named & set(d["indicator"]) and named & INDICATORS
    assert {"higher", "lower"} == set(d["direction"])
    lengths = {_period_kind(p) for p in o["period"]}
    assert lengths >= {"year", "half", "quarter"}
    ends = o.assign(kind=o["period"].map(_period_kind))
    year = ends[ends["kind"] == "year"][["indicator", "partner", "period"]]
    half = ends[ends["period"].str.endswith("H2")].assign(period=lambda x: x["period"].str[:4])
    assert not year.merge(half[["indicator", "partner", "period"]]).empty  # same-day tie
    to_date = g[g["scope"] == "to_date"]
    assert {"2021", "2021Q4"} <= set(to_date["period"])
    assert set(to_date["indicator"]) & set(d["indicator"])
    overdue = g[g["indicator"] == "milestones_overdue"]
    assert not overdue.empty
    assert (overdue["baseline"].astype(float) > overdue["target"].astype(float)).all()
    assert set(g["indicator"]) >= {
        "satisfaction_mean",
        "knowledge_gain",
        "pass_rate",
        "applying_share",
    }


def _period_kind(period: str) -> str:
    return "half" if "H" in period else "quarter" if "Q" in period else "year"


def test_generated_evaluation_and_results_cover_the_edge_cases(
    small: dict[str, pd.DataFrame],
) -> None:
    _evaluation_cases(small)
    _results_cases(small)


def test_sample_evaluation_and_results_cover_the_edge_cases(
    sample: dict[str, pd.DataFrame],
) -> None:
    _evaluation_cases(sample)
    _results_cases(sample)
    # The default period 2021Q4 shows disclosure control in the sample's reports.
    n_basis = _suppressible(sample).xs(pd.Period("2021Q4", "Q"), level="q")
    assert ((n_basis > 0) & (n_basis < 5)).any().any()
    assert 150 <= len(sample["evaluations"]) <= 300 and 40 <= len(sample["followups"]) <= 150


def test_results_framework_names_only_known_indicators(small: dict[str, pd.DataFrame]) -> None:
    assert results_problems(small) == [] and evaluation_problems(small) == []


@pytest.mark.parametrize("scale", [1, 2, 5])
def test_new_tables_are_valid_at_any_scale(scale: int) -> None:
    tables = generate(scale, seed=scale)
    assert set(tables) == set(COLUMNS)
    assert problems(tables) == []


# --- and wbreport's own validator agrees ----------------------------------------------------


@pytest.mark.parametrize(("scale", "seed"), [(1, 0), (2, 5)])
def test_generated_packages_pass_wbreport_validate(tmp_path: Path, scale: int, seed: int) -> None:
    from wbreport.package import load_package

    write_package(generate(scale, seed), tmp_path / "pkg")
    package = load_package(tmp_path / "pkg")  # raises ValidationError listing every problem
    assert len(package.evaluations) > 0 and len(package.followups) > 0


def test_sample_passes_wbreport_validate() -> None:
    code, output = _run_cli("validate", "--data", str(SAMPLE))
    assert code == 0, output


def _run_cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from wbreport.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_demo_data_out_of_memory_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("wbreport.demo.generate", exhausted)
    code, output = _demo("--out", str(tmp_path / "pkg"), "--scale", "9000")
    assert code == 2 and "not enough memory" in output and "Traceback" not in output
    assert not (tmp_path / "pkg").exists()


def test_demo_data_force_replaces_links_instead_of_writing_through_them(tmp_path: Path) -> None:
    """``--force`` over a folder whose activities.csv is a link: the link's target (a file
    outside the folder) was overwritten with generated data."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "activities.csv").symlink_to(victim)
    code, output = _demo("--out", str(folder), "--force")
    assert code == 0, output
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (folder / "activities.csv").is_symlink()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
