"""Independent DuckDB implementation of the SPEC indicators (a test oracle).

Written straight from SPEC.md §2-§4, §8 and §9, deliberately without looking at
``wbreport.indicators``: it reads a CSV data package with DuckDB (every column
as text, then cast) and computes the 15 indicators of §4 for the six partners and
the WB roll-up in one SQL statement, the 7 of §8 with their head-counts n in another,
custom indicators (§9) in a third, and targets, achievement and RAG of both scopes in a
fourth. pandas is only used to hand results back as DataFrames.

    duckdb_indicators(package_dir, start, end) -> DataFrame[partner, indicator, value]
    duckdb_evaluation(package_dir, start, end) -> DataFrame[partner, indicator, value, n]
    oracle_table(package_dir, label, start, end, programme_start) -> the whole table

Import it as ``benchmarks.duckdb_indicators`` (``benchmarks`` is a package).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

PARTNERS = ("AL", "BA", "XK", "ME", "MK", "RS", "WB")
NATIONAL_PARTNERS = PARTNERS[:-1]
INDICATORS = (
    "activities_delivered",
    "regional_activities",
    "participants",
    "women_share",
    "trainers_certified",
    "certified_trainers_to_date",
    "cascade_sessions",
    "virtual_share",
    "milestones_due",
    "milestones_achieved",
    "milestone_completion_rate",
    "milestones_overdue",
    "translations_published",
    "tools_available",
    "languages_covered",
)
TABLES = ("activities", "participation", "milestones", "tools")


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reader(path: Path) -> str:
    # Everything as text (codes such as 007 stay text), comma separated, header row.
    return (
        f"read_csv({_sql_str(str(path))}, header = true, all_varchar = true, "
        "delim = ',', quote = '\"', escape = '\"', auto_detect = true)"
    )


def _values(rows: list[tuple[str, int]]) -> str:
    return ", ".join(f"({_sql_str(a)}, {b})" for a, b in rows)


def typed_selects(package_dir: Path) -> dict[str, str]:
    """The four typed relations (act, part, ms, tl) the indicator SQL works on, each as
    a SELECT over the package's CSV files."""
    src = {t: _reader(Path(package_dir) / f"{t}.csv") for t in TABLES}
    return {
        "act": f"""
    SELECT activity_id, type, scope, partner, delivery, status,
           CAST(NULLIF(trim(end_date), '') AS DATE) AS end_date,
           coalesce(lower(trim(led_by_certified_trainer)), '') = 'true' AS led
    FROM {src["activities"]}""",
        "part": f"""
    SELECT activity_id, partner,
           CAST(participants AS BIGINT) AS participants,
           CAST(women AS BIGINT) AS women,
           CAST(certified_trainers AS BIGINT) AS certified_trainers
    FROM {src["participation"]}""",
        "ms": f"""
    SELECT partner, status,
           CAST(NULLIF(trim(due_date), '') AS DATE) AS due_date,
           CAST(NULLIF(trim(achieved_date), '') AS DATE) AS achieved_date
    FROM {src["milestones"]}""",
        "tl": f"""
    SELECT tool_id, partner, language,
           CAST(NULLIF(trim(published_date), '') AS DATE) AS published_date
    FROM {src["tools"]}""",
    }


