"""Independent DuckDB implementation of the SPEC §4 indicators (a test oracle).

Written straight from SPEC.md §2-§4, deliberately without looking at
``wbreport.indicators``: it reads a CSV data package with DuckDB (every column
as text, then cast) and computes all 15 indicators for the six partners and
the WB roll-up in one SQL statement. pandas is only used to hand the result
back as a DataFrame.

    duckdb_indicators(package_dir, start, end) -> DataFrame[partner, indicator, value]
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


if __name__ == "__main__":  # python benchmarks/duckdb_indicators.py DIR START END
    from datetime import date as _date

    result = duckdb_indicators(
        Path(sys.argv[1]), _date.fromisoformat(sys.argv[2]), _date.fromisoformat(sys.argv[3])
    )
    print(result.to_string())