def build_sql(package_dir: Path | None, start: date, end: date) -> str:
    """The single SQL statement computing the long indicator table.

    With ``package_dir=None`` the typed relations act, part, ms and tl are not read from
    files but must already exist as tables (see :func:`load_typed_tables`).
    """
    if package_dir is None:
        typed = "-- typed tables act, part, ms, tl: already loaded"
    else:
        typed = "-- typed tables ------------------------------------------------------------\n"
        typed += "".join(
            f"{name} AS ({sql}\n),\n" for name, sql in typed_selects(Path(package_dir)).items()
        )
    s = f"DATE '{start.isoformat()}'"
    e = f"DATE '{end.isoformat()}'"
    partners = _values([(p, i) for i, p in enumerate(PARTNERS)])
    indicators = _values([(n, i) for i, n in enumerate(INDICATORS)])
    national = ", ".join(_sql_str(p) for p in NATIONAL_PARTNERS)
    cols = ", ".join(INDICATORS)
    return f"""
WITH
partner_order(partner, pord) AS (VALUES {partners}),
indicator_order(indicator, iord) AS (VALUES {indicators}),

{typed}
-- activities counting in P: delivered, end_date in [S, E] --------------------
cnt AS (
    SELECT * FROM act
    WHERE status = 'delivered' AND end_date BETWEEN {s} AND {e}
),
-- (activity, partner) relevance among counting activities
rel AS (
    SELECT activity_id, partner AS p FROM cnt WHERE scope = 'national'
    UNION
    SELECT c.activity_id, pr.partner AS p
    FROM cnt c JOIN part pr ON pr.activity_id = c.activity_id
    WHERE c.scope = 'regional' AND pr.participants > 0
),
cnt_rows AS (   -- participation rows of activities counting in P
    SELECT pr.*, c.type FROM part pr JOIN cnt c ON pr.activity_id = c.activity_id
),
ttt_to_date AS ( -- rows of delivered train_the_trainers with end_date <= E (all time)
    SELECT pr.* FROM part pr JOIN act a ON pr.activity_id = a.activity_id
    WHERE a.status = 'delivered' AND a.type = 'train_the_trainers' AND a.end_date <= {e}
),

-- per-partner aggregates -----------------------------------------------------
p_act AS (
    SELECT r.p AS partner,
           count(*) AS activities_delivered,
           count(*) FILTER (WHERE c.scope = 'regional') AS regional_activities,
           count(*) FILTER (WHERE c.delivery = 'virtual') AS virtual_n
    FROM rel r JOIN cnt c ON c.activity_id = r.activity_id
    GROUP BY r.p
),
p_part AS (
    SELECT partner,
           sum(participants) AS participants,
           sum(women) AS women,
           sum(certified_trainers) FILTER (WHERE type = 'train_the_trainers')
               AS trainers_certified
    FROM cnt_rows GROUP BY partner
),
p_ttt AS (
    SELECT partner, sum(certified_trainers) AS certified_trainers_to_date
    FROM ttt_to_date GROUP BY partner
),
p_cascade AS (
    SELECT partner, count(*) AS cascade_sessions
    FROM cnt WHERE scope = 'national' AND type = 'training' AND led
    GROUP BY partner
),
p_ms AS (
    SELECT partner,
           count(*) AS milestones_due,
           count(*) FILTER (WHERE status = 'achieved' AND achieved_date <= {e})
               AS milestones_achieved
    FROM ms WHERE due_date <= {e} AND status <> 'dropped'
    GROUP BY partner
),
p_tools AS (
    SELECT partner,
           count(*) FILTER (WHERE published_date BETWEEN {s} AND {e})
               AS translations_published,
           count(DISTINCT tool_id) FILTER (WHERE published_date <= {e}) AS tools_available,
           count(DISTINCT language) FILTER (WHERE published_date <= {e}) AS languages_covered
    FROM tl GROUP BY partner
),
nat AS (        -- raw sums for the six partners (missing -> 0)
    SELECT po.partner,
           coalesce(a.activities_delivered, 0) AS activities_delivered,
           coalesce(a.regional_activities, 0) AS regional_activities,
           coalesce(a.virtual_n, 0) AS virtual_n,
           coalesce(pp.participants, 0) AS participants,
           coalesce(pp.women, 0) AS women,
           coalesce(pp.trainers_certified, 0) AS trainers_certified,
           coalesce(t.certified_trainers_to_date, 0) AS certified_trainers_to_date,
           coalesce(cs.cascade_sessions, 0) AS cascade_sessions,
           coalesce(m.milestones_due, 0) AS milestones_due,
           coalesce(m.milestones_achieved, 0) AS milestones_achieved,
           coalesce(tt.translations_published, 0) AS translations_published,
           coalesce(tt.tools_available, 0) AS tools_available,
           coalesce(tt.languages_covered, 0) AS languages_covered
    FROM partner_order po
    LEFT JOIN p_act a ON a.partner = po.partner
    LEFT JOIN p_part pp ON pp.partner = po.partner
    LEFT JOIN p_ttt t ON t.partner = po.partner
    LEFT JOIN p_cascade cs ON cs.partner = po.partner
    LEFT JOIN p_ms m ON m.partner = po.partner
    LEFT JOIN p_tools tt ON tt.partner = po.partner
    WHERE po.partner IN ({national})
),

-- WB roll-up -------------------------------------------------------------------
wb AS (
    SELECT 'WB' AS partner,
           (SELECT count(*) FROM cnt) AS activities_delivered,
           (SELECT count(*) FROM cnt WHERE scope = 'regional') AS regional_activities,
           (SELECT count(*) FROM cnt WHERE delivery = 'virtual') AS virtual_n,
           (SELECT coalesce(sum(participants), 0) FROM cnt_rows) AS participants,
           (SELECT coalesce(sum(women), 0) FROM cnt_rows) AS women,
           (SELECT coalesce(sum(certified_trainers), 0) FROM cnt_rows
               WHERE type = 'train_the_trainers') AS trainers_certified,
           (SELECT coalesce(sum(certified_trainers), 0) FROM ttt_to_date)
               AS certified_trainers_to_date,
           (SELECT sum(cascade_sessions) FROM nat) AS cascade_sessions,
           (SELECT sum(milestones_due) FROM nat) AS milestones_due,
           (SELECT sum(milestones_achieved) FROM nat) AS milestones_achieved,
           (SELECT count(*) FROM tl WHERE published_date BETWEEN {s} AND {e})
               AS translations_published,
           (SELECT count(DISTINCT tool_id) FROM tl WHERE published_date <= {e})
               AS tools_available,
           (SELECT count(DISTINCT language) FROM tl WHERE published_date <= {e})
               AS languages_covered
),
raw AS (SELECT * FROM nat UNION ALL BY NAME SELECT * FROM wb),

-- final indicator values (ratios of sums, NA on a zero denominator) ----------
wide AS (
    SELECT partner,
           CAST(activities_delivered AS DOUBLE) AS activities_delivered,
           CAST(regional_activities AS DOUBLE) AS regional_activities,
           CAST(participants AS DOUBLE) AS participants,
           CASE WHEN participants = 0 THEN NULL
                ELSE CAST(women AS DOUBLE) / participants END AS women_share,
           CAST(trainers_certified AS DOUBLE) AS trainers_certified,
           CAST(certified_trainers_to_date AS DOUBLE) AS certified_trainers_to_date,
           CAST(cascade_sessions AS DOUBLE) AS cascade_sessions,
           CASE WHEN activities_delivered = 0 THEN NULL
                ELSE CAST(virtual_n AS DOUBLE) / activities_delivered END AS virtual_share,
           CAST(milestones_due AS DOUBLE) AS milestones_due,
           CAST(milestones_achieved AS DOUBLE) AS milestones_achieved,
           CASE WHEN milestones_due = 0 THEN NULL
                ELSE CAST(milestones_achieved AS DOUBLE) / milestones_due
           END AS milestone_completion_rate,
           CAST(milestones_due - milestones_achieved AS DOUBLE) AS milestones_overdue,
           CAST(translations_published AS DOUBLE) AS translations_published,
           CAST(tools_available AS DOUBLE) AS tools_available,
           CAST(languages_covered AS DOUBLE) AS languages_covered
    FROM raw
),
long AS (
    SELECT * FROM wide UNPIVOT INCLUDE NULLS (value FOR indicator IN ({cols}))
)
SELECT l.partner, l.indicator, l.value
FROM long l
JOIN partner_order po ON po.partner = l.partner
JOIN indicator_order io ON io.indicator = l.indicator
ORDER BY po.pord, io.iord
"""


def duckdb_indicators(
    package_dir: Path, start: date, end: date, threads: int | None = None
) -> pd.DataFrame:
    """All §4 indicators for AL, BA, XK, ME, MK, RS, WB over [start, end] (inclusive).

    Returns a long frame ``partner, indicator, value`` (value float, NaN = NA)
    in the fixed partner order, then the indicator order of SPEC §4.
    ``threads`` limits DuckDB's worker threads (default: DuckDB's, all cores).
    """
    sql = build_sql(Path(package_dir), start, end)
    con = connect(threads)
    try:
        return _frame(con.execute(sql).df())
    finally:
        con.close()


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection, optionally limited to ``threads`` threads."""
    return duckdb.connect(":memory:", config={} if threads is None else {"threads": threads})


def load_typed_tables(con: duckdb.DuckDBPyConnection, package_dir: Path) -> None:
    """Read the package's CSV files into typed in-memory tables act, part, ms, tl."""
    for name, sql in typed_selects(Path(package_dir)).items():
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")


def indicators_from_tables(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """The same indicators computed from tables made by :func:`load_typed_tables`."""
    return _frame(con.execute(build_sql(None, start, end)).df())


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    df["partner"] = df["partner"].astype(object)
    df["indicator"] = df["indicator"].astype(object)
    df["value"] = df["value"].astype("float64")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------
# SPEC §8 (indicators 16-22), §9 (to date, custom indicators, targets) - written from
# SPEC.md, independently of wbreport: one SQL statement per part over the CSV files.
# --------------------------------------------------------------------------

EVALUATION_INDICATORS = (
    "evaluation_response_rate",
    "satisfaction_mean",
    "satisfied_share",
    "useful_share",
    "knowledge_gain",
    "pass_rate",
    "applying_share",
)
ALL_BUILTIN = INDICATORS + EVALUATION_INDICATORS
STOCK = (
    "certified_trainers_to_date",
    "milestones_due",
    "milestones_achieved",
    "milestone_completion_rate",
    "milestones_overdue",
    "tools_available",
    "languages_covered",
)


def _has_rows(path: Path) -> bool:
    """A CSV file with a header and at least one non-empty data line."""
    if not path.exists():
        return False
    lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    return len(lines) > 1


def _header(path: Path) -> list[str]:
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return [c.strip() for c in first.split(",")]


def _evaluation_sql(package_dir: Path, s: str, e: str) -> str:
    src = {t: _reader(package_dir / f"{t}.csv") for t in ("activities", "participation")}
    has_ev = _has_rows(package_dir / "evaluations.csv")
    has_fu = _has_rows(package_dir / "followups.csv")
    ev = (
        _reader(package_dir / "evaluations.csv")
        if has_ev
        else "(SELECT NULL::VARCHAR AS activity_id, NULL::VARCHAR AS partner, "
        + ", ".join(
            f"NULL::VARCHAR AS {c}"
            for c in ("respondents", "satisfaction_1", "satisfaction_2", "satisfaction_3",
                      "satisfaction_4", "satisfaction_5", "useful", "pre_tested",
                      "post_tested", "pre_score_mean", "post_score_mean", "passed")
        )
        + " WHERE false)"
    )  # fmt: skip
    fu = (
        _reader(package_dir / "followups.csv")
        if has_fu
        else "(SELECT NULL::VARCHAR AS partner, NULL::VARCHAR AS survey_date, "
        "NULL::VARCHAR AS respondents, NULL::VARCHAR AS applying WHERE false)"
    )
    na_ev = "" if has_ev else "AND false"
    na_fu = "" if has_fu else "AND false"
    return f"""
WITH
act AS (SELECT activity_id, type, status, CAST(NULLIF(trim(end_date), '') AS DATE) AS end_date
        FROM {src["activities"]}),
part AS (SELECT activity_id, partner, CAST(participants AS DOUBLE) AS participants
         FROM {src["participation"]}),
cnt AS (SELECT * FROM act WHERE status = 'delivered' AND end_date BETWEEN {s} AND {e}),
ev AS (
    SELECT activity_id, partner,
           CAST(respondents AS DOUBLE) AS resp,
           CAST(satisfaction_1 AS DOUBLE) * 1 + CAST(satisfaction_2 AS DOUBLE) * 2
             + CAST(satisfaction_3 AS DOUBLE) * 3 + CAST(satisfaction_4 AS DOUBLE) * 4
             + CAST(satisfaction_5 AS DOUBLE) * 5 AS score,
           CAST(satisfaction_4 AS DOUBLE) + CAST(satisfaction_5 AS DOUBLE) AS sat,
           CAST(useful AS DOUBLE) AS useful,
           CAST(pre_tested AS DOUBLE) AS pre, CAST(post_tested AS DOUBLE) AS post,
           CAST(NULLIF(trim(pre_score_mean), '') AS DOUBLE) AS pre_mean,
           CAST(NULLIF(trim(post_score_mean), '') AS DOUBLE) AS post_mean,
           CAST(passed AS DOUBLE) AS passed
    FROM {ev}
),
evr AS (SELECT ev.* FROM ev JOIN cnt ON cnt.activity_id = ev.activity_id),
evx AS (SELECT partner AS p, * FROM evr UNION ALL SELECT 'WB' AS p, * FROM evr),
den_rows AS (
    SELECT part.partner, part.participants FROM part JOIN cnt ON cnt.activity_id = part.activity_id
    WHERE cnt.type IN ('training', 'train_the_trainers', 'workshop')
),
den AS (
    SELECT partner AS p, sum(participants) AS d FROM den_rows GROUP BY partner
    UNION ALL SELECT 'WB', sum(participants) FROM den_rows
),
agg AS (
    SELECT p, sum(resp) AS r, sum(score) AS sc, sum(sat) AS st, sum(useful) AS us,
           sum(passed) AS ps, sum(post) AS pt,
           sum(pre) FILTER (WHERE pre > 0 AND post > 0) AS kpre,
           sum(post) FILTER (WHERE pre > 0 AND post > 0) AS kpost,
           sum(pre * pre_mean) FILTER (WHERE pre > 0 AND post > 0) AS kpre_pts,
           sum(post * post_mean) FILTER (WHERE pre > 0 AND post > 0) AS kpost_pts
    FROM evx GROUP BY p
),
fu AS (SELECT partner, CAST(survey_date AS DATE) AS d, CAST(respondents AS DOUBLE) AS r,
              CAST(applying AS DOUBLE) AS a FROM {fu}),
fin AS (SELECT * FROM fu WHERE d BETWEEN {s} AND {e}),
fagg AS (
    SELECT partner AS p, sum(r) AS r, sum(a) AS a FROM fin GROUP BY partner
    UNION ALL SELECT 'WB', sum(r), sum(a) FROM fin
),
po(p) AS (SELECT * FROM (VALUES {", ".join(f"({_sql_str(x)})" for x in PARTNERS)})),
w AS (
    SELECT po.p,
           coalesce(agg.r, 0) AS r, coalesce(den.d, 0) AS d, agg.sc, agg.st, agg.us, agg.ps,
           coalesce(agg.pt, 0) AS pt, coalesce(agg.kpre, 0) AS kpre,
           coalesce(agg.kpost, 0) AS kpost, agg.kpre_pts, agg.kpost_pts,
           coalesce(fagg.r, 0) AS fr, fagg.a AS fa
    FROM po LEFT JOIN agg ON agg.p = po.p LEFT JOIN den ON den.p = po.p
    LEFT JOIN fagg ON fagg.p = po.p
)
SELECT p AS partner, 'evaluation_response_rate' AS indicator,
       CASE WHEN d > 0 {na_ev} THEN r / d END AS value, NULL::DOUBLE AS n FROM w
UNION ALL SELECT p, 'satisfaction_mean', CASE WHEN r > 0 {na_ev} THEN sc / r END, r FROM w
UNION ALL SELECT p, 'satisfied_share', CASE WHEN r > 0 {na_ev} THEN st / r END, r FROM w
UNION ALL SELECT p, 'useful_share', CASE WHEN r > 0 {na_ev} THEN us / r END, r FROM w
UNION ALL SELECT p, 'knowledge_gain',
       CASE WHEN kpre > 0 AND kpost > 0 {na_ev} THEN kpost_pts / kpost - kpre_pts / kpre END,
       least(kpre, kpost) FROM w
UNION ALL SELECT p, 'pass_rate', CASE WHEN pt > 0 {na_ev} THEN ps / pt END, pt FROM w
UNION ALL SELECT p, 'applying_share', CASE WHEN fr > 0 {na_fu} THEN fa / fr END, fr FROM w
-- national partners of the six codes only, plus WB
"""


_PERIOD_BOUNDS = """
    CASE
      WHEN regexp_full_match(period, '\\d{4}') THEN make_date(CAST(period AS INT), 1, 1)
      WHEN regexp_full_match(period, '\\d{4}H[12]')
        THEN make_date(CAST(substr(period, 1, 4) AS INT),
                       CASE WHEN substr(period, 6, 1) = '1' THEN 1 ELSE 7 END, 1)
      WHEN regexp_full_match(period, '\\d{4}Q[1-4]')
        THEN make_date(CAST(substr(period, 1, 4) AS INT),
                       3 * CAST(substr(period, 6, 1) AS INT) - 2, 1)
      ELSE make_date(CAST(substr(period, 1, 4) AS INT), CAST(substr(period, 6, 2) AS INT), 1)
    END AS p_start,
    CASE
      WHEN regexp_full_match(period, '\\d{4}') THEN make_date(CAST(period AS INT), 12, 31)
      WHEN regexp_full_match(period, '\\d{4}H[12]')
        THEN last_day(make_date(CAST(substr(period, 1, 4) AS INT),
                                CASE WHEN substr(period, 6, 1) = '1' THEN 6 ELSE 12 END, 1))
      WHEN regexp_full_match(period, '\\d{4}Q[1-4]')
        THEN last_day(make_date(CAST(substr(period, 1, 4) AS INT),
                                3 * CAST(substr(period, 6, 1) AS INT), 1))
      ELSE last_day(make_date(CAST(substr(period, 1, 4) AS INT),
                              CAST(substr(period, 6, 2) AS INT), 1))
    END AS p_end"""


def _custom_sql(package_dir: Path, label: str, e: str) -> str | None:
    if not _has_rows(package_dir / "indicator_definitions.csv"):
        return None
    defs = _reader(package_dir / "indicator_definitions.csv")
    obs = (
        _reader(package_dir / "observations.csv")
        if _has_rows(package_dir / "observations.csv")
        else "(SELECT NULL::VARCHAR AS indicator, NULL::VARCHAR AS partner, "
        "NULL::VARCHAR AS period, NULL::VARCHAR AS value WHERE false)"
    )
    partners = _values([(p, i) for i, p in enumerate(PARTNERS)])
    return f"""
WITH
po(partner, pord) AS (VALUES {partners}),
defs AS (SELECT row_number() OVER () AS ord, indicator FROM {defs}),
obs AS (SELECT indicator, partner, period, CAST(value AS DOUBLE) AS v, {_PERIOD_BOUNDS}
        FROM {obs}),
exact AS (SELECT indicator, partner, v FROM obs WHERE period = {_sql_str(label)}),
latest AS (
    SELECT indicator, partner, v FROM (
        SELECT *, row_number() OVER (PARTITION BY indicator, partner
                                     ORDER BY p_end DESC, p_start DESC) AS k
        FROM obs WHERE p_end <= {e}
    ) WHERE k = 1
)
SELECT po.partner, defs.indicator, exact.v AS value, latest.v AS to_date,
       po.pord, defs.ord
FROM defs CROSS JOIN po
LEFT JOIN exact ON exact.indicator = defs.indicator AND exact.partner = po.partner
LEFT JOIN latest ON latest.indicator = defs.indicator AND latest.partner = po.partner
ORDER BY po.pord, defs.ord
"""


def duckdb_evaluation(package_dir: Path, start: date, end: date) -> pd.DataFrame:
    """Indicators 16-22 (SPEC §8) and their n over [start, end]: partner, indicator, value, n."""
    sql = _evaluation_sql(Path(package_dir), f"DATE '{start}'", f"DATE '{end}'")
    con = connect(1)
    try:
        df = con.execute(sql).df()
    finally:
        con.close()
    df = df[df["partner"].isin(PARTNERS)]
    return df.astype({"value": "float64", "n": "float64"}).reset_index(drop=True)


def _figures(package_dir: Path, start: date, end: date) -> pd.DataFrame:
    main = duckdb_indicators(package_dir, start, end, threads=1)
    main["n"] = float("nan")
    return pd.concat([main, duckdb_evaluation(package_dir, start, end)], ignore_index=True)


def _targets_sql(package_dir: Path, label: str, green: float, amber: float) -> str:
    path = package_dir / "targets.csv"
    lower = "('milestones_overdue')"
    defs_path = package_dir / "indicator_definitions.csv"
    if _has_rows(defs_path):
        lower = (
            f"(SELECT 'milestones_overdue' UNION ALL SELECT indicator FROM {_reader(defs_path)}"
            " WHERE trim(direction) = 'lower')"
        )
    if _has_rows(path):
        scope = "scope" if "scope" in _header(path) else "NULL"
        targets = f"""(SELECT indicator, partner,
               coalesce(NULLIF(trim({scope}), ''), 'period') AS scope,
               coalesce(CAST(NULLIF(trim(baseline), '') AS DOUBLE), 0) AS b,
               CAST(target AS DOUBLE) AS t
             FROM {_reader(path)} WHERE period = {_sql_str(label)})"""
    else:
        targets = (
            "(SELECT NULL::VARCHAR AS indicator, NULL::VARCHAR AS partner, "
            "NULL::VARCHAR AS scope, NULL::DOUBLE AS b, NULL::DOUBLE AS t WHERE false)"
        )

    def assess(v: str, alias: str) -> str:
        ach = (
            f"CASE WHEN {alias}.t = {alias}.b OR {v} IS NULL THEN NULL "
            f"WHEN f.indicator IN {lower} THEN ({alias}.b - {v}) / ({alias}.b - {alias}.t) "
            f"ELSE ({v} - {alias}.b) / ({alias}.t - {alias}.b) END"
        )
        return ach

    pa, ta = assess("f.value", "tp"), assess("f.to_date", "tt")

    def rag(ach: str, alias: str) -> str:
        return (
            f"CASE WHEN {alias}.t IS NULL OR ({ach}) IS NULL THEN '' "
            f"WHEN ({ach}) >= {green} THEN 'green' WHEN ({ach}) >= {amber} THEN 'amber' "
            "ELSE 'red' END"
        )

    return f"""
WITH tg AS {targets}
SELECT f.partner, f.indicator, f.value, tp.b AS baseline, tp.t AS target,
       {pa} AS achievement, {rag(pa, "tp")} AS rag,
       f.to_date, tt.b AS to_date_baseline, tt.t AS to_date_target,
       {ta} AS to_date_achievement, {rag(ta, "tt")} AS to_date_rag, f.n, f.to_date_n
FROM figures f
LEFT JOIN tg tp ON tp.indicator = f.indicator AND tp.partner = f.partner AND tp.scope = 'period'
LEFT JOIN tg tt ON tt.indicator = f.indicator AND tt.partner = f.partner AND tt.scope = 'to_date'
ORDER BY f.k
"""


def oracle_table(
    package_dir: Path,
    label: str,
    start: date,
    end: date,
    programme_start: date = date(2019, 1, 1),
    green: float = 0.9,
    amber: float = 0.6,
) -> pd.DataFrame:
    """The whole indicators table of SPEC §4, §8 and §9 for period ``label`` = [start, end].

    Columns: partner, indicator, value, baseline, target, achievement, rag, to_date,
    to_date_baseline, to_date_target, to_date_achievement, to_date_rag, n, to_date_n.
    To-date figures are the same SQL over [programme_start, end] (stock indicators do not
    depend on the start, so theirs equal their values); custom indicators come after
    indicator 22 in declared order.
    """
    package_dir = Path(package_dir)
    period = _figures(package_dir, start, end)
    to_date = _figures(package_dir, programme_start, end)
    period = period.merge(
        to_date.rename(columns={"value": "to_date", "n": "to_date_n"}),
        on=["partner", "indicator"],
        how="left",
    )
    order = {p: i for i, p in enumerate(PARTNERS)}
    names = {n: i for i, n in enumerate(ALL_BUILTIN)}
    period["k"] = [
        order[p] * 1000 + names[i]
        for p, i in zip(period["partner"], period["indicator"], strict=True)
    ]
    con = connect(1)
    try:
        custom_sql = _custom_sql(package_dir, label, f"DATE '{end}'")
        if custom_sql is not None:
            custom = con.execute(custom_sql).df()
            custom["n"] = custom["to_date_n"] = float("nan")
            custom["k"] = custom["pord"] * 1000 + 100 + custom["ord"]
            period = pd.concat([period, custom.drop(columns=["pord", "ord"])], ignore_index=True)
        con.register("figures", period)
        out = con.execute(_targets_sql(package_dir, label, green, amber)).df()
    finally:
        con.close()
    for column in ("rag", "to_date_rag"):
        out[column] = out[column].fillna("").astype(object)
    out["partner"] = out["partner"].astype(object)
    out["indicator"] = out["indicator"].astype(object)
    return out.reset_index(drop=True)


if __name__ == "__main__":  # python benchmarks/duckdb_indicators.py DIR START END
    from datetime import date as _date

    result = duckdb_indicators(
        Path(sys.argv[1]), _date.fromisoformat(sys.argv[2]), _date.fromisoformat(sys.argv[3])
    )
    print(result.to_string())
